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
import java.util.LinkedHashMap;
import java.util.Map;
import org.rlhf4j.core.checkpoint.AtomicFiles;
import org.rlhf4j.core.checkpoint.Checkpoint;
import org.rlhf4j.core.checkpoint.HfConfig;
import org.rlhf4j.core.checkpoint.ModelCheckpoints;
import org.rlhf4j.core.model.CausalLm;
import org.rlhf4j.core.model.GptModel;
import org.rlhf4j.core.model.LmMath;
import org.rlhf4j.core.model.Scalars;

/**
 * Next-token pretraining on packed windows, resumable to the exact step.
 *
 * <p>Output directory:
 *
 * <pre>
 * out/
 *   run_config.json    the resolved configuration, written at the start of every run
 *   metrics.jsonl      one line per logged step ({@link Metrics} names)
 *   checkpoint/        latest checkpoint with optimizer moments and trainer_state.json
 *   final/             the finished model (Hugging Face layout)
 * </pre>
 *
 * <p>Resuming gives the same loss curve as an uninterrupted run: the data order is a function of
 * (seed, epoch) ({@link TokenWindows}), dropout is reseeded from (seed, step) before every step,
 * and weights and AdamW moments are stored in float32.
 */
public final class Pretrainer {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final PretrainConfig config;
  private final StepListener listener;

  public Pretrainer(PretrainConfig config, StepListener listener) {
    this.config = config;
    this.listener = listener == null ? StepListener.NONE : listener;
  }

  /** What a finished run reports. */
  public record Result(long steps, long tokensSeen, double finalTrainLoss, double finalValLoss, double seconds) {}

  /**
   * Trains {@code model} in place, resuming from {@code out/checkpoint} when it holds a compatible
   * state, and writes {@code out/final}.
   *
   * @param baseConfig config to save with the checkpoints (extras kept), or null
   * @param tokenizerJson copied into every checkpoint, or null
   */
  public Result run(GptModel model, TokenWindows train, TokenWindows valid, Path out, HfConfig baseConfig, Path tokenizerJson)
      throws IOException {
    if (config.contextLength() > model.config().contextLength()) {
      throw new IllegalArgumentException(
          "contextLength " + config.contextLength() + " exceeds the model's " + model.config().contextLength());
    }
    if (train.contextLength() != config.contextLength() || valid.contextLength() != config.contextLength()) {
      throw new IllegalArgumentException("token windows must use the config's context length");
    }
    Files.createDirectories(out);
    Path ckpt = out.resolve("checkpoint");
    MetricsLog log = new MetricsLog(out.resolve("metrics.jsonl"));
    writeRunConfig(out, model, train, valid);

    model.setTraining(true);
    model.setRequiresGradient(true);
    try (AdamW opt = new AdamW(model.parameters(), config.optimizer(), model.manager())) {
      long step = 0;
      long tokensSeen = 0;
      double elapsedBefore = 0;
      if (Checkpoint.hasResumeState(ckpt)) {
        try (NDManager tmp = model.manager().newSubManager()) {
          Checkpoint.Loaded loaded = Checkpoint.load(ckpt, tmp);
          Checkpoint.ResumeState rs = Checkpoint.loadResumeState(ckpt, tmp);
          JsonNode state = JSON.readTree(rs.trainerStateJson());
          step = state.path("step").asLong();
          tokensSeen = state.path("tokens_seen").asLong();
          elapsedBefore = state.path("elapsed_s").asDouble();
          model.loadParameters(loaded.parameters());
          opt.load(rs.optimizerState(), step);
        }
        log.truncateAfter(step);
      } else {
        log.truncateAfter(-1);
      }
      long start = System.nanoTime();
      long windowStart = System.nanoTime();
      long tokensAtWindow = tokensSeen;
      double lastLoss = Double.NaN;
      double lastVal = Double.NaN;
      while (step < config.steps()) {
        // Dropout masks depend on (seed, step) only, so a resumed run repeats them exactly.
        Engine.getInstance().setRandomSeed((int) (config.seed() * 7919 + step));
        double loss = 0;
        for (int a = 0; a < config.accumulation(); a++) {
          long first = step * config.batchSize() + (long) a * config.microBatch();
          try {
            loss += microStep(model, train, first, step, a) / config.accumulation();
          } catch (TrainingDivergedException e) {
            throw new TrainingDivergedException(e.getMessage() + "; " + keptMessage(ckpt));
          }
        }
        AdamW.StepInfo info = opt.step(config.steps(), "step " + (step + 1), () -> keptMessage(ckpt));
        step++;
        tokensSeen += config.tokensPerStep();
        lastLoss = loss;
        boolean evalNow = config.evalEvery() > 0 && step % config.evalEvery() == 0 || step == config.steps();
        boolean logNow = step % config.logEvery() == 0 || evalNow;
        if (logNow) {
          double now = System.nanoTime();
          double tps = (tokensSeen - tokensAtWindow) / ((now - windowStart) / 1e9);
          windowStart = (long) now;
          tokensAtWindow = tokensSeen;
          Map<String, Double> m = new LinkedHashMap<>();
          m.put(Metrics.STEP, (double) step);
          m.put(Metrics.TRAIN_LOSS, loss);
          m.put(Metrics.LEARNING_RATE, info.learningRate());
          m.put(Metrics.GRAD_NORM, info.gradNorm());
          m.put(Metrics.TOKENS_SEEN, (double) tokensSeen);
          m.put(Metrics.TOKENS_PER_SECOND, tps);
          m.put(Metrics.ELAPSED_SECONDS, elapsedBefore + (System.nanoTime() - start) / 1e9);
          if (evalNow) {
            lastVal = validationLoss(model, valid, config.evalWindows(), config.microBatch());
            m.put(Metrics.VAL_LOSS, lastVal);
          }
          log.append(m);
          listener.onStep(step, config.steps(), m);
        }
        boolean ckptNow = config.checkpointEvery() > 0 && step % config.checkpointEvery() == 0;
        if (ckptNow || step == config.steps()) {
          double elapsed = elapsedBefore + (System.nanoTime() - start) / 1e9;
          saveResumable(ckpt, model, opt, baseConfig, tokenizerJson, step, tokensSeen, elapsed);
        }
      }
      double seconds = elapsedBefore + (System.nanoTime() - start) / 1e9;
      if (Double.isNaN(lastVal)) {
        lastVal = validationLoss(model, valid, config.evalWindows(), config.microBatch());
      }
      model.setTraining(false);
      model.setRequiresGradient(false);
      HfConfig cfg = (baseConfig == null ? HfConfig.of(model.config()) : baseConfig)
          .withExtra("rlhf4j_pretrain_steps", step)
          .withExtra("rlhf4j_pretrain_tokens", tokensSeen)
          .withExtra("rlhf4j_val_loss", lastVal);
      ModelCheckpoints.save(out.resolve("final"), model, cfg, tokenizerJson, null);
      return new Result(step, tokensSeen, lastLoss, lastVal, seconds);
    }
  }

  private double microStep(GptModel model, TokenWindows train, long firstWindow, long step, int micro) {
    try (NDManager m = model.manager().newSubManager();
        GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      long[][] batch = new long[config.microBatch()][];
      for (int i = 0; i < batch.length; i++) {
        batch[i] = train.window(firstWindow + i);
      }
      NDArray ids = m.create(batch); // (b, T + 1)
      NDArray loss = lmLoss(model, ids);
      double value = loss.getFloat();
      if (!Double.isFinite(value)) {
        throw new TrainingDivergedException(
            "loss is " + value + " at step " + (step + 1) + " (micro-batch " + micro + ")");
      }
      gc.backward(Scalars.div(loss, config.accumulation()));
      return value;
    }
  }

  /** Mean next-token loss of windows (b, T + 1): inputs are the first T, targets the last T. */
  public static NDArray lmLoss(CausalLm model, NDArray windows) {
    long t = windows.getShape().get(1) - 1;
    NDArray input = windows.get(":, :" + t);
    NDArray target = windows.get(":, 1:");
    NDArray logits = model.logits(model.forward(input, null, null)); // (b, T, V)
    return LmMath.tokenLogprobs(logits, target, 1f).mean().neg();
  }

  /** Mean loss over the first {@code n} validation windows, dropout off, no gradients. */
  public static double validationLoss(GptModel model, TokenWindows valid, int n, int batch) {
    boolean was = model.isTraining();
    model.setTraining(false);
    try {
      long[][] all = valid.firstWindows(n);
      double sum = 0;
      int count = 0;
      for (int s = 0; s < all.length; s += batch) {
        int e = Math.min(all.length, s + batch);
        try (NDManager m = model.manager().newSubManager()) {
          long[][] chunk = java.util.Arrays.copyOfRange(all, s, e);
          sum += lmLoss(model, m.create(chunk)).getFloat() * (e - s);
          count += e - s;
        }
      }
      return sum / count;
    } finally {
      model.setTraining(was);
    }
  }

  private void saveResumable(Path ckpt, GptModel model, AdamW opt, HfConfig base, Path tok, long step, long tokens, double elapsed)
      throws IOException {
    ObjectNode state = JSON.createObjectNode();
    state.put("step", step);
    state.put("tokens_seen", tokens);
    state.put("elapsed_s", elapsed);
    state.put("seed", config.seed());
    state.put("total_steps", config.steps());
    ModelCheckpoints.save(ckpt, model, base, tok, new Checkpoint.ResumeState(state.toString(), opt.state()));
  }

  private void writeRunConfig(Path out, GptModel model, TokenWindows train, TokenWindows valid) throws IOException {
    ObjectNode root = JSON.createObjectNode();
    root.set("pretrain", JSON.valueToTree(config));
    root.set("model", JSON.valueToTree(model.config()));
    root.put("parameters", model.parameterCount());
    root.put("train_tokens", train.tokenCount());
    root.put("valid_tokens", valid.tokenCount());
    AtomicFiles.writeString(out.resolve("run_config.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root));
  }

  private static String keptMessage(Path ckpt) {
    return Files.isDirectory(ckpt)
        ? "the last good checkpoint in " + ckpt + " is intact"
        : "no checkpoint had been written yet";
  }
}
