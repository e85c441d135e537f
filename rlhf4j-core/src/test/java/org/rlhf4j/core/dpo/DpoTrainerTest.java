package org.rlhf4j.core.dpo;

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
import org.rlhf4j.core.model.GptModel;
import org.rlhf4j.core.reward.LeakProbe;
import org.rlhf4j.core.reward.PrefFixtures;
import org.rlhf4j.core.tokenizer.Tokenizer;
import org.rlhf4j.core.train.Metrics;
import org.rlhf4j.core.train.MetricsLog;
import org.rlhf4j.core.train.OptimizerConfig;
import org.rlhf4j.core.train.StepListener;
import org.rlhf4j.core.train.TrainingDivergedException;
import org.rlhf4j.data.Ranking;

class DpoTrainerTest {
  private static Tokenizer tok;

  @BeforeAll
  static void load() throws Exception {
    tok = PrefFixtures.tokenizer();
  }

  @AfterAll
  static void close() {
    tok.close();
  }

  /**
   * An independent model with the same weights: created again from the same seed (the
   * initialisation is deterministic), so it shares no storage with {@code policy}.
   */
  private static GptModel twin(GptModel policy, long seed) {
    GptModel t = GptModel.create(policy.config(), Device.cpu(), seed, false);
    assertEquals(0.0, PrefFixtures.maxDiff(PrefFixtures.snapshot(policy), PrefFixtures.snapshot(t)));
    return t;
  }

  @Test
  void aReferenceSharingThePolicysWeightsIsNeverTrainedThrough(@TempDir Path dir) throws Exception {
    // Whatever a copy does, the run must either reject a reference that aliases the policy or
    // leave the reference untouched.
    try (GptModel policy = GptModel.create(PrefFixtures.TINY, Device.cpu(), 1, false);
        GptModel reference = GptModel.fromTensors(policy.config(), policy.parameters(), Device.cpu())) {
      Map<String, float[]> before = PrefFixtures.snapshot(reference);
      Map<String, float[]> policyBefore = PrefFixtures.snapshot(policy);
      DpoTrainer t = new DpoTrainer(config(DpoConfig.Loss.SIGMOID, 0.5, 4, 4, 2, 1e-2), null);
      try {
        t.run(policy, reference, tok, PrefFixtures.rankings(8, 3, 1), null, dir, null, null);
        assertEquals(0.0, PrefFixtures.maxDiff(before, PrefFixtures.snapshot(reference)), "reference moved");
      } catch (IllegalArgumentException e) {
        assertTrue(e.getMessage().contains("shares its weights"), e.getMessage());
        assertEquals(0.0, PrefFixtures.maxDiff(policyBefore, PrefFixtures.snapshot(policy)), "probe restored");
      }
    }
  }

  private static DpoConfig config(DpoConfig.Loss loss, double beta, int batch, int micro, int epochs, double lr) {
    return new DpoConfig(beta, loss, false, batch, micro, epochs, OptimizerConfig.constant(lr, 0), 0, 1, 5);
  }

  @Test
  void startsAtLogTwoLearnsThePreferenceAndLeavesTheReferenceAlone(@TempDir Path dir) throws Exception {
    List<Ranking> data = PrefFixtures.rankings(16, 4, 1);
    int sumK = 0;
    for (Ranking r : data) {
      sumK += r.k();
    }
    DpoTrainer t = new DpoTrainer(config(DpoConfig.Loss.SIGMOID, 0.5, 8, 4, 3, 1e-2), null);
    try (GptModel policy = GptModel.create(PrefFixtures.TINY, Device.cpu(), 1, false);
        GptModel reference = twin(policy, 1)) {
      Map<String, float[]> refBefore = PrefFixtures.snapshot(reference);
      DpoTrainer.PairMetrics before = t.evaluate(policy, reference, tok, data);
      assertEquals(0.5, before.accuracy(), 1e-12, "identical models: every implicit reward is 0");
      t.run(policy, reference, tok, data, null, dir, null, null);
      assertEquals(0.0, PrefFixtures.maxDiff(refBefore, PrefFixtures.snapshot(reference)), "reference frozen");
      DpoTrainer.PairMetrics after = t.evaluate(policy, reference, tok, data);
      assertTrue(after.accuracy() > 0.8, "implicit reward accuracy " + after.accuracy());
      assertTrue(after.meanMargin() > 0);
    }
    // One policy and one reference forward per response per epoch (plus the two evaluations).
    assertEquals(3L * sumK + 2L * sumK, t.policyRows);
    assertEquals(3L * sumK + 2L * sumK, t.referenceRows);
    List<Map<String, Double>> rows = new MetricsLog(dir.resolve("metrics.jsonl")).read();
    assertEquals(6, rows.size());
    assertEquals(Math.log(2), rows.get(0).get(Metrics.TRAIN_LOSS), 1e-6, "policy = reference at step 0");
    assertEquals(0.0, rows.get(0).get(DpoTrainer.MARGIN), 1e-9);
    Map<String, Double> last = rows.get(rows.size() - 1);
    assertTrue(last.get(Metrics.TRAIN_LOSS) < 0.6 * Math.log(2), "loss " + last.get(Metrics.TRAIN_LOSS));
    assertTrue(last.get(DpoTrainer.CHOSEN_REWARD) > last.get(DpoTrainer.REJECTED_REWARD));
    assertTrue(last.get(DpoTrainer.CHOSEN_LOGP) < 0 && last.get(DpoTrainer.REJECTED_LOGP) < 0);
  }

  @Test
  void ipoStartsAtItsTarget(@TempDir Path dir) throws Exception {
    try (GptModel policy = GptModel.create(PrefFixtures.TINY, Device.cpu(), 1, false);
        GptModel reference = twin(policy, 1)) {
      new DpoTrainer(config(DpoConfig.Loss.IPO, 0.25, 4, 4, 1, 1e-3), null)
          .run(policy, reference, tok, PrefFixtures.rankings(4, 3, 2), null, dir, null, null);
    }
    // h = 0 at the start: (0 - 1/(2 * 0.25))^2 = 4.
    assertEquals(4.0, new MetricsLog(dir.resolve("metrics.jsonl")).read().get(0).get(Metrics.TRAIN_LOSS), 1e-5);
  }

  @Test
  void resumeAfterCrashEqualsUninterruptedRun(@TempDir Path dir) throws Exception {
    List<Ranking> data = PrefFixtures.rankings(10, 3, 3);
    DpoConfig cfg = new DpoConfig(0.1, DpoConfig.Loss.SIGMOID, false, 2, 1, 1, OptimizerConfig.cosine(5e-3, 1), 2, 1, 5);
    Map<String, float[]> straight;
    try (GptModel policy = GptModel.create(PrefFixtures.TINY, Device.cpu(), 1, false);
        GptModel reference = twin(policy, 1)) {
      new DpoTrainer(cfg, null).run(policy, reference, tok, data, null, dir.resolve("a"), null, null);
      straight = PrefFixtures.snapshot(policy);
    }
    StepListener crash = (step, total, m) -> {
      if (step == 3) {
        throw new IllegalStateException("simulated crash");
      }
    };
    try (GptModel policy = GptModel.create(PrefFixtures.TINY, Device.cpu(), 1, false);
        GptModel reference = twin(policy, 1)) {
      assertThrows(IllegalStateException.class,
          () -> new DpoTrainer(cfg, crash).run(policy, reference, tok, data, null, dir.resolve("b"), null, null));
    }
    try (GptModel reference = GptModel.create(PrefFixtures.TINY, Device.cpu(), 1, false);
        GptModel policy = GptModel.create(PrefFixtures.TINY, Device.cpu(), 99, false)) { // overwritten on resume
      new DpoTrainer(cfg, null).run(policy, reference, tok, data, null, dir.resolve("b"), null, null);
      assertTrue(PrefFixtures.maxDiff(straight, PrefFixtures.snapshot(policy)) < 1e-6);
    }
    List<Map<String, Double>> a = new MetricsLog(dir.resolve("a/metrics.jsonl")).read();
    List<Map<String, Double>> b = new MetricsLog(dir.resolve("b/metrics.jsonl")).read();
    assertEquals(5, b.size());
    for (int i = 0; i < 5; i++) {
      assertEquals(a.get(i).get(Metrics.TRAIN_LOSS), b.get(i).get(Metrics.TRAIN_LOSS), 1e-6, "step " + (i + 1));
    }
  }

  @Test
  void liveArraysStayFlat(@TempDir Path dir) throws Exception {
    List<Integer> policyLive = new ArrayList<>();
    List<Integer> referenceLive = new ArrayList<>();
    try (GptModel policy = GptModel.create(PrefFixtures.TINY, Device.cpu(), 1, false);
        GptModel reference = twin(policy, 1)) {
      StepListener count = (step, total, m) -> {
        policyLive.add(PrefFixtures.liveArrays(policy));
        referenceLive.add(PrefFixtures.liveArrays(reference));
      };
      new DpoTrainer(config(DpoConfig.Loss.SIGMOID, 0.1, 2, 1, 1, 1e-3), count)
          .run(policy, reference, tok, PrefFixtures.rankings(16, 4, 4), null, dir, null, null);
    }
    assertEquals(8, policyLive.size());
    int n = policyLive.size();
    // AdamW's own per-step growth is measured alone (see LeakProbe); the trainer adds nothing.
    assertEquals(LeakProbe.adamWGrowthPerStep(PrefFixtures.TINY, false) * (n - 2),
        policyLive.get(n - 1) - policyLive.get(1), "policy tree per step: " + policyLive);
    assertEquals(referenceLive.get(0), referenceLive.get(n - 1), "reference tree: " + referenceLive);
  }

  @Test
  void nanAndBadInputAreReported(@TempDir Path dir) throws Exception {
    try (GptModel policy = GptModel.create(PrefFixtures.TINY, Device.cpu(), 1, false);
        GptModel reference = twin(policy, 1)) {
      DpoTrainer t = new DpoTrainer(config(DpoConfig.Loss.SIGMOID, 0.1, 2, 2, 1, 1e-3), null);
      IllegalArgumentException same = assertThrows(IllegalArgumentException.class,
          () -> t.run(policy, policy, tok, PrefFixtures.rankings(2, 3, 1), null, dir, null, null));
      assertTrue(same.getMessage().contains("separate"), same.getMessage());
      assertThrows(IllegalArgumentException.class,
          () -> t.run(policy, reference, tok, List.of(), "prefs.jsonl", dir, null, null));

      StepListener poison = (step, total, m) -> {
        float[] nan = new float[16];
        java.util.Arrays.fill(nan, Float.NaN);
        policy.parameters().get("ln_f.bias").set(nan);
      };
      TrainingDivergedException e = assertThrows(TrainingDivergedException.class,
          () -> new DpoTrainer(config(DpoConfig.Loss.SIGMOID, 0.1, 2, 2, 1, 1e-3), poison)
              .run(policy, reference, tok, PrefFixtures.rankings(6, 3, 1), null, dir.resolve("nan"), null, null));
      assertTrue(e.getMessage().contains("policy log-prob is NaN at step 2"), e.getMessage());
    }
  }
}
