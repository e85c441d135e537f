package org.rlhf4j.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rlhf4j.core.checkpoint.ModelCheckpoints;
import org.rlhf4j.core.model.GptConfig;
import org.rlhf4j.core.model.GptModel;

class PretrainerTest {
  private static final GptConfig TINY = GptConfig.of(30, 16, 1, 2, 16, 0, 1).withDropout(0.1f);

  private static int[] corpus(int n, long seed) {
    // A learnable stream: repeating arithmetic sequences mod 28, offset by 2 (0 = EOS, 1 = pad).
    SplittableRandom r = new SplittableRandom(seed);
    int[] t = new int[n];
    int step = 1;
    for (int i = 0; i < n; i++) {
      if (i % 20 == 0) {
        step = 1 + r.nextInt(3);
        t[i] = 0;
      } else {
        t[i] = 2 + (i * step) % 28;
      }
    }
    return t;
  }

  private static PretrainConfig config(long steps) {
    return new PretrainConfig(8, 4, 2, steps, OptimizerConfig.cosine(3e-3, 2), 4, 4, 4, 1, 5);
  }

  @Test
  void resumeAfterCrashGivesTheSameLossCurve(@TempDir Path dir) throws Exception {
    TokenWindows train = new TokenWindows(corpus(2000, 1), 8, 5);
    TokenWindows valid = new TokenWindows(corpus(400, 2), 8, 5);
    Path a = dir.resolve("a");
    try (GptModel model = GptModel.create(TINY, Device.cpu(), 9, false)) {
      new Pretrainer(config(10), null).run(model, train, valid, a, null, null);
    }
    Path b = dir.resolve("b");
    try (GptModel model = GptModel.create(TINY, Device.cpu(), 9, false)) {
      StepListener crash = (step, total, m) -> {
        if (step == 6) {
          throw new IllegalStateException("simulated crash");
        }
      };
      assertThrows(IllegalStateException.class, () -> new Pretrainer(config(10), crash).run(model, train, valid, b, null, null));
    }
    try (GptModel model = GptModel.create(TINY, Device.cpu(), 123, false)) { // other init: must be overwritten
      new Pretrainer(config(10), null).run(model, train, valid, b, null, null);
    }
    List<Map<String, Double>> ra = new MetricsLog(a.resolve("metrics.jsonl")).read();
    List<Map<String, Double>> rb = new MetricsLog(b.resolve("metrics.jsonl")).read();
    assertEquals(10, ra.size());
    assertEquals(10, rb.size());
    for (int i = 0; i < 10; i++) {
      assertEquals(ra.get(i).get(Metrics.STEP), rb.get(i).get(Metrics.STEP));
      assertEquals(ra.get(i).get(Metrics.TRAIN_LOSS), rb.get(i).get(Metrics.TRAIN_LOSS), 1e-5, "step " + (i + 1));
    }
    assertEquals(ra.get(9).get(Metrics.VAL_LOSS), rb.get(9).get(Metrics.VAL_LOSS), 1e-5);
    assertTrue(ra.get(9).get(Metrics.TRAIN_LOSS) < ra.get(0).get(Metrics.TRAIN_LOSS), "loss decreases");
    assertTrue(ModelCheckpoints.exists(b.resolve("final")));
    assertTrue(Files.exists(b.resolve("run_config.json")));
  }

  @Test
  void nanLossStopsWithMessageAndKeepsCheckpoint(@TempDir Path dir) throws Exception {
    TokenWindows train = new TokenWindows(corpus(2000, 1), 8, 5);
    TokenWindows valid = new TokenWindows(corpus(400, 2), 8, 5);
    try (GptModel model = GptModel.create(TINY, Device.cpu(), 9, false)) {
      StepListener poison = (step, total, m) -> {
        if (step == 5) {
          model.parameters().get("ln_f.weight").set(new float[] {Float.NaN, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
        }
      };
      TrainingDivergedException e = assertThrows(TrainingDivergedException.class,
          () -> new Pretrainer(config(10), poison).run(model, train, valid, dir, null, null));
      assertTrue(e.getMessage().contains("step 6"), e.getMessage());
      assertTrue(e.getMessage().contains("intact"), e.getMessage());
    }
    assertTrue(ModelCheckpoints.exists(dir.resolve("checkpoint")));
  }
}
