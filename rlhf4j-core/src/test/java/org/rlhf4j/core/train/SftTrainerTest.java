package org.rlhf4j.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rlhf4j.core.generate.Generation;
import org.rlhf4j.core.generate.Generator;
import org.rlhf4j.core.generate.SamplingConfig;
import org.rlhf4j.core.model.GptConfig;
import org.rlhf4j.core.model.GptModel;

class SftTrainerTest {
  private static final GptConfig TINY = GptConfig.of(40, 32, 2, 2, 16, 0, 1).withDropout(0f);

  private static List<Examples.TokenPair> data() {
    List<Examples.TokenPair> d = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      int[] prompt = i % 2 == 0 ? new int[] {5 + i, 30, 31} : new int[] {5 + i, 31};
      d.add(new Examples.TokenPair(prompt, new int[] {20 + i % 4, 25, 0}));
    }
    return d;
  }

  @Test
  void lossCountsResponseTokensOnly() {
    try (GptModel model = GptModel.create(TINY, Device.cpu(), 2, false);
        NDManager m = model.manager().newSubManager()) {
      List<Examples.TokenPair> d = data().subList(0, 2);
      double loss = SftTrainer.responseLossSum(model, d, 1, m).getFloat();
      // Independent computation: one unpadded sequence at a time, log-softmax in Java.
      double expected = 0;
      for (Examples.TokenPair p : d) {
        int n = p.prompt().length + p.response().length;
        long[] ids = new long[n];
        for (int j = 0; j < n; j++) {
          ids[j] = j < p.prompt().length ? p.prompt()[j] : p.response()[j - p.prompt().length];
        }
        float[] logits = model.logits(model.forward(m.create(new long[][] {ids}), null, null)).toFloatArray();
        for (int t = p.prompt().length; t < n; t++) {
          int v = TINY.vocabSize();
          double max = Double.NEGATIVE_INFINITY;
          for (int k = 0; k < v; k++) {
            max = Math.max(max, logits[(t - 1) * v + k]);
          }
          double z = 0;
          for (int k = 0; k < v; k++) {
            z += Math.exp(logits[(t - 1) * v + k] - max);
          }
          expected -= logits[(int) ((t - 1) * v + ids[t])] - max - Math.log(z);
        }
      }
      assertEquals(expected, loss, 1e-4);
    }
  }

  @Test
  void gradientAccumulationInvariance(@TempDir Path dir) throws Exception {
    float[][] a = trainOneStep(dir.resolve("a"), 8);
    float[][] b = trainOneStep(dir.resolve("b"), 1);
    for (int i = 0; i < a.length; i++) {
      assertArrayEquals(a[i], b[i], 1e-5f, "parameter " + i);
    }
  }

  private float[][] trainOneStep(Path out, int micro) throws Exception {
    SftConfig cfg = new SftConfig(1, 8, micro, OptimizerConfig.constant(1e-2, 0), 0f, 0, 0, 0, 1, 3);
    try (GptModel model = GptModel.create(TINY, Device.cpu(), 4, false)) {
      new SftTrainer(cfg, null).run(model, data(), null, null, out, null, null);
      List<float[]> ps = new ArrayList<>();
      for (NDArray p : model.parameters().values()) {
        ps.add(p.toFloatArray());
      }
      return ps.toArray(new float[0][]);
    }
  }

  @Test
  void learnsTheDemonstrationsKeepsTheBestAndDoesNotLeak(@TempDir Path dir) throws Exception {
    List<Examples.TokenPair> d = data();
    SftConfig cfg = new SftConfig(60, 8, 8, OptimizerConfig.cosine(3e-2, 3), 0.05f, 0, 20, 0, 5, 3);
    try (GptModel model = GptModel.create(TINY, Device.cpu(), 5, false)) {
      long before = model.manager().getManagedArrays().size();
      List<Double> losses = new ArrayList<>();
      Map<Long, Integer> live = new java.util.HashMap<>();
      SftTrainer.Result r = new SftTrainer(cfg, (s, t, m) -> {
        losses.add(m.get(SftTrainer.LOSS));
        live.put(s, model.manager().getManagedArrays().size());
      }).run(model, d, null, SftTrainer.validationLoss(d, 4), dir, null, null);
      // Live native arrays (model, optimizer moments, everything under the model's manager) stay
      // flat from step 10 to step 60, and nothing is left once the run returns.
      assertEquals(live.get(10L), live.get(60L), "live arrays during training: " + live);
      assertEquals(before, model.manager().getManagedArrays().size(), "live arrays after the run");
      assertTrue(losses.get(losses.size() - 1) < 0.2 * losses.get(0), "loss falls: " + losses);
      assertTrue(r.bestStep() > 0);
      List<int[]> prompts = new ArrayList<>();
      for (Examples.TokenPair p : d) {
        prompts.add(p.prompt());
      }
      Generation g = Generator.generate(model, prompts, SamplingConfig.greedy(4));
      int correct = 0;
      for (int i = 0; i < d.size(); i++) {
        correct += java.util.Arrays.equals(d.get(i).response(), g.responses()[i]) ? 1 : 0;
      }
      assertTrue(correct >= 6, "greedy decoding reproduces most demonstrations: " + correct);
      assertTrue(java.nio.file.Files.exists(dir.resolve("best").resolve("model.safetensors")));
      assertTrue(java.nio.file.Files.exists(dir.resolve("final").resolve("model.safetensors")));
    }
  }
}
