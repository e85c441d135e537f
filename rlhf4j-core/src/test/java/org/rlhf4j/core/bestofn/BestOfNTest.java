package org.rlhf4j.core.bestofn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
import org.rlhf4j.core.generate.SamplingConfig;
import org.rlhf4j.core.model.GptModel;
import org.rlhf4j.core.reward.LeakProbe;
import org.rlhf4j.core.reward.PrefFixtures;
import org.rlhf4j.core.reward.RewardFunction;
import org.rlhf4j.core.tokenizer.Tokenizer;
import org.rlhf4j.core.train.MetricsLog;
import org.rlhf4j.core.train.OptimizerConfig;
import org.rlhf4j.core.train.StepListener;

class BestOfNTest {
  private static Tokenizer tok;

  /** A rule reward: the number of letters 'e' in the response (the policy never sees the rule). */
  private static final RewardFunction LETTER_E = (prompts, responses) -> {
    double[] s = new double[responses.size()];
    for (int i = 0; i < s.length; i++) {
      s[i] = responses.get(i).chars().filter(c -> c == 'e').count();
    }
    return s;
  };

  private static final List<String> PROMPTS = List.of(
      "Instruction: write.\nResponse:", "Instruction: say it.\nResponse:", "Instruction: a model\nResponse:",
      "Instruction: the text\nResponse:", "Instruction: go\nResponse:", "Instruction: next\nResponse:");

  @BeforeAll
  static void load() throws Exception {
    tok = PrefFixtures.tokenizer();
  }

  @AfterAll
  static void close() {
    tok.close();
  }

  @Test
  void analyticKl() {
    assertEquals(0.0, BestOfN.analyticKl(1), 0);
    assertEquals(Math.log(2) - 0.5, BestOfN.analyticKl(2), 1e-15);
    assertEquals(Math.log(16) - 15.0 / 16, BestOfN.analyticKl(16), 1e-15);
    for (int n = 1; n < 64; n++) {
      assertTrue(BestOfN.analyticKl(n + 1) > BestOfN.analyticKl(n));
    }
    assertThrows(IllegalArgumentException.class, () -> BestOfN.analyticKl(0));
  }

  @Test
  void keepsTheHighestScoringOfNSamplesReproducibly() throws Exception {
    BestOfNConfig cfg = new BestOfNConfig(5, SamplingConfig.sample(6, 42), 7, false, 0);
    List<BestOfN.Candidates> a;
    List<BestOfN.Candidates> b;
    List<Integer> calls = new ArrayList<>();
    RewardFunction counted = (p, r) -> {
      calls.add(r.size());
      return LETTER_E.score(p, r);
    };
    try (GptModel policy = GptModel.create(PrefFixtures.TINY, Device.cpu(), 3, false)) {
      a = BestOfN.sample(policy, tok, PROMPTS, counted, cfg);
      b = BestOfN.sample(policy, tok, PROMPTS, LETTER_E, cfg);
    }
    assertEquals(List.of(30), calls, "one reward call for all n x prompts");
    assertEquals(PROMPTS.size(), a.size());
    int distinct = 0;
    for (int i = 0; i < a.size(); i++) {
      BestOfN.Candidates c = a.get(i);
      assertEquals(PROMPTS.get(i), c.prompt());
      assertEquals(5, c.responses().size());
      distinct += (int) c.responses().stream().distinct().count();
      for (int j = 0; j < 5; j++) {
        assertEquals(LETTER_E.score(List.of(""), List.of(c.responses().get(j)))[0], c.scores()[j]);
        assertTrue(c.scores()[j] <= c.bestScore());
        int[] t = c.responseTokens().get(j);
        assertEquals(c.endedWithEos()[j], t[t.length - 1] == PrefFixtures.TINY.eosTokenId());
      }
      assertEquals(c.responses().get(c.best()), c.bestResponse());
      assertEquals(b.get(i).responses(), c.responses(), "same seed, same samples");
    }
    assertTrue(distinct > PROMPTS.size() * 3, "copies of a prompt get different samples: " + distinct);
  }

  @Test
  void eosTrickScoresCutOffResponsesAsThePenalty() throws Exception {
    // Two new tokens at most: most responses of a random model are cut off.
    BestOfNConfig cfg = new BestOfNConfig(4, SamplingConfig.sample(2, 1), 64, true, -100);
    try (GptModel policy = GptModel.create(PrefFixtures.TINY, Device.cpu(), 3, false)) {
      int cut = 0;
      for (BestOfN.Candidates c : BestOfN.sample(policy, tok, PROMPTS, LETTER_E, cfg)) {
        for (int j = 0; j < 4; j++) {
          if (!c.endedWithEos()[j]) {
            assertEquals(-100, c.scores()[j]);
            cut++;
          } else {
            assertTrue(c.scores()[j] >= 0);
          }
        }
      }
      assertTrue(cut > 0);
    }
  }

  @Test
  void expertIterationRaisesTheRewardOfFreshSamplesWithoutLeaking(@TempDir Path dir) throws Exception {
    ExpertIterationConfig cfg = new ExpertIterationConfig(
        4, new BestOfNConfig(8, SamplingConfig.sample(8, 7), 64, false, 0), 3, 3, OptimizerConfig.constant(2e-2, 0), 1);
    List<Integer> live = new ArrayList<>();
    List<ExpertIteration.RoundMetrics> rounds;
    try (GptModel policy = GptModel.create(PrefFixtures.TINY, Device.cpu(), 3, false)) {
      StepListener count = (r, total, m) -> live.add(PrefFixtures.liveArrays(policy));
      rounds = new ExpertIteration(cfg, count).run(policy, tok, PROMPTS, LETTER_E, dir, null, null);
    }
    assertEquals(4, rounds.size());
    for (ExpertIteration.RoundMetrics r : rounds) {
      assertTrue(r.keptScore() >= r.sampleScore(), "best-of-n is at least the mean: " + r);
      assertTrue(Double.isFinite(r.sftLoss()));
    }
    // Measured: 1.17 -> 1.33 -> 2.48 -> 4.40 letters 'e' per sample over the four rounds.
    assertTrue(rounds.get(3).sampleScore() > rounds.get(0).sampleScore() + 1.0, "fresh samples improve: " + rounds);
    // 3 epochs x 2 steps of 3 pairs per round; AdamW's own growth per step is the control.
    int perRound = 6 * LeakProbe.adamWGrowthPerStep(PrefFixtures.TINY, false);
    assertEquals(perRound * 2, live.get(3) - live.get(1), "live arrays per round: " + live);
    List<Map<String, Double>> log = new MetricsLog(dir.resolve("metrics.jsonl")).read();
    assertEquals(4, log.size());
    assertEquals(BestOfN.analyticKl(8), log.get(0).get(ExpertIteration.BEST_OF_N_KL), 1e-12);
  }

  @Test
  void expertIterationResumesAtTheNextRound(@TempDir Path dir) throws Exception {
    ExpertIterationConfig cfg = new ExpertIterationConfig(
        2, new BestOfNConfig(4, SamplingConfig.sample(6, 7), 64, false, 0), 1, 3, OptimizerConfig.constant(1e-2, 0), 1);
    List<ExpertIteration.RoundMetrics> straight;
    float[] straightWte;
    try (GptModel policy = GptModel.create(PrefFixtures.TINY, Device.cpu(), 3, false)) {
      straight = new ExpertIteration(cfg, null).run(policy, tok, PROMPTS, LETTER_E, dir.resolve("a"), null, null);
      straightWte = policy.parameters().get("wte.weight").toFloatArray();
    }
    StepListener crash = (r, total, m) -> {
      if (r == 2) {
        throw new IllegalStateException("simulated crash");
      }
    };
    try (GptModel policy = GptModel.create(PrefFixtures.TINY, Device.cpu(), 3, false)) {
      assertThrows(IllegalStateException.class,
          () -> new ExpertIteration(cfg, crash).run(policy, tok, PROMPTS, LETTER_E, dir.resolve("b"), null, null));
    }
    try (GptModel policy = GptModel.create(PrefFixtures.TINY, Device.cpu(), 50, false)) {
      List<ExpertIteration.RoundMetrics> resumed =
          new ExpertIteration(cfg, null).run(policy, tok, PROMPTS, LETTER_E, dir.resolve("b"), null, null);
      assertEquals(straight, resumed);
      assertArrayEquals(straightWte, policy.parameters().get("wte.weight").toFloatArray(), 1e-6f);
    }
  }
}
