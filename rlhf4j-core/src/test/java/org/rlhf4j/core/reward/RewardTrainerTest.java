package org.rlhf4j.core.reward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rlhf4j.core.model.GptConfig;
import org.rlhf4j.core.model.GptModel;
import org.rlhf4j.core.tokenizer.Tokenizer;
import org.rlhf4j.core.train.Metrics;
import org.rlhf4j.core.train.MetricsLog;
import org.rlhf4j.core.train.OptimizerConfig;
import org.rlhf4j.core.train.StepListener;
import org.rlhf4j.core.train.TrainingDivergedException;
import org.rlhf4j.data.Ranking;

class RewardTrainerTest {
  private static Tokenizer tok;

  @BeforeAll
  static void load() throws Exception {
    tok = PrefFixtures.tokenizer();
  }

  @AfterAll
  static void close() {
    tok.close();
  }

  private static RewardConfig config(int batch, int micro, int epochs, double lr, RewardConfig.Normalization norm) {
    return new RewardConfig(batch, micro, epochs, OptimizerConfig.cosine(lr, 0), norm, 16, 0, 1, 3);
  }

  private static int choose2(int k) {
    return k * (k - 1) / 2;
  }

  @Test
  void forwardsKRowsPerPromptNotTwoPerPair(@TempDir Path dir) throws Exception {
    List<Ranking> data = PrefFixtures.rankings(8, 9, 11);
    int sumK = 0;
    int sumPairs = 0;
    for (Ranking r : data) {
      sumK += r.k();
      sumPairs += choose2(r.k());
    }
    assertTrue(sumK < 2 * sumPairs, "the data must tell the two schemes apart");
    RewardTrainer t = new RewardTrainer(config(4, 2, 1, 1e-3, RewardConfig.Normalization.NONE), null);
    try (GptModel model = GptModel.create(PrefFixtures.TINY, Device.cpu(), 1, false)) {
      t.run(model, tok, data, null, null, dir, null, null);
    }
    assertEquals(sumK, t.rowsForwarded, "one forward row per response");
    assertEquals(4, t.forwardCalls, "2 steps x 2 micro-batches");
  }

  @Test
  void learnsThePreferenceAndEvaluatesByCategory(@TempDir Path dir) throws Exception {
    List<Ranking> train = PrefFixtures.rankings(32, 5, 1);
    List<Ranking> heldOut = PrefFixtures.rankings(24, 5, 2);
    RewardTrainer t = new RewardTrainer(config(8, 8, 3, 1e-2, RewardConfig.Normalization.NONE), null);
    try (GptModel model = GptModel.create(PrefFixtures.TINY, Device.cpu(), 1, true)) {
      RewardTrainer.Evaluation before = t.evaluate(model, tok, heldOut);
      t.run(model, tok, train, null, null, dir, null, null);
      RewardTrainer.Evaluation after = t.evaluate(model, tok, heldOut);
      assertTrue(after.accuracy() > 0.8 && after.accuracy() > before.accuracy() + 0.15,
          "held-out accuracy " + before.accuracy() + " -> " + after.accuracy());
      assertTrue(after.meanMargin() > 0);
      assertEquals(List.of("even", "odd"), List.copyOf(after.byCategory().keySet()));
      long pairs = 0;
      double weighted = 0;
      for (RewardTrainer.CategoryAccuracy c : after.byCategory().values()) {
        pairs += c.pairs();
        weighted += c.accuracy() * c.pairs();
      }
      assertEquals(after.pairs(), pairs);
      assertEquals(after.accuracy(), weighted / pairs, 1e-12);
    }
    List<Map<String, Double>> rows = new MetricsLog(dir.resolve("metrics.jsonl")).read();
    assertEquals(12, rows.size());
    double firstLoss = rows.get(0).get(Metrics.TRAIN_LOSS);
    double lastLoss = rows.get(rows.size() - 1).get(Metrics.TRAIN_LOSS);
    assertTrue(lastLoss < firstLoss * 0.7, firstLoss + " -> " + lastLoss);
    assertTrue(rows.get(0).containsKey(RewardTrainer.ACCURACY) && rows.get(0).containsKey(RewardTrainer.MARGIN));
  }

  @Test
  void normalisesDemonstrationsToMeanZeroThroughRewardModelLoad(@TempDir Path dir) throws Exception {
    List<String> prompts = new ArrayList<>();
    List<String> demos = new ArrayList<>();
    for (Ranking r : PrefFixtures.rankings(10, 3, 5)) {
      prompts.add(r.prompt());
      demos.add(r.responses().get(r.ranking().get(0).get(0)));
    }
    RewardTrainer.NormalizationSet set = new RewardTrainer.NormalizationSet(prompts, demos);
    RewardTrainer t = new RewardTrainer(config(4, 4, 1, 1e-2, RewardConfig.Normalization.DEMONSTRATIONS), null);
    RewardTrainer.Result res;
    try (GptModel model = GptModel.create(PrefFixtures.TINY, Device.cpu(), 1, false)) {
      res = t.run(model, tok, PrefFixtures.rankings(8, 4, 3), null, set, dir, null, PrefFixtures.tokenizerPath());
    }
    assertEquals(1.0, res.gain());
    assertTrue(res.bias() != 0);
    try (RewardModel rm = RewardModel.load(dir.resolve("final"), Device.cpu())) {
      double[] s = rm.score(prompts, demos);
      assertEquals(0, mean(s), 1e-5);
    }
  }

  @Test
  void normalisesReferenceSamplesToMeanZeroStdOne(@TempDir Path dir) throws Exception {
    List<String> prompts = new ArrayList<>();
    List<String> samples = new ArrayList<>();
    for (Ranking r : PrefFixtures.rankings(6, 4, 7)) {
      for (String resp : r.responses()) {
        prompts.add(r.prompt());
        samples.add(resp);
      }
    }
    RewardTrainer t = new RewardTrainer(config(4, 2, 1, 1e-2, RewardConfig.Normalization.REFERENCE_SAMPLES), null);
    try (GptModel model = GptModel.create(PrefFixtures.TINY, Device.cpu(), 1, false)) {
      t.run(model, tok, PrefFixtures.rankings(8, 4, 3), "train.jsonl",
          new RewardTrainer.NormalizationSet(prompts, samples), dir, null, PrefFixtures.tokenizerPath());
    }
    try (RewardModel rm = RewardModel.load(dir.resolve("final"), Device.cpu())) {
      double[] s = rm.score(prompts, samples);
      double mean = mean(s);
      double var = 0;
      for (double x : s) {
        var += (x - mean) * (x - mean);
      }
      assertEquals(0, mean, 1e-4);
      assertEquals(1, Math.sqrt(var / s.length), 1e-4);
      assertTrue(rm.gain() != 1.0);
    }
  }

  @Test
  void normalizationMath() {
    RewardTrainer.Normalization d = RewardTrainer.normalization(new double[] {1, 2, 6}, RewardConfig.Normalization.DEMONSTRATIONS);
    assertEquals(1, d.gain());
    assertEquals(-3, d.bias(), 1e-12);
    // mean 3, population std 2: gain 1/2, bias -3/2.
    RewardTrainer.Normalization z = RewardTrainer.normalization(new double[] {1, 5, 1, 5}, RewardConfig.Normalization.REFERENCE_SAMPLES);
    assertEquals(0.5, z.gain(), 1e-12);
    assertEquals(-1.5, z.bias(), 1e-12);
    assertThrows(IllegalArgumentException.class,
        () -> RewardTrainer.normalization(new double[] {2, 2}, RewardConfig.Normalization.REFERENCE_SAMPLES));
  }

  @Test
  void rejectsBadInputBeforeTraining(@TempDir Path dir) throws Exception {
    RewardTrainer t = new RewardTrainer(config(4, 2, 1, 1e-3, RewardConfig.Normalization.NONE), null);
    try (GptModel model = GptModel.create(PrefFixtures.TINY, Device.cpu(), 1, false)) {
      IllegalArgumentException empty = assertThrows(IllegalArgumentException.class,
          () -> t.run(model, tok, List.of(), "rm.jsonl", null, dir, null, null));
      assertTrue(empty.getMessage().contains("no rankings") && empty.getMessage().contains("rm.jsonl"), empty.getMessage());

      List<Ranking> data = new ArrayList<>(PrefFixtures.rankings(3, 3, 1));
      String longText = " good".repeat(80);
      data.add(1, new Ranking("too-long", "Instruction: x\nResponse:", List.of(" a", longText),
          List.of(List.of(1), List.of(0)), null, null));
      IllegalArgumentException tooLong = assertThrows(IllegalArgumentException.class,
          () -> t.run(model, tok, data, "rm.jsonl", null, dir, null, null));
      String msg = tooLong.getMessage();
      assertTrue(msg.contains("ranking #2") && msg.contains("too-long") && msg.contains("response 1")
          && msg.contains("context of 64") && msg.contains("rm.jsonl"), msg);

      IllegalArgumentException noSet = assertThrows(IllegalArgumentException.class,
          () -> new RewardTrainer(config(4, 2, 1, 1e-3, RewardConfig.Normalization.DEMONSTRATIONS), null)
              .run(model, tok, PrefFixtures.rankings(3, 3, 1), null, null, dir, null, null));
      assertTrue(noSet.getMessage().contains("demonstrations"), noSet.getMessage());
    }
    GptConfig small = new GptConfig(300, 64, 1, 2, 16, 0f, 0f, 0f, 1e-5f, -1, 0, 1, GptConfig.Activation.GELU);
    try (GptModel model = GptModel.create(small, Device.cpu(), 1, false)) {
      IllegalArgumentException vocab = assertThrows(IllegalArgumentException.class,
          () -> t.run(model, tok, PrefFixtures.rankings(3, 3, 1), null, null, dir, null, null));
      assertTrue(vocab.getMessage().contains("512 tokens") && vocab.getMessage().contains("300"), vocab.getMessage());
    }
    GptConfig otherEos = new GptConfig(512, 64, 1, 2, 16, 0f, 0f, 0f, 1e-5f, -1, 0, 1, GptConfig.Activation.GELU);
    try (GptModel model = GptModel.create(otherEos, Device.cpu(), 1, false)) {
      IllegalArgumentException eos = assertThrows(IllegalArgumentException.class,
          () -> t.run(model, tok, PrefFixtures.rankings(3, 3, 1), null, null, dir, null, null));
      assertTrue(eos.getMessage().contains("EOS"), eos.getMessage());
    }
    // Nothing was trained or written: the checks run before any work.
    assertTrue(!java.nio.file.Files.exists(dir.resolve("checkpoint")));
  }

  @Test
  void gradientAccumulationEqualsOneLargeBatch(@TempDir Path dir) throws Exception {
    List<Ranking> data = PrefFixtures.rankings(8, 5, 9);
    Map<String, float[]> big;
    Map<String, float[]> accumulated;
    Map<String, float[]> init;
    // One optimizer step over 8 prompts: as one micro-batch, then as 8 micro-batches of 1. With
    // epsilon = 1 and lr = 1, Adam's first update is g / (|g| + 1), about the gradient itself, so
    // the comparison measures the gradients (with the default epsilon it would be sign(g), which
    // float noise flips on near-zero components). No clipping or decay, so nothing else differs.
    OptimizerConfig opt = new OptimizerConfig(1.0, 0.9, 0.95, 1.0, 0.0, 0.0, 0, OptimizerConfig.Schedule.CONSTANT, 1.0);
    try (GptModel model = GptModel.create(PrefFixtures.TINY, Device.cpu(), 4, true)) {
      init = PrefFixtures.snapshot(model);
      new RewardTrainer(new RewardConfig(8, 8, 1, opt, RewardConfig.Normalization.NONE, 16, 0, 1, 3), null)
          .run(model, tok, data, null, null, dir.resolve("a"), null, null);
      big = PrefFixtures.snapshot(model);
    }
    try (GptModel model = GptModel.create(PrefFixtures.TINY, Device.cpu(), 4, true)) {
      new RewardTrainer(new RewardConfig(8, 1, 1, opt, RewardConfig.Normalization.NONE, 16, 0, 1, 3), null)
          .run(model, tok, data, null, null, dir.resolve("b"), null, null);
      accumulated = PrefFixtures.snapshot(model);
    }
    double moved = PrefFixtures.maxDiff(init, big);
    double diff = PrefFixtures.maxDiff(big, accumulated);
    assertTrue(moved > 1e-2, "the step changed the parameters: " + moved);
    assertTrue(diff < 1e-5, "batch 8 x 1 vs batch 1 x 8 accumulated differ by " + diff);
    Map<String, Double> a = new MetricsLog(dir.resolve("a/metrics.jsonl")).read().get(0);
    Map<String, Double> b = new MetricsLog(dir.resolve("b/metrics.jsonl")).read().get(0);
    assertEquals(a.get(Metrics.TRAIN_LOSS), b.get(Metrics.TRAIN_LOSS), 1e-5);
    assertEquals(a.get(Metrics.GRAD_NORM), b.get(Metrics.GRAD_NORM), 1e-5 * a.get(Metrics.GRAD_NORM));
  }

  @Test
  void resumeAfterCrashEqualsUninterruptedRun(@TempDir Path dir) throws Exception {
    List<Ranking> data = PrefFixtures.rankings(12, 4, 21);
    RewardConfig cfg = new RewardConfig(2, 1, 1, OptimizerConfig.cosine(5e-3, 1),
        RewardConfig.Normalization.NONE, 16, 2, 1, 3);
    Map<String, float[]> straight;
    try (GptModel model = GptModel.create(PrefFixtures.TINY, Device.cpu(), 2, false)) {
      new RewardTrainer(cfg, null).run(model, tok, data, null, null, dir.resolve("a"), null, null);
      straight = PrefFixtures.snapshot(model);
    }
    StepListener crash = (step, total, m) -> {
      if (step == 3) {
        throw new IllegalStateException("simulated crash");
      }
    };
    try (GptModel model = GptModel.create(PrefFixtures.TINY, Device.cpu(), 2, false)) {
      assertThrows(IllegalStateException.class,
          () -> new RewardTrainer(cfg, crash).run(model, tok, data, null, null, dir.resolve("b"), null, null));
    }
    Map<String, float[]> resumed;
    try (GptModel model = GptModel.create(PrefFixtures.TINY, Device.cpu(), 77, false)) { // overwritten by resume
      new RewardTrainer(cfg, null).run(model, tok, data, null, null, dir.resolve("b"), null, null);
      resumed = PrefFixtures.snapshot(model);
    }
    assertTrue(PrefFixtures.maxDiff(straight, resumed) < 1e-6);
    List<Map<String, Double>> a = new MetricsLog(dir.resolve("a/metrics.jsonl")).read();
    List<Map<String, Double>> b = new MetricsLog(dir.resolve("b/metrics.jsonl")).read();
    assertEquals(6, a.size());
    assertEquals(6, b.size());
    for (int i = 0; i < 6; i++) {
      assertEquals(a.get(i).get(Metrics.TRAIN_LOSS), b.get(i).get(Metrics.TRAIN_LOSS), 1e-6, "step " + (i + 1));
    }
  }

  @Test
  void liveArraysStayFlat(@TempDir Path dir) throws Exception {
    List<Integer> live = new ArrayList<>();
    try (GptModel model = GptModel.create(PrefFixtures.TINY, Device.cpu(), 1, false)) {
      StepListener count = (step, total, m) -> live.add(PrefFixtures.liveArrays(model));
      new RewardTrainer(new RewardConfig(2, 1, 1, OptimizerConfig.cosine(1e-3, 0),
          RewardConfig.Normalization.NONE, 16, 0, 1, 3), count)
          .run(model, tok, PrefFixtures.rankings(16, 5, 4), null, null, dir, null, null);
      assertEquals(8, live.size());
    }
    // AdamW (org.rlhf4j.core.train, not this trainer) is measured alone on the same model: whatever
    // it keeps per step is its own; the trainer must add nothing to it.
    int optimizerGrowth = LeakProbe.adamWGrowthPerStep(PrefFixtures.TINY, true);
    int trainerGrowth = (live.get(live.size() - 1) - live.get(1)) / (live.size() - 2);
    assertEquals(optimizerGrowth, trainerGrowth, "live arrays per step: " + live);
    assertEquals(0, (live.get(live.size() - 1) - live.get(1)) % (live.size() - 2), "constant growth: " + live);
  }

  @Test
  void nanWeightsStopTrainingNamingTheQuantity(@TempDir Path dir) throws Exception {
    try (GptModel model = GptModel.create(PrefFixtures.TINY, Device.cpu(), 1, false)) {
      StepListener poison = (step, total, m) -> {
        if (step == 2) {
          float[] nan = new float[16];
          java.util.Arrays.fill(nan, Float.NaN);
          model.parameters().get("ln_f.weight").set(nan);
        }
      };
      TrainingDivergedException e = assertThrows(TrainingDivergedException.class,
          () -> new RewardTrainer(new RewardConfig(2, 2, 1, OptimizerConfig.cosine(1e-3, 0),
              RewardConfig.Normalization.NONE, 16, 1, 1, 3), poison)
              .run(model, tok, PrefFixtures.rankings(8, 3, 4), null, null, dir, null, null));
      assertTrue(e.getMessage().contains("reward score is NaN at step 3"), e.getMessage());
    }
  }

  private static double mean(double[] s) {
    double m = 0;
    for (double x : s) {
      m += x;
    }
    return m / s.length;
  }
}
