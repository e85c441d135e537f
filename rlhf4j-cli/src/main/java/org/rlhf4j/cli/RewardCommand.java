package org.rlhf4j.cli;

import ai.djl.Device;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.rlhf4j.core.checkpoint.AtomicFiles;
import org.rlhf4j.core.checkpoint.Checkpoint;
import org.rlhf4j.core.checkpoint.ModelCheckpoints;
import org.rlhf4j.core.generate.Generation;
import org.rlhf4j.core.generate.Generator;
import org.rlhf4j.core.generate.SamplingConfig;
import org.rlhf4j.core.model.CausalLm;
import org.rlhf4j.core.reward.RewardConfig;
import org.rlhf4j.core.reward.RewardTrainer;
import org.rlhf4j.core.reward.TokenizedRankings;
import org.rlhf4j.core.tokenizer.Tokenizer;
import org.rlhf4j.core.train.Metrics;
import org.rlhf4j.core.train.OptimizerConfig;
import org.rlhf4j.data.DatasetFormats;
import org.rlhf4j.data.Demonstration;
import org.rlhf4j.data.Ranking;
import org.rlhf4j.core.checkpoint.RunDirectory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code rlhf4j reward}: trains a reward model on K-way rankings (InstructGPT step 2), normalises
 * it, and reports held-out pairwise accuracy, margin and accuracy per category.
 */
@Command(name = "reward", mixinStandardHelpOptions = true,
    description = "Train a reward model (the SFT model plus a scalar head) on rankings; resumable.")
final class RewardCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  /** Held-out evaluation written next to the model, for scripts and the pipeline. */
  static final String EVAL_FILE = "eval.json";

  /** Where an SFT model given as a LoRA adapter is merged before the reward model starts from it. */
  static final String MERGED_SFT_DIR = "sft-merged";

  private static final ObjectMapper JSON = new ObjectMapper();

  @Mixin DeviceOption device = new DeviceOption();

  @Option(names = "--model", required = true, description = "SFT model the reward model starts from: a GPT-2 checkpoint, a Llama-family directory or an SFT LoRA adapter (merged into out/sft-merged first)")
  Path model;

  @Option(names = "--tokenizer", description = "tokenizer.json (default: the checkpoint's)")
  Path tokenizer;

  @Option(names = "--data", required = true,
      description = "training rankings JSONL (ours: prompt/responses/ranking, or TRL prompt/chosen/rejected)")
  Path data;

  @Option(names = "--valid", description = "held-out rankings JSONL: accuracy, margin and accuracy per category")
  Path valid;

  @Option(names = "--out", required = true, description = "run directory (checkpoint/, final/, metrics.jsonl, eval.json)")
  Path out;

  @Option(names = "--epochs", defaultValue = "1",
      description = "passes over the rankings (default ${DEFAULT-VALUE}: InstructGPT's RM overfits after one)")
  int epochs;

  @Option(names = "--batch", defaultValue = "64", description = "rankings (prompts) per optimizer step (default ${DEFAULT-VALUE})")
  int batch;

  @Option(names = "--micro-batch", defaultValue = "8", description = "rankings per forward pass (default ${DEFAULT-VALUE})")
  int microBatch;

  @Option(names = "--lr", defaultValue = "1e-5", description = "peak learning rate, cosine decay (default ${DEFAULT-VALUE})")
  double lr;

  @Option(names = "--warmup", defaultValue = "0", description = "warm-up steps (default ${DEFAULT-VALUE})")
  int warmup;

  @Option(names = "--normalize", defaultValue = "demonstrations",
      description = "demonstrations (bias: demonstrations score mean 0, InstructGPT), reference (gain and bias:"
          + " SFT samples score mean 0, std 1, Ziegler et al.) or none (default ${DEFAULT-VALUE})")
  String normalize;

  @Option(names = "--demonstrations", description = "demonstrations JSONL for --normalize demonstrations")
  Path demonstrations;

  @Option(names = "--reference-prompts",
      description = "prompts (or demonstrations/rankings) for --normalize reference (default: the --data prompts)")
  Path referencePrompts;

  @Option(names = "--reference-samples", defaultValue = "256",
      description = "SFT samples for --normalize reference, at most one per prompt (default ${DEFAULT-VALUE})")
  int referenceSamples;

  @Option(names = "--max-new-tokens", defaultValue = "48", description = "length of the reference samples (default ${DEFAULT-VALUE})")
  int maxNewTokens;

  @Option(names = "--checkpoint-every", defaultValue = "100", description = "steps between resumable checkpoints (default ${DEFAULT-VALUE})")
  int checkpointEvery;

  @Option(names = "--seed", defaultValue = "0", description = "order of the rankings, head init and sampling (default ${DEFAULT-VALUE})")
  long seed;

  @Option(names = "--resume", description = "continue the run in --out from its last checkpoint")
  boolean resume;

  @Mixin LoraOptions loraOptions = new LoraOptions();

  @Option(names = "--pad-token", description = "pad token name for tokenizers without one distinct from EOS")
  String padToken;

  @Override
  public Integer call() throws Exception {
    RewardConfig.Normalization norm = switch (normalize.toLowerCase(Locale.ROOT)) {
      case "demonstrations" -> RewardConfig.Normalization.DEMONSTRATIONS;
      case "reference" -> RewardConfig.Normalization.REFERENCE_SAMPLES;
      case "none" -> RewardConfig.Normalization.NONE;
      default -> throw new IllegalArgumentException("--normalize must be demonstrations, reference or none, got " + normalize);
    };
    if (norm == RewardConfig.Normalization.DEMONSTRATIONS && demonstrations == null) {
      throw new IllegalArgumentException(
          "--normalize demonstrations needs --demonstrations FILE (or use --normalize reference or none)");
    }
    if (referenceSamples < 2) {
      throw new IllegalArgumentException("--reference-samples must be >= 2, got " + referenceSamples);
    }
    RewardConfig cfg = new RewardConfig(batch, microBatch, epochs, OptimizerConfig.cosine(lr, warmup), norm, 32,
        checkpointEvery, 1, seed);
    // Every input read and validated before a model is loaded.
    List<Ranking> train = DataLoading.trainableRankings(data);
    List<Ranking> held = valid == null ? null : DataLoading.trainableRankings(valid);
    List<Demonstration> demos = norm == RewardConfig.Normalization.DEMONSTRATIONS
        ? DatasetFormats.readDemonstrations(demonstrations) : null;
    List<String> refPrompts = norm == RewardConfig.Normalization.REFERENCE_SAMPLES
        ? DataLoading.texts(referencePrompts != null ? DataLoading.prompts(referencePrompts) : DataLoading.prompts(data))
        : null;
    RunDirectory run = DataLoading.openRun(spec, out, resume, Checkpoint.hasResumeState(out.resolve("checkpoint")));
    Device dev = device.get();
    try (Tokenizer tok = DataLoading.tokenizer(model, tokenizer, padToken);
        ModelCheckpoints.Trainable lm = ModelCheckpoints.loadForTraining(model, dev, loraOptions.config(), tok.padId(),
            seed, true, out.resolve(MERGED_SFT_DIR))) {
      CausalLm m = lm.model();
      TokenizedRankings.checkTokenizer(tok, m);
      RewardTrainer.NormalizationSet normSet = switch (norm) {
        case DEMONSTRATIONS -> demonstrationSet(demos);
        // Sampled now, before training turns the SFT model into the reward model.
        case REFERENCE_SAMPLES -> referenceSet(m, tok, refPrompts);
        case NONE -> null;
      };
      RewardTrainer trainer = new RewardTrainer(cfg, null);
      long total = cfg.epochs() * cfg.stepsPerEpoch(train.size());
      System.err.printf("reward model from %s: %,d rankings, %d steps, normalisation %s%n", model, train.size(), total,
          norm.name().toLowerCase(Locale.ROOT));
      RewardTrainer.Result r;
      try (Progress bar = new Progress("reward", total, 0, Metrics.TRAIN_LOSS, RewardTrainer.ACCURACY, RewardTrainer.MARGIN)) {
        r = new RewardTrainer(cfg, bar).run(m, tok, train, data.toString(), normSet, out, lm.config(), tok.source());
      }
      System.out.printf("done: %d steps, final loss %.4f, training accuracy %.1f%%, gain %.4f, bias %.4f, %.0f s%n",
          r.steps(), r.finalLoss(), 100 * r.finalAccuracy(), r.gain(), r.bias(), r.seconds());
      System.out.println("reward model: " + out.resolve("final"));
      run.finish();
      if (held != null) {
        RewardTrainer.Evaluation e = trainer.evaluate(m, tok, held);
        System.out.print(format(e));
        writeEval(out.resolve(EVAL_FILE), e, valid);
      }
    }
    return 0;
  }

  private static RewardTrainer.NormalizationSet demonstrationSet(List<Demonstration> demos) {
    List<String> p = new ArrayList<>(demos.size());
    List<String> r = new ArrayList<>(demos.size());
    for (Demonstration d : demos) {
      p.add(d.prompt());
      r.add(d.response());
    }
    return new RewardTrainer.NormalizationSet(p, r);
  }

  /** One temperature-1 sample of the SFT policy per prompt (Ziegler et al. 2019, section 2.2). */
  private RewardTrainer.NormalizationSet referenceSet(CausalLm sft, Tokenizer tok, List<String> prompts) {
    List<String> chosen = prompts.subList(0, Math.min(prompts.size(), referenceSamples));
    if (chosen.size() < 2) {
      throw new IllegalArgumentException("--normalize reference needs at least 2 prompts, got " + chosen.size());
    }
    boolean was = sft.isTraining();
    sft.setTraining(false);
    List<String> responses = new ArrayList<>(chosen.size());
    try {
      List<int[]> encoded = tok.encodeBatch(chosen);
      for (int s = 0; s < encoded.size(); s += 32) {
        Generation g = Generator.generate(sft, encoded.subList(s, Math.min(encoded.size(), s + 32)),
            SamplingConfig.sample(maxNewTokens, seed + s));
        for (int i = 0; i < g.size(); i++) {
          int[] resp = g.responses()[i];
          responses.add(tok.decode(g.endedWithEos()[i] ? Arrays.copyOf(resp, resp.length - 1) : resp).strip());
        }
      }
    } finally {
      sft.setTraining(was);
    }
    return new RewardTrainer.NormalizationSet(chosen, responses);
  }

  static String format(RewardTrainer.Evaluation e) {
    StringBuilder b = new StringBuilder();
    b.append(String.format("held-out pairwise accuracy %.1f%% over %d pairs, mean margin %.4f%n",
        100 * e.accuracy(), e.pairs(), e.meanMargin()));
    for (Map.Entry<String, RewardTrainer.CategoryAccuracy> c : e.byCategory().entrySet()) {
      b.append(String.format("  %-24s %5.1f%%  margin %8.4f  (%d pairs)%n",
          c.getKey(), 100 * c.getValue().accuracy(), c.getValue().meanMargin(), c.getValue().pairs()));
    }
    return b.toString();
  }

  private static void writeEval(Path file, RewardTrainer.Evaluation e, Path source) throws java.io.IOException {
    ObjectNode root = JSON.createObjectNode();
    root.put("data", source.toString());
    root.put("accuracy", e.accuracy());
    root.put("mean_margin", e.meanMargin());
    root.put("pairs", e.pairs());
    ObjectNode cats = root.putObject("by_category");
    e.byCategory().forEach((k, v) -> cats.putObject(k)
        .put("accuracy", v.accuracy()).put("mean_margin", v.meanMargin()).put("pairs", v.pairs()));
    AtomicFiles.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root));
  }
}
