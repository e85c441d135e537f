package org.rlhf4j.cli;

import ai.djl.Device;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.rlhf4j.core.checkpoint.Checkpoint;
import org.rlhf4j.core.checkpoint.ModelCheckpoints;
import org.rlhf4j.core.model.CausalLm;
import org.rlhf4j.core.dpo.DpoConfig;
import org.rlhf4j.core.dpo.DpoTrainer;
import org.rlhf4j.core.reward.TokenizedRankings;
import org.rlhf4j.core.tokenizer.Tokenizer;
import org.rlhf4j.core.train.Metrics;
import org.rlhf4j.core.train.OptimizerConfig;
import org.rlhf4j.data.Ranking;
import org.rlhf4j.core.checkpoint.RunDirectory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code rlhf4j dpo}: direct preference optimisation (or IPO) of the SFT policy on rankings, with
 * the SFT checkpoint loaded a second time as the frozen reference. No reward model, no sampling.
 */
@Command(name = "dpo", mixinStandardHelpOptions = true,
    description = "DPO / IPO on rankings (K-way or TRL prompt/chosen/rejected) from an SFT policy; resumable.")
final class DpoCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin DeviceOption device = new DeviceOption();

  @Option(names = "--policy", required = true, description = "SFT model (GPT-2 checkpoint, Llama-family directory or SFT LoRA adapter, merged into out/sft-merged first): the initial policy and the frozen reference")
  Path policy;

  @Option(names = "--tokenizer", description = "tokenizer.json (default: the checkpoint's)")
  Path tokenizer;

  @Option(names = "--data", required = true, description = "training rankings JSONL")
  Path data;

  @Option(names = "--valid", description = "held-out rankings JSONL: implicit-reward accuracy and margin after training")
  Path valid;

  @Option(names = "--out", required = true, description = "run directory (checkpoint/, final/, metrics.jsonl, run_config.json)")
  Path out;

  @Option(names = "--beta", defaultValue = "0.1", description = "KL strength (DPO paper: 0.1; IPO's tau; default ${DEFAULT-VALUE})")
  double beta;

  @Option(names = "--loss", defaultValue = "sigmoid", description = "sigmoid (DPO) or ipo (default ${DEFAULT-VALUE})")
  String loss;

  @Option(names = "--average-logprobs", description = "mean instead of sum of response log-probs (TRL's choice for IPO)")
  boolean averageLogprobs;

  @Option(names = "--epochs", defaultValue = "1", description = "passes over the rankings (default ${DEFAULT-VALUE})")
  int epochs;

  @Option(names = "--batch", defaultValue = "64", description = "rankings (prompts) per optimizer step (default ${DEFAULT-VALUE})")
  int batch;

  @Option(names = "--micro-batch", defaultValue = "8", description = "rankings per forward pass (default ${DEFAULT-VALUE})")
  int microBatch;

  @Option(names = "--lr", defaultValue = "1e-6", description = "learning rate, constant after warm-up (DPO paper: 1e-6; default ${DEFAULT-VALUE})")
  double lr;

  @Option(names = "--warmup", defaultValue = "150", description = "warm-up steps (DPO paper: 150; default ${DEFAULT-VALUE})")
  int warmup;

  @Option(names = "--checkpoint-every", defaultValue = "100", description = "steps between resumable checkpoints (default ${DEFAULT-VALUE})")
  int checkpointEvery;

  @Option(names = "--seed", defaultValue = "0", description = "order of the rankings (default ${DEFAULT-VALUE})")
  long seed;

  @Option(names = "--resume", description = "continue the run in --out from its last checkpoint")
  boolean resume;

  @Mixin LoraOptions loraOptions = new LoraOptions();

  @Option(names = "--pad-token", description = "pad token name for tokenizers without one distinct from EOS")
  String padToken;

  @Override
  public Integer call() throws Exception {
    DpoConfig.Loss l = switch (loss.toLowerCase(Locale.ROOT)) {
      case "sigmoid", "dpo" -> DpoConfig.Loss.SIGMOID;
      case "ipo" -> DpoConfig.Loss.IPO;
      default -> throw new IllegalArgumentException("--loss must be sigmoid or ipo, got " + loss);
    };
    DpoConfig cfg = new DpoConfig(beta, l, averageLogprobs, batch, microBatch, epochs, OptimizerConfig.constant(lr, warmup),
        checkpointEvery, 1, seed);
    List<Ranking> train = DataLoading.trainableRankings(data);
    List<Ranking> held = valid == null ? null : DataLoading.trainableRankings(valid);
    RunDirectory run = DataLoading.openRun(spec, out, resume, Checkpoint.hasResumeState(out.resolve("checkpoint")));
    Device dev = device.get();
    try (Tokenizer tok = DataLoading.tokenizer(policy, tokenizer, padToken);
        ModelCheckpoints.Trainable pol = ModelCheckpoints.loadForTraining(policy, dev, loraOptions.config(), tok.padId(),
            seed, false, out.resolve(RewardCommand.MERGED_SFT_DIR));
        // With LoRA the reference is the frozen base under the new adapter: the SFT weights, shared.
        CausalLm refCopy = pol.frozenBase() == null ? pol.model().copy() : null) {
      CausalLm reference = refCopy != null ? refCopy : pol.frozenBase();
      TokenizedRankings.checkTokenizer(tok, pol.model());
      long total = cfg.epochs() * cfg.stepsPerEpoch(train.size());
      System.err.printf("%s (beta %s) on %,d rankings, %d steps%n", l == DpoConfig.Loss.IPO ? "IPO" : "DPO", beta,
          train.size(), total);
      DpoTrainer.Result r;
      DpoTrainer trainer;
      try (Progress bar = new Progress("dpo", total, 0, Metrics.TRAIN_LOSS, DpoTrainer.ACCURACY, DpoTrainer.MARGIN)) {
        trainer = new DpoTrainer(cfg, bar);
        r = trainer.run(pol.model(), reference, tok, train, data.toString(), out, pol.config(), tok.source());
      }
      System.out.printf("done: %d steps, final loss %.4f, implicit-reward accuracy %.1f%%, %.0f s%n",
          r.steps(), r.finalLoss(), 100 * r.finalAccuracy(), r.seconds());
      System.out.println("policy: " + out.resolve("final"));
      run.finish();
      if (held != null) {
        DpoTrainer.PairMetrics e = trainer.evaluate(pol.model(), reference, tok, held);
        System.out.printf("held-out implicit-reward accuracy %.1f%% over %d pairs, mean margin %.4f%n",
            100 * e.accuracy(), e.pairs(), e.meanMargin());
      }
    }
    return 0;
  }
}
