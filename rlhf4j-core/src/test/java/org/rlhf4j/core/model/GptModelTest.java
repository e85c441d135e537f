package org.rlhf4j.core.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;
import org.rlhf4j.core.train.AdamW;
import org.rlhf4j.core.train.OptimizerConfig;

class GptModelTest {
  private static final GptConfig TINY = GptConfig.of(50, 16, 2, 2, 16, 0, 1).withDropout(0f);

  @Test
  void memorisesASequence() {
    try (GptModel model = GptModel.create(TINY, Device.cpu(), 1, false);
        AdamW opt = new AdamW(model.parameters(), OptimizerConfig.constant(1e-2, 0), model.manager())) {
      model.setRequiresGradient(true);
      long[] seq = {2, 7, 9, 11, 3, 5, 8, 13, 21, 34, 4, 6};
      float first = 0;
      float last = 0;
      for (int step = 0; step < 60; step++) {
        try (NDManager m = model.manager().newSubManager();
            GradientCollector gc = Engine.getInstance().newGradientCollector()) {
          NDArray ids = m.create(seq, new Shape(1, seq.length));
          NDArray loss = LmMath.nextTokenLoss(model.logits(model.forward(ids, null, null)), ids, ids.onesLike());
          gc.backward(loss);
          float l = loss.getFloat();
          if (step == 0) {
            first = l;
          }
          last = l;
        }
        opt.step(60);
      }
      assertTrue(first > 3.5f, "initial loss near log(50): " + first);
      assertTrue(last < 0.1f, "memorised: " + last);
    }
  }

  @Test
  void cachedDecodingMatchesFullForward() {
    try (GptModel model = GptModel.create(TINY, Device.cpu(), 3, false);
        NDManager m = model.manager().newSubManager()) {
      // Left-padded batch: row 1 has two pad positions.
      long[][] ids = {{5, 6, 7, 8, 9, 10}, {1, 1, 7, 8, 9, 10}};
      long[][] mask = {{1, 1, 1, 1, 1, 1}, {0, 0, 1, 1, 1, 1}};
      NDArray full = model.logits(model.forward(m.create(ids), m.create(mask), null));
      try (KvCache cache = new KvCache(m, TINY.layers())) {
        NDArray prefixIds = m.create(new long[][] {{5, 6, 7, 8}, {1, 1, 7, 8}});
        NDArray prefixMask = m.create(new long[][] {{1, 1, 1, 1}, {0, 0, 1, 1}});
        NDArray a = model.logits(model.forward(prefixIds, prefixMask, cache));
        assertArrayEquals(full.get(":, :4, :").toFloatArray(), a.toFloatArray(), 1e-4f);
        for (int t = 4; t < 6; t++) {
          NDArray step = m.create(new long[][] {{ids[0][t]}, {ids[1][t]}});
          NDArray stepMask = m.create(mask).get(":, :" + (t + 1));
          NDArray b = model.logits(model.forward(step, stepMask, cache));
          assertArrayEquals(full.get(":, " + t + ":" + (t + 1) + ", :").toFloatArray(), b.toFloatArray(), 1e-4f);
        }
      }
      // The padded row's real tokens see the same context as an unpadded copy of them.
      NDArray unpadded = model.logits(model.forward(m.create(new long[][] {{7, 8, 9, 10}}), null, null));
      assertArrayEquals(unpadded.toFloatArray(), full.get("1:, 2:, :").toFloatArray(), 1e-4f);
    }
  }

  @Test
  void parameterCountMatchesConfig() {
    try (GptModel model = GptModel.create(TINY, Device.cpu(), 1, false)) {
      assertEquals(TINY.parameterCount(), model.parameterCount());
    }
  }

  @Test
  void copyIsIndependentOfItsSource() {
    try (GptModel model = GptModel.create(TINY, Device.cpu(), 1, false);
        GptModel copy = model.copy()) {
      model.setRequiresGradient(true);
      copy.setRequiresGradient(false);
      NDArray w = model.parameters().get("ln_f.bias");
      assertTrue(w.hasGradient(), "the source keeps requires_grad");
      copy.parameters().get("ln_f.bias").addi(1f);
      assertEquals(0f, w.toFloatArray()[0], 0f, "the source's weights are untouched");
    }
  }
}
