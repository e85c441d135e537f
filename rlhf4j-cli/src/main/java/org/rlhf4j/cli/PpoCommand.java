package org.rlhf4j.cli;

import ai.djl.Device;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.rlhf4j.core.checkpoint.AtomicFiles;
import org.rlhf4j.core.checkpoint.ModelCheckpoints;
import org.rlhf4j.core.model.GptModel;
import org.rlhf4j.core.ppo.PpoConfig;
import org.rlhf4j.core.ppo.PpoMath;
import org.rlhf4j.core.ppo.PpoTrainer;
import org.rlhf4j.core.reward.RewardEnsemble;
import org.rlhf4j.core.reward.RewardFunction;
import org.rlhf4j.core.reward.RewardModel;
import org.rlhf4j.core.reward.TokenizedRankings;
import org.rlhf4j.core.tokenizer.Tokenizer;
import org.rlhf4j.core.train.OptimizerConfig;
import org.rlhf4j.core.train.TokenWindows;
import org.rlhf4j.world.World;
import org.rlhf4j.world.WorldConfig;
import org.rlhf4j.core.checkpoint.RunDirectory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code rlhf4j ppo}: PPO (or PPO-ptx with {@code --corpus}) from the SFT policy against a reward
 * model, InstructGPT step 3. Four models: the policy and a frozen reference (both loaded from
 * {@code --policy}), the value network (a copy of the reward model, as in the paper) and the
 * frozen reward model.
 */
@Command(name = "ppo", mixinStandardHelpOptions = true,
    description = "PPO / PPO-ptx from an SFT policy against a reward model; resumable.")
final class PpoCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin DeviceOption device = new DeviceOption();

  @Option(names = "--policy", required = true, description = "SFT checkpoint: the initial policy and the KL reference")
  Path policy;

  @Option(names = "--reward-model", required = true,
      description = "reward-model checkpoint (the first also initialises the value network); repeat it for an "
          + "ensemble (Coste et al. 2023), combined by --reward-aggregation")
  List<Path> rewardModels;

  @Option(names = "--reward-aggregation", defaultValue = "mean",
      description = "how an ensemble's scores combine: mean, min (worst case) or uwo (mean - lambda * variance; "
          + "default ${DEFAULT-VALUE})")
  String rewardAggregation;

  @Option(names = "--gold-reward",
      description = "diagnostic: score with the embedded world's gold judge instead of the reward model (Gao et al. "
          + "2022's gold RM; --reward-model then only initialises the value network). Prompts must be world tasks")
  boolean goldReward;

  @Option(names = "--uwo-lambda", defaultValue = "0.5", description = "variance penalty of --reward-aggregation uwo (default ${DEFAULT-VALUE})")
  double uwoLambda;

  @Option(names = "--tokenizer", description = "the policy's tokenizer.json (default: the policy checkpoint's)")
  Path tokenizer;

  @Option(names = "--prompts", required = true,
      description = "prompts JSONL (Prompt records, or demonstrations/rankings: their distinct prompts)")
  Path prompts;

  @Option(names = "--out", required = true,
      description = "run directory (checkpoint/, policy/, value/, final/ = EMA policy, metrics.jsonl, run_config.json)")
  Path out;

  @Option(names = "--iterations", defaultValue = "100", description = "PPO iterations, each a rollout and an update (default ${DEFAULT-VALUE})")
  int iterations;

  @Option(names = "--episodes", defaultValue = "64", description = "episodes per iteration (InstructGPT: 512; default ${DEFAULT-VALUE})")
  int episodes;

  @Option(names = "--mini-batch", defaultValue = "64", description = "episodes per gradient step (InstructGPT: 64; default ${DEFAULT-VALUE})")
  int miniBatch;

  @Option(names = "--ppo-epochs", defaultValue = "1", description = "passes over each rollout (InstructGPT: 1; default ${DEFAULT-VALUE})")
  int ppoEpochs;

  @Option(names = "--generation-batch", description = "sequences decoded together (default: min(episodes, 64))")
  Integer generationBatch;

  @Option(names = "--max-new-tokens", defaultValue = "48", description = "response length limit (default ${DEFAULT-VALUE})")
  int maxNewTokens;

  @Option(names = "--temperature", defaultValue = "1.0",
      description = "rollout temperature; training logits are divided by it too (default ${DEFAULT-VALUE})")
  float temperature;

  @Option(names = "--beta", defaultValue = "0.02", description = "KL coefficient (InstructGPT: 0.02; default ${DEFAULT-VALUE})")
  double beta;

  @Option(names = "--kl-estimator", defaultValue = "k1", description = "k1 or k3 (default ${DEFAULT-VALUE})")
  String klEstimator;

  @Option(names = "--adaptive-kl", description = "adapt beta towards --kl-target (Ziegler et al. 2019)")
  boolean adaptiveKl;

  @Option(names = "--kl-target", defaultValue = "6.0", description = "target KL in nats per episode (default ${DEFAULT-VALUE})")
  double klTarget;

  @Option(names = "--kl-horizon", defaultValue = "10000", description = "controller horizon in episodes (default ${DEFAULT-VALUE})")
  double klHorizon;

  @Option(names = "--corpus", description = "pretraining corpus directory (train.txt): turns on PPO-ptx")
  Path corpus;

  @Option(names = "--ptx-coef", defaultValue = "27.8",
      description = "PPO-ptx gamma, the pretraining loss coefficient (InstructGPT: 27.8; 0 = plain PPO; default ${DEFAULT-VALUE})")
  double ptxCoef;

  @Option(names = "--ptx-ratio", defaultValue = "8",
      description = "pretraining sequences per episode (InstructGPT: 8; default ${DEFAULT-VALUE})")
  double ptxRatio;

  @Option(names = "--no-ema", description = "save the last policy as final/ instead of the EMA of its weights")
  boolean noEma;

  @Option(names = "--ema-decay", defaultValue = "0.992", description = "EMA decay (InstructGPT: 0.992; default ${DEFAULT-VALUE})")
  double emaDecay;

  @Option(names = "--eos-penalty", defaultValue = "-1",
      description = "score of a response without EOS, replacing the reward (the EOS trick; default ${DEFAULT-VALUE})")
  double eosPenalty;

  @Option(names = "--no-eos-penalty", description = "score responses without EOS with the reward model too")
  boolean noEosPenalty;

  @Option(names = "--lr", defaultValue = "1e-5", description = "policy learning rate, constant after warm-up (default ${DEFAULT-VALUE})")
  double lr;

  @Option(names = "--value-lr", description = "value-network learning rate (default: --lr)")
  Double valueLr;

  @Option(names = "--warmup", defaultValue = "2", description = "warm-up optimizer steps (default ${DEFAULT-VALUE})")
  int warmup;

  @Option(names = "--checkpoint-every", defaultValue = "10", description = "iterations between resumable checkpoints (default ${DEFAULT-VALUE})")
  int checkpointEvery;

  @Option(names = "--seed", defaultValue = "1", description = "prompt order and sampling seed (default ${DEFAULT-VALUE})")
  long seed;

  @Option(names = "--resume", description = "continue the run in --out from its last checkpoint")
  boolean resume;

  /** The resolved configuration: the library's InstructGPT defaults overridden by the flags. */
  PpoConfig config(int contextLength) {
    PpoMath.KlEstimator est = switch (klEstimator.toLowerCase(Locale.ROOT)) {
      case "k1" -> PpoMath.KlEstimator.K1;
      case "k3" -> PpoMath.KlEstimator.K3;
      default -> throw new IllegalArgumentException("--kl-estimator must be k1 or k3, got " + klEstimator);
    };
    PpoConfig base = PpoConfig.instructGpt(iterations, episodes, miniBatch, maxNewTokens);
    PpoConfig.Objective o = base.objective();
    int genBatch = generationBatch != null ? generationBatch : Math.min(episodes, 64);
    return new PpoConfig(
        iterations,
        new PpoConfig.Rollout(episodes, genBatch, maxNewTokens, temperature, noEosPenalty ? null : eosPenalty),
        new PpoConfig.Kl(beta, est, adaptiveKl, klTarget, klHorizon),
        new PpoConfig.Objective(miniBatch, ppoEpochs, o.clip(), o.valueClip(), o.valueCoef(), o.entropyCoef(), o.gamma(),
            o.lambda(), o.whitenAdvantages(), o.whitenRewards()),
        OptimizerConfig.constant(lr, warmup),
        OptimizerConfig.constant(valueLr != null ? valueLr : lr, warmup),
        corpus == null ? PpoConfig.Ptx.off() : new PpoConfig.Ptx(ptxCoef, ptxRatio, contextLength),
        new PpoConfig.Ema(!noEma, emaDecay),
        checkpointEvery,
        seed);
  }

  /** The ensemble aggregation named by --reward-aggregation. */
  RewardEnsemble.Aggregation aggregation() {
    return switch (rewardAggregation.toLowerCase(Locale.ROOT)) {
      case "mean" -> RewardEnsemble.Aggregation.MEAN;
      case "min" -> RewardEnsemble.Aggregation.MIN;
      case "uwo" -> RewardEnsemble.Aggregation.UNCERTAINTY_WEIGHTED;
      default -> throw new IllegalArgumentException("--reward-aggregation must be mean, min or uwo, got " + rewardAggregation);
    };
  }

  @Override
  public Integer call() throws Exception {
    RewardEnsemble.Aggregation agg = aggregation();
    List<String> texts = DataLoading.texts(DataLoading.prompts(prompts));
    // PpoTrainer resumes from checkpoint/; a save killed between its renames left it aside.
    AtomicFiles.recoverDirectory(out.resolve(PpoTrainer.CHECKPOINT_DIR), out.resolve(PpoTrainer.CHECKPOINT_ASIDE));
    boolean hasRun = Files.isDirectory(out.resolve(PpoTrainer.CHECKPOINT_DIR));
    RunDirectory run = DataLoading.openRun(spec, out, resume, hasRun);
    Device dev = device.get();
    try (Tokenizer tok = DataLoading.tokenizer(policy, tokenizer);
        ModelCheckpoints.LoadedModel pol = ModelCheckpoints.load(policy, dev);
        ModelCheckpoints.LoadedModel ref = ModelCheckpoints.load(policy, dev);
        RewardModels rms = RewardModels.load(rewardModels, dev);
        GptModel value = rms.first().model().copy()) {
      TokenizedRankings.checkTokenizer(tok, pol.model().config());
      RewardFunction reward;
      String rewardNote;
      if (goldReward) {
        reward = new GoldReward(World.create(WorldConfig.defaults()));
        rewardNote = ", gold-judge reward (diagnostic)";
      } else if (rms.all().size() > 1) {
        reward = new RewardEnsemble(rms.all(), agg, uwoLambda);
        rewardNote = ", ensemble of " + rms.all().size() + " reward models (" + rewardAggregation + ")";
      } else {
        reward = rms.first();
        rewardNote = "";
      }
      int ctx = pol.model().config().contextLength();
      PpoConfig cfg = config(ctx);
      if (maxNewTokens >= ctx) {
        throw new IllegalArgumentException("--max-new-tokens " + maxNewTokens + " leaves no room for the prompt in a context of " + ctx);
      }
      TokenWindows windows = cfg.ptx().enabled()
          ? DataLoading.corpusWindows(corpus, tok, ctx, out.resolve("tokens"), seed) : null;
      System.err.printf("PPO%s: %,d prompts, %d iterations x %d episodes, beta %s%s%s%n",
          cfg.ptx().enabled() ? "-ptx (gamma " + ptxCoef + ")" : "", texts.size(), iterations, episodes, beta,
          adaptiveKl ? " (adaptive, target " + klTarget + ")" : "", rewardNote);
      PpoTrainer.Result r;
      try (Progress bar = new Progress("ppo", iterations, 0, PpoTrainer.RM_SCORE, PpoTrainer.KL, PpoTrainer.CLIP_FRAC,
          PpoTrainer.KL_COEF)) {
        r = new PpoTrainer(cfg, bar, null).run(new PpoTrainer.Models(pol.model(), ref.model(), value, tok, reward), texts,
            windows, out, pol.config(), null, tok.source()); // value/: plain config, no reward normalisation
      }
      System.out.printf("done: %d iterations, rm_score %.4f, kl %.4f, beta %.4f, %.0f s%n",
          r.iterations(), r.finalScore(), r.finalKl(), r.beta(), r.seconds());
      System.out.println("policy: " + r.finalModel() + (noEma ? "" : " (EMA of the weights; the last weights are in policy/)"));
      run.finish();
    }
    return 0;
  }

  /** Loaded reward models, closed together (the first one is also the value model's start). */
  record RewardModels(List<RewardModel> all) implements AutoCloseable {
    static RewardModels load(List<Path> dirs, Device dev) throws IOException {
      List<RewardModel> loaded = new ArrayList<>();
      try {
        for (Path d : dirs) {
          loaded.add(RewardModel.load(d, dev));
        }
      } catch (IOException | RuntimeException e) {
        loaded.forEach(RewardModel::close);
        throw e;
      }
      return new RewardModels(List.copyOf(loaded));
    }

    RewardModel first() {
      return all.get(0);
    }

    @Override
    public void close() {
      all.forEach(RewardModel::close);
    }
  }
}
