package org.rlhf4j.cli;

import ai.djl.Device;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.rlhf4j.core.bestofn.BestOfNConfig;
import org.rlhf4j.core.bestofn.ExpertIteration;
import org.rlhf4j.core.bestofn.ExpertIterationConfig;
import org.rlhf4j.core.checkpoint.Checkpoint;
import org.rlhf4j.core.checkpoint.ModelCheckpoints;
import org.rlhf4j.core.generate.SamplingConfig;
import org.rlhf4j.core.reward.RewardModel;
import org.rlhf4j.core.tokenizer.Tokenizer;
import org.rlhf4j.core.train.OptimizerConfig;
import org.rlhf4j.core.checkpoint.RunDirectory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code rlhf4j expert-iteration}: rejection-sampling fine-tuning. Each round samples n responses
 * per prompt, keeps the reward model's best and fine-tunes the policy on them (Llama 2, section
 * 3.2.3).
 */
@Command(name = "expert-iteration", mixinStandardHelpOptions = true,
    description = "Expert iteration / rejection-sampling fine-tuning: best-of-n then SFT, for R rounds; resumable.")
final class ExpertIterationCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin DeviceOption device = new DeviceOption();

  @Option(names = "--policy", required = true, description = "initial policy checkpoint (normally SFT)")
  Path policy;

  @Option(names = "--reward-model", required = true, description = "reward-model checkpoint that picks the best samples")
  Path rewardModel;

  @Option(names = "--tokenizer", description = "the policy's tokenizer.json (default: the checkpoint's)")
  Path tokenizer;

  @Option(names = "--prompts", required = true, description = "prompts JSONL (Prompt records, or demonstrations/rankings)")
  Path prompts;

  @Option(names = "--out", required = true, description = "run directory (checkpoint/ after every round, final/, metrics.jsonl)")
  Path out;

  @Option(names = "--rounds", defaultValue = "3", description = "sample-then-fine-tune rounds (default ${DEFAULT-VALUE})")
  int rounds;

  @Option(names = {"-n", "--n"}, defaultValue = "8", description = "samples per prompt per round (default ${DEFAULT-VALUE})")
  int n;

  @Option(names = "--max-new-tokens", defaultValue = "48", description = "(default ${DEFAULT-VALUE})")
  int maxNewTokens;

  @Option(names = "--temperature", defaultValue = "1.0", description = "sampling temperature (default ${DEFAULT-VALUE})")
  float temperature;

  @Option(names = "--eos-penalty", description = "score of a response without EOS instead of the reward (the EOS trick; default: off)")
  Double eosPenalty;

  @Option(names = "--generation-batch", defaultValue = "64", description = "rows per generation call (default ${DEFAULT-VALUE})")
  int generationBatch;

  @Option(names = "--sft-epochs", defaultValue = "1", description = "passes over each round's kept responses (default ${DEFAULT-VALUE})")
  int sftEpochs;

  @Option(names = "--batch", defaultValue = "16", description = "(prompt, best response) pairs per optimizer step (default ${DEFAULT-VALUE})")
  int batch;

  @Option(names = "--lr", defaultValue = "1e-4", description = "learning rate, constant after warm-up (default ${DEFAULT-VALUE})")
  double lr;

  @Option(names = "--warmup", defaultValue = "0", description = "warm-up steps (default ${DEFAULT-VALUE})")
  int warmup;

  @Option(names = "--seed", defaultValue = "1", description = "sampling, data order and dropout seed (default ${DEFAULT-VALUE})")
  long seed;

  @Option(names = "--resume", description = "continue the run in --out after its last finished round")
  boolean resume;

  @Override
  public Integer call() throws Exception {
    BestOfNConfig sampling = new BestOfNConfig(n, new SamplingConfig(maxNewTokens, temperature, 0, 1f, seed), generationBatch,
        eosPenalty != null, eosPenalty != null ? eosPenalty : 0);
    ExpertIterationConfig cfg = new ExpertIterationConfig(rounds, sampling, sftEpochs, batch,
        OptimizerConfig.constant(lr, warmup), seed);
    List<String> texts = DataLoading.texts(DataLoading.prompts(prompts));
    RunDirectory run = DataLoading.openRun(spec, out, resume, Checkpoint.hasResumeState(out.resolve("checkpoint")));
    Device dev = device.get();
    try (Tokenizer tok = DataLoading.tokenizer(policy, tokenizer);
        ModelCheckpoints.LoadedModel pol = ModelCheckpoints.load(policy, dev);
        RewardModel rm = RewardModel.load(rewardModel, dev)) {
      System.err.printf("expert iteration: %d rounds of best-of-%d on %,d prompts%n", rounds, n, texts.size());
      List<ExpertIteration.RoundMetrics> history;
      try (Progress bar = new Progress("expert-iteration", rounds, 0, ExpertIteration.SAMPLE_SCORE,
          ExpertIteration.KEPT_SCORE, ExpertIteration.SFT_LOSS)) {
        history = new ExpertIteration(cfg, bar).run(pol.model(), tok, texts, rm, out, pol.config(), tok.source());
      }
      for (ExpertIteration.RoundMetrics m : history) {
        System.out.printf("round %d: sample score %.4f, kept score %.4f, SFT loss %.4f, EOS rate %.2f%n",
            m.round(), m.sampleScore(), m.keptScore(), m.sftLoss(), m.eosRate());
      }
      System.out.println("policy: " + out.resolve("final"));
      run.finish();
    }
    return 0;
  }
}
