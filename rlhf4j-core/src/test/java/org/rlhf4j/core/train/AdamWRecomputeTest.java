package org.rlhf4j.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The recompute-once rail around a non-finite gradient norm. */
class AdamWRecomputeTest {

  /** Backward of sum(w * factor): the gradient is factor everywhere. */
  private static double pass(NDArray w, float factor) {
    try (NDManager m = w.getManager().newSubManager();
        GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      NDArray loss = w.mul(factor).sum();
      gc.backward(loss);
      return factor;
    }
  }

  @Test
  void aTransientNonFiniteGradientIsRecomputedOnceThenApplied() {
    try (NDManager manager = NDManager.newBaseManager()) {
      NDArray w = manager.create(new float[] {1f, 2f});
      w.setRequiresGradient(true);
      try (AdamW opt = new AdamW(Map.of("w", w), OptimizerConfig.constant(0.1, 0), manager)) {
        AtomicInteger calls = new AtomicInteger();
        AdamW.Stepped<Double> st = opt.stepRecomputingOnce(10, "test step 1",
            () -> pass(w, calls.getAndIncrement() == 0 ? Float.NaN : 1f), () -> "nothing kept");
        assertEquals(2, calls.get(), "the passes ran twice");
        assertEquals(1.0, st.value());
        assertEquals(Math.sqrt(2), st.info().gradNorm(), 1e-6);
        assertEquals(1, opt.stepCount());
        // Adam's first step moves every weight by lr against the gradient's sign.
        assertArrayEquals(new float[] {0.9f, 1.9f}, w.toFloatArray(), 1e-5f);
      }
    }
  }

  @Test
  void aRepeatedNonFiniteGradientIsDivergenceAndLeavesTheWeights() {
    try (NDManager manager = NDManager.newBaseManager()) {
      NDArray w = manager.create(new float[] {1f, 2f});
      w.setRequiresGradient(true);
      try (AdamW opt = new AdamW(Map.of("w", w), OptimizerConfig.constant(0.1, 0), manager)) {
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class,
            () -> opt.stepRecomputingOnce(10, "test step 1", () -> pass(w, Float.POSITIVE_INFINITY), () -> "kept: ckpt"));
        assertTrue(e.getMessage().contains("test step 1 (twice); kept: ckpt"), e.getMessage());
        assertEquals(0, opt.stepCount());
        assertArrayEquals(new float[] {1f, 2f}, w.toFloatArray(), 0f);
      }
    }
  }
}
