package org.rlhf4j.core.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.rlhf4j.core.model.GptConfig;
import org.rlhf4j.core.model.GptModel;
import org.rlhf4j.core.model.LmMath;

class GeneratorTest {
  private static final GptConfig TINY = GptConfig.of(40, 32, 2, 2, 16, 0, 1).withDropout(0f);
  private static final List<int[]> PROMPTS =
      List.of(new int[] {5, 6, 7}, new int[] {9}, new int[] {3, 4, 5, 6, 7, 8});

  @Test
  void cachedLogprobsEqualFullForward() {
    try (GptModel model = GptModel.create(TINY, Device.cpu(), 7, false)) {
      Generation g = Generator.generate(model, PROMPTS, new SamplingConfig(10, 0.8f, 0, 1f, 42));
      PromptResponseBatch batch = PromptResponseBatch.of(g.prompts(), g.responses(), TINY.padTokenId());
      try (NDManager m = model.manager().newSubManager()) {
        NDArray ids = m.create(batch.ids());
        NDArray logits = model.logits(model.forward(ids, m.create(batch.mask()), null));
        int p = batch.promptWidth();
        int w = batch.width();
        NDArray lp = LmMath.tokenLogprobs(logits.get(":, " + (p - 1) + ":" + (w - 1) + ", :"), ids.get(":, " + p + ":"), 0.8f);
        float[][] full = new float[g.size()][];
        for (int i = 0; i < g.size(); i++) {
          float[] row = lp.get(i).toFloatArray();
          full[i] = java.util.Arrays.copyOf(row, g.responses()[i].length);
          assertArrayEquals(full[i], g.logprobs()[i], 1e-4f, "row " + i);
        }
      }
    }
  }

  @Test
  void sameSeedSameSamplesAndPaddingDoesNotLeak() {
    try (GptModel model = GptModel.create(TINY, Device.cpu(), 7, false)) {
      SamplingConfig cfg = SamplingConfig.sample(8, 123);
      Generation a = Generator.generate(model, PROMPTS, cfg);
      Generation b = Generator.generate(model, PROMPTS, cfg);
      assertArrayEquals(a.responses(), b.responses());
      Generation c = Generator.generate(model, PROMPTS, cfg.withSeed(124));
      boolean differs = false;
      for (int i = 0; i < a.size(); i++) {
        differs |= !java.util.Arrays.equals(a.responses()[i], c.responses()[i]);
      }
      assertTrue(differs, "another seed should give other samples");
      // Greedy decoding of a row is the same alone or inside a padded batch.
      Generation batch = Generator.generate(model, PROMPTS, SamplingConfig.greedy(6));
      Generation alone = Generator.generate(model, List.of(PROMPTS.get(1)), SamplingConfig.greedy(6));
      assertArrayEquals(alone.responses()[0], batch.responses()[1]);
    }
  }

  @Test
  void stopsAtEosAndTruncatesOverLongPrompts() {
    try (GptModel model = GptModel.create(TINY, Device.cpu(), 11, false)) {
      Generation g = Generator.generate(model, List.of(new int[40]), SamplingConfig.sample(20, 1));
      assertEquals(12, g.prompts()[0].length);
      for (int i = 0; i < g.size(); i++) {
        int[] r = g.responses()[i];
        for (int j = 0; j < r.length - 1; j++) {
          assertTrue(r[j] != TINY.eosTokenId(), "EOS only at the end");
        }
        assertEquals(g.endedWithEos()[i], r.length > 0 && r[r.length - 1] == TINY.eosTokenId());
      }
    }
  }
}
