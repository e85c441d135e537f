package org.rlhf4j.core.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * DJL's scalar operands under a garbage collection between forward and backward: which of its
 * {@code op(Number)} methods give a wrong gradient, and that {@link Scalars} does not.
 */
class ScalarsTest {
  private static final int TRIALS = 10;

  /** Gradient of sum(f(x)) at x = (1, 2, 3), with a forced GC between forward and backward. */
  private static float[] gradient(UnaryOperator<NDArray> f, boolean collect) {
    try (NDManager manager = NDManager.newBaseManager()) {
      NDArray x = manager.create(new float[] {1f, 2f, 3f});
      x.setRequiresGradient(true);
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDArray y = f.apply(x).sum();
        if (collect) {
          GcPressure.collectNow();
        }
        gc.backward(y);
      }
      return x.getGradient().toFloatArray();
    }
  }

  /** How many of TRIALS forced-GC trials give a gradient different from the quiet one. */
  private static int wrong(UnaryOperator<NDArray> f) {
    float[] quiet = gradient(f, false);
    int bad = 0;
    for (int i = 0; i < TRIALS; i++) {
      if (!java.util.Arrays.equals(quiet, gradient(f, true))) {
        bad++;
      }
    }
    return bad;
  }

  @Test
  void djlNumberOperandsThatAutogradSavesAreCorruptedByGc() {
    // The DJL bug itself (docs/known-issues.md), and the proof that GcPressure catches it: if a
    // DJL upgrade fixes the bug, this test says so.
    assertTrue(wrong(x -> x.mul(3f)) > 0, "mul(Number)");
    assertTrue(wrong(x -> x.div(4f)) > 0, "div(Number)");
    assertTrue(wrong(x -> x.pow(2f)) > 0, "pow(Number)");
    assertTrue(wrong(x -> x.minimum(2.5f)) > 0, "minimum(Number)");
    assertTrue(wrong(x -> x.maximum(2.5f)) > 0, "maximum(Number)");
  }

  @Test
  void djlNumberOperandsThatBackwardDoesNotReadAreSafe() {
    assertEquals(0, wrong(x -> x.add(3f).square()), "add(Number)");
    assertEquals(0, wrong(x -> x.sub(3f).square()), "sub(Number)");
    assertEquals(0, wrong(x -> x.clip(1.5f, 2.5f).square()), "clip(Number, Number): bounds passed by value");
  }

  @Test
  void scalarsSurviveGcAndMatchDjlsQuietResults() {
    List<UnaryOperator<NDArray>> ours = List.of(x -> Scalars.mul(x, 3f), x -> Scalars.div(x, 4f),
        x -> Scalars.pow(x, 2f), x -> Scalars.minimum(x, 2.5f), x -> Scalars.maximum(x, 2.5f),
        x -> Scalars.add(x, 3f).square(), x -> Scalars.sub(x, 3f).square());
    List<UnaryOperator<NDArray>> djl = List.of(x -> x.mul(3f), x -> x.div(4f), x -> x.pow(2f), x -> x.minimum(2.5f),
        x -> x.maximum(2.5f), x -> x.add(3f).square(), x -> x.sub(3f).square());
    for (int i = 0; i < ours.size(); i++) {
      assertEquals(0, wrong(ours.get(i)), "Scalars op #" + i);
      assertArrayEquals(gradient(djl.get(i), false), gradient(ours.get(i), false), 0f, "op #" + i);
    }
  }
}
