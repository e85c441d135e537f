package org.rlhf4j.core.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.rlhf4j.core.checkpoint.AtomicFiles;
import org.rlhf4j.core.checkpoint.Checkpoint;
import org.rlhf4j.core.checkpoint.ModelConfigFile;
import org.rlhf4j.core.checkpoint.ModelCheckpoints;
import org.rlhf4j.core.generate.PromptResponseBatch;
import org.rlhf4j.core.model.CausalLm;
import org.rlhf4j.core.model.ResponseScoring;
import org.rlhf4j.core.model.Scalars;

/**
 * Supervised fine-tuning (InstructGPT step 1): next-token loss on response tokens only, the
 * prompt masked out, with optional pretraining-text mixing and model selection by a
 * {@link ModelSelector} (validation loss, or reward-model score as the paper does).
 *
 * <p>The loss of an optimizer step is the sum of response-token losses divided by the number of
 * response tokens in the whole step, so splitting a batch into micro-batches does not change the
 * gradient (gradient-accumulation invariance).
 *
 * <p>Output: {@code out/checkpoint} (resumable), {@code out/best} (best by the selector),
 * {@code out/final} (last), {@code out/metrics.jsonl}, {@code out/run_config.json}.
 */
public final class SftTrainer {
  public static final String LOSS = "sft/loss";
  public static final String PTX_LOSS = "sft/ptx_loss";
  public static final String LEARNING_RATE = "sft/lr";
  public static final String GRAD_NORM = "sft/grad_norm";
  public static final String EPOCH = "sft/epoch";

  private static final ObjectMapper JSON = new ObjectMapper();
  private final SftConfig config;
  private final StepListener listener;

  public SftTrainer(SftConfig config, StepListener listener) {
    this.config = config;
    this.listener = listener == null ? StepListener.NONE : listener;
  }

  /** Outcome of a run. */
  public record Result(long steps, double finalLoss, double bestScore, long bestStep, Path bestModel, double seconds) {}

  /** Steps in the run for {@code examples} demonstrations. */
  public long totalSteps(int examples) {
    return (long) stepsPerEpoch(examples) * config.epochs();
  }

  private int stepsPerEpoch(int n) {
    return (n + config.batchSize() - 1) / config.batchSize();
  }

  /**
   * Fine-tunes {@code model} in place.
   *
   * @param pretrain pretraining windows to mix in when {@code pretrainMix > 0}, else may be null
   * @param selector picks the best checkpoint; null keeps the last one as best
   */
  public Result run(CausalLm model, List<Examples.TokenPair> train, TokenWindows pretrain, ModelSelector selector,
      Path out, ModelConfigFile base, Path tokenizerJson) throws IOException {
    if (train.isEmpty()) {
      throw new IllegalArgumentException("no demonstrations to train on");
    }
    if (config.pretrainMix() > 0 && pretrain == null) {
      throw new IllegalArgumentException("pretrainMix > 0 needs pretraining text");
    }
    Files.createDirectories(out);
    Path ckpt = out.resolve("checkpoint");
    MetricsLog log = new MetricsLog(out.resolve("metrics.jsonl"));
    writeRunConfig(out, model, train.size());
    long total = totalSteps(train.size());
    int perEpoch = stepsPerEpoch(train.size());
    int pad = model.padTokenId();
    CausalLm working = model;
    // Dropout is a property of the run, not of the checkpoint: train with the configured rate,
    // save the base model's config unchanged.
    working.setDropoutOverride(config.dropout());
    working.setTraining(true);
    working.setRequiresGradient(true);
    long start = System.nanoTime();
    try (AdamW opt = new AdamW(working.parameters(), config.optimizer(), working.manager())) {
      long step = 0;
      double best = Double.NaN;
      long bestStep = -1;
      double elapsedBefore = 0;
      if (Checkpoint.hasResumeState(ckpt)) {
        try (NDManager tmp = working.manager().newSubManager()) {
          Checkpoint.ResumeState rs = ModelCheckpoints.restore(ckpt, working, tmp);
          JsonNode state = JSON.readTree(rs.trainerStateJson());
          step = state.path("step").asLong();
          best = state.path("best").asDouble(Double.NaN);
          bestStep = state.path("best_step").asLong(-1);
          elapsedBefore = state.path("elapsed_s").asDouble();
          opt.load(rs.optimizerState(), step);
        }
        log.truncateAfter(step);
      } else {
        log.truncateAfter(-1);
      }
      double lastLoss = Double.NaN;
      while (step < total) {
        int epoch = (int) (step / perEpoch);
        int within = (int) (step % perEpoch);
        int[] order = EpochOrder.permutation(train.size(), config.seed(), epoch);
        int from = within * config.batchSize();
        int to = Math.min(train.size(), from + config.batchSize());
        List<Examples.TokenPair> batch = new ArrayList<>();
        for (int i = from; i < to; i++) {
          batch.add(train.get(order[i]));
        }
        final long current = step;
        Engine.getInstance().setRandomSeed((int) (config.seed() * 7919 + current));
        double loss = sftStep(working, batch, pad, current);
        double ptx = config.pretrainMix() > 0 ? ptxStep(working, pretrain, current) : Double.NaN;
        AdamW.StepInfo info = opt.step(total, "SFT step " + (step + 1), () -> kept(ckpt));
        step++;
        lastLoss = loss;
        boolean epochEnd = step % perEpoch == 0;
        boolean evalNow = selector != null
            && ((config.evalEvery() > 0 && step % config.evalEvery() == 0) || (config.evalEvery() == 0 && epochEnd) || step == total);
        Map<String, Double> m = new LinkedHashMap<>();
        m.put(Metrics.STEP, (double) step);
        m.put(EPOCH, (double) step / perEpoch);
        m.put(LOSS, loss);
        if (!Double.isNaN(ptx)) {
          m.put(PTX_LOSS, ptx);
        }
        m.put(LEARNING_RATE, info.learningRate());
        m.put(GRAD_NORM, info.gradNorm());
        if (evalNow) {
          double score = evaluate(working, selector);
          m.put(selector.name(), score);
          boolean better = Double.isNaN(best) || (selector.higherIsBetter() ? score > best : score < best);
          if (better) {
            best = score;
            bestStep = step;
            ModelCheckpoints.save(out.resolve("best"), working, base, tokenizerJson, null);
          }
        }
        if (step % config.logEvery() == 0 || evalNow || step == total) {
          m.put(Metrics.ELAPSED_SECONDS, elapsedBefore + (System.nanoTime() - start) / 1e9);
          log.append(m);
          listener.onStep(step, total, m);
        }
        boolean ckptNow = (config.checkpointEvery() > 0 && step % config.checkpointEvery() == 0)
            || (config.checkpointEvery() == 0 && epochEnd);
        if (ckptNow && step < total) {
          ObjectNode state = JSON.createObjectNode();
          state.put("step", step).put("best", best).put("best_step", bestStep)
              .put("elapsed_s", elapsedBefore + (System.nanoTime() - start) / 1e9);
          ModelCheckpoints.save(ckpt, working, base, tokenizerJson, new Checkpoint.ResumeState(state.toString(), opt.state()));
        }
      }
      working.setDropoutOverride(null);
      working.setTraining(false);
      working.setRequiresGradient(false);
      ModelCheckpoints.save(out.resolve("final"), working, base, tokenizerJson, null);
      Path bestPath = out.resolve(selector == null ? "final" : "best");
      return new Result(step, lastLoss, best, bestStep, bestPath, elapsedBefore + (System.nanoTime() - start) / 1e9);
    }
  }

  /** One optimizer step's worth of SFT micro-batches; returns the step's mean token loss. */
  private double sftStep(CausalLm model, List<Examples.TokenPair> batch, int pad, long step) {
    long tokens = 0;
    for (Examples.TokenPair p : batch) {
      tokens += p.response().length;
    }
    double weight = config.pretrainMix() > 0 ? 1 - config.pretrainMix() : 1;
    double total = 0;
    for (int s = 0; s < batch.size(); s += config.microBatch()) {
      List<Examples.TokenPair> micro = batch.subList(s, Math.min(batch.size(), s + config.microBatch()));
      try (NDManager m = model.manager().newSubManager();
          GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDArray sum = responseLossSum(model, micro, pad, m);
        double v = sum.getFloat();
        if (!Double.isFinite(v)) {
          throw new TrainingDivergedException("SFT loss is " + v + " at step " + (step + 1));
        }
        total += v;
        gc.backward(Scalars.mul(Scalars.div(sum, tokens), (float) weight));
      }
    }
    return total / tokens;
  }

  private double ptxStep(CausalLm model, TokenWindows pretrain, long step) {
    try (NDManager m = model.manager().newSubManager();
        GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      long[][] windows = new long[config.microBatch()][];
      for (int i = 0; i < windows.length; i++) {
        windows[i] = pretrain.window(step * windows.length + i);
      }
      NDArray loss = Pretrainer.lmLoss(model, m.create(windows));
      double v = loss.getFloat();
      if (!Double.isFinite(v)) {
        throw new TrainingDivergedException("pretraining-mix loss is " + v + " at step " + (step + 1));
      }
      gc.backward(Scalars.mul(loss, (float) config.pretrainMix()));
      return v;
    }
  }

  /** Sum over response tokens of -log p(token), for a micro-batch; attached to {@code m}. */
  static NDArray responseLossSum(CausalLm model, List<Examples.TokenPair> micro, int pad, NDManager m) {
    int[][] prompts = new int[micro.size()][];
    int[][] responses = new int[micro.size()][];
    for (int i = 0; i < micro.size(); i++) {
      prompts[i] = micro.get(i).prompt();
      responses[i] = micro.get(i).response();
    }
    PromptResponseBatch b = PromptResponseBatch.of(prompts, responses, pad, model.contextLength());
    NDArray ids = m.create(b.ids());
    NDArray lp = ResponseScoring.responseLogprobs(model, ids, m.create(b.mask()), b.promptWidth(), 1f);
    NDArray mask = m.create(b.responseMask());
    return lp.mul(mask).sum().neg();
  }

  /** A selector: mean response-token loss on validation demonstrations (lower is better). */
  public static ModelSelector validationLoss(List<Examples.TokenPair> valid, int batch) {
    return new ModelSelector() {
      @Override
      public String name() {
        return "val/sft_loss";
      }

      @Override
      public double evaluate(CausalLm model) {
        double sum = 0;
        long tokens = 0;
        for (int s = 0; s < valid.size(); s += batch) {
          List<Examples.TokenPair> micro = valid.subList(s, Math.min(valid.size(), s + batch));
          try (NDManager m = model.manager().newSubManager()) {
            sum += responseLossSum(model, micro, model.padTokenId(), m).getFloat();
          }
          for (Examples.TokenPair p : micro) {
            tokens += p.response().length;
          }
        }
        return sum / tokens;
      }

      @Override
      public boolean higherIsBetter() {
        return false;
      }
    };
  }

  private static double evaluate(CausalLm model, ModelSelector selector) throws IOException {
    boolean was = model.isTraining();
    model.setTraining(false);
    try {
      return selector.evaluate(model);
    } finally {
      model.setTraining(was);
    }
  }

  private void writeRunConfig(Path out, CausalLm model, int examples) throws IOException {
    ObjectNode root = JSON.createObjectNode();
    root.set("sft", JSON.valueToTree(config));
    root.set("model", JSON.valueToTree(model.config()));
    root.put("examples", examples);
    root.put("steps", totalSteps(examples));
    AtomicFiles.writeString(out.resolve("run_config.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root));
  }

  private static String kept(Path ckpt) {
    return Files.isDirectory(ckpt) ? "the last good checkpoint in " + ckpt + " is intact" : "no checkpoint had been written yet";
  }
}
