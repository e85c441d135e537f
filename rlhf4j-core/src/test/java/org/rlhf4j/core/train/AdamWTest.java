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
import org.junit.jupiter.api.Test;
import org.rlhf4j.core.model.Scalars;

/** A non-finite gradient norm is divergence: the run stops, the weights are left as they were. */
class AdamWTest {

  /** Backward of sum(w * factor): the gradient is factor everywhere. */
  private static void pass(NDArray w, float factor) {
    try (NDManager m = w.getManager().newSubManager();
        GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      gc.backward(Scalars.mul(w, factor).sum());
    }
  }

  @Test
  void aFiniteGradientIsApplied() {
    try (NDManager manager = NDManager.newBaseManager()) {
      NDArray w = manager.create(new float[] {1f, 2f});
      w.setRequiresGradient(true);
      try (AdamW opt = new AdamW(Map.of("w", w), OptimizerConfig.constant(0.1, 0), manager)) {
        pass(w, 1f);
        AdamW.StepInfo info = opt.step(10, "test step 1", () -> "nothing kept");
        assertEquals(Math.sqrt(2), info.gradNorm(), 1e-6);
        assertEquals(1, opt.stepCount());
        // Adam's first step moves every weight by lr against the gradient's sign.
        assertArrayEquals(new float[] {0.9f, 1.9f}, w.toFloatArray(), 1e-5f);
      }
    }
  }

  @Test
  void aNonFiniteGradientIsDivergenceNamingTheStepAndLeavesTheWeights() {
    for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY}) {
      try (NDManager manager = NDManager.newBaseManager()) {
        NDArray w = manager.create(new float[] {1f, 2f});
        w.setRequiresGradient(true);
        try (AdamW opt = new AdamW(Map.of("w", w), OptimizerConfig.constant(0.1, 0), manager)) {
          pass(w, bad);
          TrainingDivergedException e = assertThrows(TrainingDivergedException.class,
              () -> opt.step(10, "test step 1", () -> "kept: ckpt"));
          assertTrue(e.getMessage().startsWith("gradient norm is "), e.getMessage());
          assertTrue(e.getMessage().endsWith(" at test step 1; kept: ckpt"), e.getMessage());
          assertEquals(0, opt.stepCount());
          assertArrayEquals(new float[] {1f, 2f}, w.toFloatArray(), 0f);
          // The bad gradient was cleared: a good pass afterwards steps normally.
          pass(w, 1f);
          assertEquals(Math.sqrt(2), opt.step(10).gradNorm(), 1e-6);
        }
      }
    }
  }
}
