package org.rlhf4j.core.gc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rlhf4j.core.bestofn.BestOfNConfig;
import org.rlhf4j.core.bestofn.ExpertIteration;
import org.rlhf4j.core.bestofn.ExpertIterationConfig;
import org.rlhf4j.core.dpo.DpoConfig;
import org.rlhf4j.core.dpo.DpoTrainer;
import org.rlhf4j.core.generate.SamplingConfig;
import org.rlhf4j.core.model.GcPressure;
import org.rlhf4j.core.model.GptModel;
import org.rlhf4j.core.ppo.PpoConfig;
import org.rlhf4j.core.ppo.PpoTrainer;
import org.rlhf4j.core.reward.PrefFixtures;
import org.rlhf4j.core.reward.RewardConfig;
import org.rlhf4j.core.reward.RewardFunction;
import org.rlhf4j.core.reward.RewardTrainer;
import org.rlhf4j.core.tokenizer.Tokenizer;
import org.rlhf4j.core.train.Examples;
import org.rlhf4j.core.train.OptimizerConfig;
import org.rlhf4j.core.train.PretrainConfig;
import org.rlhf4j.core.train.Pretrainer;
import org.rlhf4j.core.train.SftConfig;
import org.rlhf4j.core.train.SftTrainer;
import org.rlhf4j.core.train.TokenWindows;

/**
 * Every trainer gives bit-identical weights with and without garbage collections forced between
 * its forward and backward passes.
 *
 * <p>DJL 0.36 frees the buffer behind a Java-number operand ({@code x.mul(3f)}) at the next
 * collection while autograd still holds it (docs/known-issues.md). Before {@code Scalars} the
 * collections of {@link GcPressure} changed the weights of every trainer here (measured by routing
 * {@code Scalars} back to {@code NDArray.mul(Number)}); {@code ScalarsTest} checks that the same
 * pressure still catches the bug in DJL itself, so this test keeps its power. The surefire
 * execution that runs it uses a 4 MB young generation, as the command-line reproducer does.
 */
class ForcedGcTrainingTest {
  private static Tokenizer tok;

  @BeforeAll
  static void load() throws Exception {
    tok = PrefFixtures.tokenizer();
  }

  @AfterAll
  static void close() {
    tok.close();
  }

  /** A training run from fixed inputs that returns the weights it ends with. */
  private interface Run {
    Map<String, float[]> train(Path out) throws Exception;
  }

  /** Trains quietly, then under forced collections, and asserts the weights agree to the bit. */
  private static void assertGcDoesNotChangeTraining(String name, Run run, Path dir) throws Exception {
    Map<String, float[]> quiet = run.train(dir.resolve("quiet"));
    Map<String, float[]> loud;
    try (GcPressure gc = new GcPressure()) {
      loud = run.train(dir.resolve("loud"));
    }
    assertEquals(quiet.keySet(), loud.keySet());
    List<String> differ = new ArrayList<>();
    for (String k : quiet.keySet()) {
      if (!Arrays.equals(quiet.get(k), loud.get(k))) {
        differ.add(k);
      }
    }
    assertTrue(differ.isEmpty(), name + ": forced collections changed " + differ.size() + " of " + quiet.size()
        + " tensors, e.g. " + differ.stream().limit(3).toList());
  }

  private static int[] stream(int n, int vocab) {
    SplittableRandom r = new SplittableRandom(1);
    int[] t = new int[n];
    for (int i = 0; i < n; i++) {
      t[i] = r.nextInt(vocab - 2);
    }
    return t;
  }

  @Test
  void pretraining(@TempDir Path dir) throws Exception {
    PretrainConfig cfg = new PretrainConfig(8, 4, 2, 2, OptimizerConfig.constant(3e-3, 0), 0, 4, 4, 1, 5);
    TokenWindows train = new TokenWindows(stream(2000, 510), 8, 5);
    TokenWindows valid = new TokenWindows(stream(400, 510), 8, 6);
    assertGcDoesNotChangeTraining("pretraining", out -> {
      try (GptModel model = GptModel.create(PrefFixtures.TINY, Device.cpu(), 9, false)) {
        new Pretrainer(cfg, null).run(model, train, valid, out, null, null);
        return PrefFixtures.snapshot(model);
      }
    }, dir);
  }

  @Test
  void sft(@TempDir Path dir) throws Exception {
    List<Examples.TokenPair> data = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      data.add(new Examples.TokenPair(new int[] {5 + i, 30, 31}, new int[] {20 + i % 4, 25, 510}));
    }
    SftConfig cfg = new SftConfig(1, 4, 2, OptimizerConfig.constant(1e-2, 0), 0f, 0, 0, 0, 1, 3);
    assertGcDoesNotChangeTraining("SFT", out -> {
      try (GptModel model = GptModel.create(PrefFixtures.TINY, Device.cpu(), 4, false)) {
        new SftTrainer(cfg, null).run(model, data, null, null, out, null, null);
        return PrefFixtures.snapshot(model);
      }
    }, dir);
  }

  @Test
  void rewardModel(@TempDir Path dir) throws Exception {
    RewardConfig cfg = new RewardConfig(4, 2, 1, OptimizerConfig.constant(1e-2, 0), RewardConfig.Normalization.NONE,
        16, 0, 1, 3);
    assertGcDoesNotChangeTraining("reward model", out -> {
      try (GptModel model = GptModel.create(PrefFixtures.TINY, Device.cpu(), 2, true)) {
        new RewardTrainer(cfg, null).run(model, tok, PrefFixtures.rankings(8, 3, 1), null, null, out, null, null);
        return PrefFixtures.snapshot(model);
      }
    }, dir);
  }

  @Test
  void dpo(@TempDir Path dir) throws Exception {
    DpoConfig cfg = new DpoConfig(0.5, DpoConfig.Loss.SIGMOID, false, 4, 2, 1, OptimizerConfig.constant(1e-2, 0), 0, 1, 5);
    assertGcDoesNotChangeTraining("DPO", out -> {
      try (GptModel policy = GptModel.create(PrefFixtures.TINY, Device.cpu(), 1, false);
          GptModel reference = policy.copy()) {
        new DpoTrainer(cfg, null).run(policy, reference, tok, PrefFixtures.rankings(8, 3, 1), null, out, null, null);
        return PrefFixtures.snapshot(policy);
      }
    }, dir);
  }

  private static final RewardFunction LETTER_E = PrefFixtures.LETTER_E_SHARE;

  private static final List<String> PROMPTS = List.of(
      "Instruction: write.\nResponse:", "Instruction: say it.\nResponse:", "Instruction: a model\nResponse:",
      "Instruction: the text\nResponse:");

  private static void ppo(Path dir, boolean ptx) throws Exception {
    PpoConfig base = PpoConfig.instructGpt(1, 4, 2, 4)
        .withOptimizers(OptimizerConfig.constant(2e-2, 0), OptimizerConfig.constant(1e-2, 0))
        .withEma(new PpoConfig.Ema(false, 0.992))
        .withRollout(new PpoConfig.Rollout(4, 4, 4, 1f, null));
    PpoConfig cfg = ptx ? base.withPtx(new PpoConfig.Ptx(1.0, 1.0, 8)) : base;
    TokenWindows pretrain = ptx ? new TokenWindows(stream(2000, 510), 8, 5) : null;
    assertGcDoesNotChangeTraining(ptx ? "PPO-ptx" : "PPO", out -> {
      try (GptModel policy = GptModel.create(PrefFixtures.TINY, Device.cpu(), 1, false);
          GptModel ref = policy.copy();
          GptModel value = GptModel.create(PrefFixtures.TINY, Device.cpu(), 2, true)) {
        new PpoTrainer(cfg, null, null).run(new PpoTrainer.Models(policy, ref, value, tok, LETTER_E), PROMPTS,
            pretrain, out, null, null, null);
        Map<String, float[]> w = new java.util.TreeMap<>(PrefFixtures.snapshot(policy));
        PrefFixtures.snapshot(value).forEach((k, v) -> w.put("value." + k, v));
        return w;
      }
    }, dir);
  }

  @Test
  void ppo(@TempDir Path dir) throws Exception {
    ppo(dir, false);
  }

  @Test
  void ppoPtx(@TempDir Path dir) throws Exception {
    ppo(dir, true);
  }

  @Test
  void expertIteration(@TempDir Path dir) throws Exception {
    ExpertIterationConfig cfg = new ExpertIterationConfig(
        1, new BestOfNConfig(2, SamplingConfig.sample(4, 7), 64, false, 0), 1, 4, OptimizerConfig.constant(2e-2, 0), 1);
    assertGcDoesNotChangeTraining("expert iteration", out -> {
      try (GptModel policy = GptModel.create(PrefFixtures.TINY, Device.cpu(), 1, false)) {
        new ExpertIteration(cfg, null).run(policy, tok, PROMPTS, LETTER_E, out, null, null);
        return PrefFixtures.snapshot(policy);
      }
    }, dir);
  }
}
