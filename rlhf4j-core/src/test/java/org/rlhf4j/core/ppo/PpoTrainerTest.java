package org.rlhf4j.core.ppo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rlhf4j.core.generate.PromptResponseBatch;
import org.rlhf4j.core.model.GptConfig;
import org.rlhf4j.core.model.GptModel;
import org.rlhf4j.core.model.ResponseScoring;
import org.rlhf4j.core.reward.PrefFixtures;
import org.rlhf4j.core.reward.RewardFunction;
import org.rlhf4j.core.reward.RewardModel;
import org.rlhf4j.core.tokenizer.Tokenizer;
import org.rlhf4j.core.train.OptimizerConfig;

class PpoTrainerTest {
  private static Tokenizer tokenizer;
  private static GptConfig cfg;

  @BeforeAll
  static void load() throws Exception {
    tokenizer = Tokenizer.load(Path.of(PpoTrainerTest.class.getResource("/tokenizer/tiny/tokenizer.json").toURI()));
    cfg = new GptConfig(tokenizer.vocabSize(), 64, 1, 2, 16, 0f, 0f, 0f, 1e-5f, -1, tokenizer.eosId(), tokenizer.padId(),
        GptConfig.Activation.GELU);
  }

  @AfterAll
  static void close() {
    tokenizer.close();
  }

  /** Rewards the letter 'e': the share of a response's characters that are 'e'. */
  private static final RewardFunction LETTER_E = PrefFixtures.LETTER_E_SHARE;

  private static List<String> prompts() {
    List<String> p = new ArrayList<>();
    for (String w : new String[] {"the cat", "a dog", "one tree", "big house", "red sun", "old man", "blue sea", "tall hill"}) {
      p.add("Instruction: Write about " + w + ".\nResponse:");
    }
    return p;
  }

  private static PpoConfig config(int iterations, int episodes, int miniBatch) {
    return PpoConfig.instructGpt(iterations, episodes, miniBatch, 8)
        .withOptimizers(OptimizerConfig.constant(2e-2, 0), OptimizerConfig.constant(1e-2, 0))
        .withEma(new PpoConfig.Ema(false, 0.992))
        // A random tiny model rarely emits EOS within 8 tokens: no EOS penalty in these tests.
        .withRollout(new PpoConfig.Rollout(episodes, episodes, 8, 1f, null));
  }

  @Test
  void firstIterationInvariants(@TempDir Path dir) throws Exception {
    try (GptModel policy = GptModel.create(cfg, Device.cpu(), 1, false);
        GptModel ref = policy.copy();
        GptModel value = GptModel.create(cfg, Device.cpu(), 2, true)) {
      List<Map<String, Double>> metrics = new ArrayList<>();
      // One mini-batch and one epoch: the update sees exactly the rollout policy.
      PpoConfig c = config(1, 8, 8);
      new PpoTrainer(c, (s, t, m) -> metrics.add(m), null)
          .run(new PpoTrainer.Models(policy, ref, value, tokenizer, LETTER_E), prompts(), null, dir, null, null, null);
      Map<String, Double> m = metrics.get(0);
      assertEquals(0.0, m.get(PpoTrainer.KL), 1e-6, "policy = reference: KL is 0");
      assertEquals(0.0, m.get(PpoTrainer.APPROX_KL), 1e-9, "importance ratio exactly 1");
      assertEquals(0.0, m.get(PpoTrainer.CLIP_FRAC), 1e-9);
      assertTrue(m.get(PpoTrainer.LOGPROB_MISMATCH) < 1e-4, "rollout and training log-probs agree");
      assertTrue(Files.exists(dir.resolve("final").resolve("model.safetensors")));
    }
  }

  @Test
  void valueModelInitialisedFromTheRewardModelStartsEqualToIt() {
    try (GptModel rm = GptModel.create(cfg, Device.cpu(), 3, true);
        GptModel value = rm.copy();
        NDManager m = value.manager().newSubManager()) {
      int[][] p = {tokenizer.encode("Instruction: hi\nResponse:"), tokenizer.encode("Instruction: a much longer prompt\nResponse:")};
      int[][] r = {{5, 6, tokenizer.eosId()}, {7, tokenizer.eosId()}};
      double[] raw = RewardModel.rawScores(rm, List.of(p), List.of(r), tokenizer.padId(), 8);
      PromptResponseBatch b = PromptResponseBatch.of(p, r, tokenizer.padId());
      // The value of the state after the last response token is read where the RM reads its score:
      // one position after the last response-predicting position, i.e. the value at the EOS itself.
      NDArray hidden = value.forward(m.create(b.ids()), m.create(b.mask()), null);
      float[] v = value.score(hidden, m.create(b.lastTokenIndex())).toFloatArray();
      assertArrayEquals(new float[] {(float) raw[0], (float) raw[1]}, v, 1e-5f);
    }
  }

  @Test
  void ppoRaisesTheRewardWithoutLeaking(@TempDir Path dir) throws Exception {
    try (GptModel policy = GptModel.create(cfg, Device.cpu(), 5, false);
        GptModel ref = policy.copy();
        GptModel value = GptModel.create(cfg, Device.cpu(), 6, true)) {
      List<Map<String, Double>> metrics = new ArrayList<>();
      List<Integer> live = new ArrayList<>();
      PpoConfig c = config(12, 32, 16).withKl(new PpoConfig.Kl(0.01, PpoMath.KlEstimator.K1, false, 6, 10000));
      new PpoTrainer(c, (s, t, m) -> {
        metrics.add(m);
        live.add(policy.manager().getManagedArrays().size() + value.manager().getManagedArrays().size());
      }, null).run(new PpoTrainer.Models(policy, ref, value, tokenizer, LETTER_E), prompts(), null, dir, null, null, null);
      double first = (metrics.get(0).get(PpoTrainer.RM_SCORE) + metrics.get(1).get(PpoTrainer.RM_SCORE)) / 2;
      double last = (metrics.get(10).get(PpoTrainer.RM_SCORE) + metrics.get(11).get(PpoTrainer.RM_SCORE)) / 2;
      assertTrue(last > first + 0.1, "reward rises: " + first + " -> " + last);
      assertTrue(metrics.get(11).get(PpoTrainer.KL) > 0, "the policy moved away from the reference");
      assertEquals(live.get(2), live.get(11), "live native arrays stay flat: " + live);
    }
  }

  @Test
  void noNativeArrayLeakOverFiftyIterations(@TempDir Path dir) throws Exception {
    try (GptModel policy = GptModel.create(cfg, Device.cpu(), 7, false);
        GptModel ref = policy.copy();
        GptModel value = GptModel.create(cfg, Device.cpu(), 8, true)) {
      List<Integer> live = new ArrayList<>();
      PpoConfig c = config(50, 4, 4).withRollout(new PpoConfig.Rollout(4, 4, 3, 1f, -1.0))
          .withEma(new PpoConfig.Ema(true, 0.9));
      new PpoTrainer(c, (s, t, m) -> live.add(policy.manager().getManagedArrays().size()
          + value.manager().getManagedArrays().size()), null)
          .run(new PpoTrainer.Models(policy, ref, value, tokenizer, LETTER_E), prompts(), null, dir, null, null, null);
      assertEquals(50, live.size());
      assertEquals(live.get(4), live.get(49), "live native arrays from iteration 5 to 50");
    }
  }
}
