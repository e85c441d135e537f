package org.rlhf4j.core.reward;

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
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.rlhf4j.core.checkpoint.AtomicFiles;
import org.rlhf4j.core.checkpoint.Checkpoint;
import org.rlhf4j.core.checkpoint.HfConfig;
import org.rlhf4j.core.checkpoint.ModelCheckpoints;
import org.rlhf4j.core.generate.PromptResponseBatch;
import org.rlhf4j.core.checkpoint.ModelConfigFile;
import org.rlhf4j.core.model.CausalLm;
import org.rlhf4j.core.model.GptModel;
import org.rlhf4j.core.reward.PreferenceMath.PairIndex;
import org.rlhf4j.core.reward.PreferenceMath.PairStats;
import org.rlhf4j.core.reward.TokenizedRankings.Encoded;
import org.rlhf4j.core.tokenizer.Tokenizer;
import org.rlhf4j.core.train.AdamW;
import org.rlhf4j.core.train.Metrics;
import org.rlhf4j.core.train.MetricsLog;
import org.rlhf4j.core.train.StepListener;
import org.rlhf4j.core.train.TrainingDivergedException;
import org.rlhf4j.data.Ranking;

/**
 * Trains a reward model on K-way rankings (InstructGPT step 2; Ouyang et al. 2022, section 3.5).
 *
 * <p>The model is the SFT model with a scalar head ({@link GptModel#addScoreHead}; the language
 * head stays tied to the embedding and is simply not used), run with dropout off. Each prompt's K
 * responses are forwarded once each, and the loss of that prompt is {@code -1/P sum log sigma(r_w
 * - r_l)} over its P non-tied pairs (P = C(K,2) without ties); a batch averages over prompts. The
 * paper explains why: treating the C(K,2) pairs as independent examples forwards each response K-1
 * times and overfits within one epoch.
 *
 * <p>After training, the scores are normalised ({@link RewardConfig.Normalization}) and the gain
 * and bias are written to the final checkpoint's config, where {@link RewardModel#load} applies
 * them.
 *
 * <p>Output directory:
 *
 * <pre>
 * out/
 *   run_config.json    the resolved configuration, written at the start of every run
 *   metrics.jsonl      one line per logged step
 *   checkpoint/        latest resumable checkpoint (weights, AdamW moments, trainer_state.json)
 *   final/             the reward model with its normalisation (Hugging Face layout)
 * </pre>
 *
 * <p>Memory: every micro-step and scoring batch runs in a sub-manager of the model's manager that
 * is closed before the next; only Java primitives leave a step.
 */
public final class RewardTrainer {
  /** Fraction of the step's pairs with r_w > r_l (ties count half). */
  public static final String ACCURACY = "reward/accuracy";
  /** Mean r_w - r_l over the step's pairs, in raw (unnormalised) units. */
  public static final String MARGIN = "reward/margin";
  /** Normalisation written to the final checkpoint. */
  public static final String GAIN = "reward/gain";
  public static final String BIAS = "reward/bias";
  /** Config extra naming the normalisation mode used. */
  public static final String NORMALIZATION_EXTRA = "rlhf4j_reward_normalization";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final RewardConfig config;
  private final StepListener listener;

  /** Rows fed to the model and forward calls, for the K-forwards-per-prompt test. */
  long rowsForwarded;
  long forwardCalls;

  public RewardTrainer(RewardConfig config, StepListener listener) {
    this.config = config;
    this.listener = listener == null ? StepListener.NONE : listener;
  }

  /**
   * Texts whose scores define the normalisation: labeler demonstrations for {@code
   * DEMONSTRATIONS}, samples of the reference (SFT) policy for {@code REFERENCE_SAMPLES}.
   *
   * @param prompts prompt texts, verbatim
   * @param responses response texts without EOS, one per prompt
   */
  public record NormalizationSet(List<String> prompts, List<String> responses) {
    public NormalizationSet {
      if (prompts == null || responses == null || prompts.size() != responses.size()) {
        throw new IllegalArgumentException("normalisation set needs as many responses as prompts");
      }
      if (prompts.isEmpty()) {
        throw new IllegalArgumentException("normalisation set is empty");
      }
      prompts = List.copyOf(prompts);
      responses = List.copyOf(responses);
    }
  }

  /** What a finished run reports; {@code gain}/{@code bias} are stored in {@code out/final}. */
  public record Result(long steps, double finalLoss, double finalAccuracy, double gain, double bias, double seconds) {}

  /**
   * Gain and bias mapping raw scores to normalised ones: {@code gain * raw + bias}.
   */
  public record Normalization(double gain, double bias) {}

  /** Pairwise accuracy and pair count of one category. */
  public record CategoryAccuracy(double accuracy, double meanMargin, long pairs) {}

  /**
   * Held-out quality of a reward model.
   *
   * @param accuracy fraction of non-tied labeled pairs the model orders correctly (ties in score
   *     count half), over all pairs
   * @param meanMargin mean r_w - r_l over those pairs (raw units)
   * @param pairs number of pairs
   * @param byCategory the same per {@link Ranking#category()} ("(none)" when absent), sorted
   */
  public record Evaluation(double accuracy, double meanMargin, long pairs, Map<String, CategoryAccuracy> byCategory) {}

  /** Name under which rankings without a category are grouped in {@link Evaluation#byCategory}. */
  public static final String NO_CATEGORY = "(none)";

  /**
   * Trains {@code model} in place (adding a scalar head if it has none), resuming from {@code
   * out/checkpoint} when it holds a state, then normalises and writes {@code out/final}.
   *
   * @param normalizationSet texts for the normalisation, required unless it is {@code NONE}
   * @param source names the data in error messages (e.g. its file), or null
   * @param baseConfig config whose extras are kept in the checkpoints, or null
   * @param tokenizerJson copied into every checkpoint, or null
   * @throws IllegalArgumentException for bad input, before any training
   * @throws TrainingDivergedException naming the quantity that became NaN or infinite
   */
  public Result run(
      CausalLm model,
      Tokenizer tokenizer,
      List<Ranking> rankings,
      String source,
      NormalizationSet normalizationSet,
      Path out,
      ModelConfigFile baseConfig,
      Path tokenizerJson)
      throws IOException {
    // 1. Every input check first, so a bad record fails in seconds rather than after an epoch.
    List<Encoded> data = TokenizedRankings.encode(rankings, tokenizer, model, source);
    List<int[]>[] norm = encodeNormalization(normalizationSet, tokenizer, model);
    int pad = tokenizer.padId();

    model.addScoreHead(config.seed());
    Files.createDirectories(out);
    Path ckpt = out.resolve("checkpoint");
    MetricsLog log = new MetricsLog(out.resolve("metrics.jsonl"));
    long totalSteps = config.epochs() * config.stepsPerEpoch(data.size());
    writeRunConfig(out, model, data, totalSteps);

    // Dropout off: the RM is trained as it is used (Huang et al. 2024, "disable dropout").
    model.setTraining(false);
    model.setRequiresGradient(true);
    double lastLoss = Double.NaN;
    double lastAccuracy = Double.NaN;
    long step = 0;
    double elapsedBefore = 0;
    long start = System.nanoTime();
    try (AdamW opt = new AdamW(model.parameters(), config.optimizer(), model.manager())) {
      if (Checkpoint.hasResumeState(ckpt)) {
        JsonNode state = resume(ckpt, model, opt);
        step = state.path("step").asLong();
        elapsedBefore = state.path("elapsed_s").asDouble();
        long savedPrompts = state.path("prompts").asLong(data.size());
        if (savedPrompts != data.size() || state.path("seed").asLong(config.seed()) != config.seed()) {
          throw new IllegalArgumentException(
              ckpt + " was written for " + savedPrompts + " rankings and seed " + state.path("seed")
                  + "; this run has " + data.size() + " and seed " + config.seed()
                  + ": use a new output directory");
        }
        log.truncateAfter(step);
      } else {
        log.truncateAfter(-1);
      }
      // 2. Optimizer steps: each a batch of prompts, in micro-batches accumulated into one update.
      while (step < totalSteps) {
        List<Encoded> batch = TokenizedRankings.batchAt(data, config.promptsPerBatch(), config.seed(), step);
        double loss = 0;
        PairStats stats = PairStats.EMPTY;
        for (int s = 0; s < batch.size(); s += config.promptsPerMicroBatch()) {
          List<Encoded> micro = batch.subList(s, Math.min(batch.size(), s + config.promptsPerMicroBatch()));
          MicroResult r = microStep(model, micro, batch.size(), pad, step);
          loss += r.loss();
          stats = stats.plus(r.stats());
        }
        AdamW.StepInfo info = opt.step(totalSteps, "reward-model step " + (step + 1), () -> keptMessage(ckpt));
        step++;
        lastLoss = loss;
        lastAccuracy = stats.accuracy();
        if (step % config.logEvery() == 0 || step == totalSteps) {
          Map<String, Double> m = new LinkedHashMap<>();
          m.put(Metrics.STEP, (double) step);
          m.put(Metrics.TRAIN_LOSS, loss);
          m.put(ACCURACY, stats.accuracy());
          m.put(MARGIN, stats.meanMargin());
          m.put(Metrics.LEARNING_RATE, info.learningRate());
          m.put(Metrics.GRAD_NORM, info.gradNorm());
          m.put(Metrics.ELAPSED_SECONDS, elapsedBefore + (System.nanoTime() - start) / 1e9);
          log.append(m);
          listener.onStep(step, totalSteps, m);
        }
        if ((config.checkpointEvery() > 0 && step % config.checkpointEvery() == 0) || step == totalSteps) {
          double elapsed = elapsedBefore + (System.nanoTime() - start) / 1e9;
          saveResumable(ckpt, model, opt, baseConfig, tokenizerJson, step, totalSteps, data.size(), elapsed);
        }
      }
    } finally {
      model.setRequiresGradient(false);
    }

    // 3. Normalisation: the loss only sees differences, so the level of the scores is arbitrary.
    Normalization n = config.normalization() == RewardConfig.Normalization.NONE
        ? new Normalization(1, 0)
        : normalization(rawScores(model, norm[0], norm[1], pad), config.normalization());
    ModelConfigFile cfg = (baseConfig != null ? baseConfig
        : model instanceof GptModel gpt ? HfConfig.of(gpt.config()) : ModelCheckpoints.configOf(model))
        .withExtra(HfConfig.REWARD_GAIN, n.gain())
        .withExtra(HfConfig.REWARD_BIAS, n.bias())
        .withExtra(NORMALIZATION_EXTRA, config.normalization().name().toLowerCase(java.util.Locale.ROOT));
    ModelCheckpoints.save(out.resolve("final"), model, cfg, tokenizerJson, null);
    double seconds = elapsedBefore + (System.nanoTime() - start) / 1e9;
    return new Result(step, lastLoss, lastAccuracy, n.gain(), n.bias(), seconds);
  }

  private record MicroResult(double loss, PairStats stats) {}

  /**
   * One forward/backward pass over a micro-batch of prompts: sum(K) rows, one per response.
   *
   * @param promptsInBatch prompts of the whole optimizer step, the loss's denominator
   */
  private MicroResult microStep(CausalLm model, List<Encoded> micro, int promptsInBatch, int pad, long step) {
    PairIndex index = PreferenceMath.pairIndex(TokenizedRankings.rankings(micro), promptsInBatch);
    PromptResponseBatch b = TokenizedRankings.layout(micro, pad, model.contextLength());
    try (NDManager m = model.manager().newSubManager();
        GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      NDArray scores = forwardScores(model, m, b); // (N)
      NDArray loss = PreferenceMath.rankingLoss(scores, index);
      float[] s = scores.toFloatArray();
      for (float v : s) {
        if (!Float.isFinite(v)) {
          throw new TrainingDivergedException(
              "reward score is " + v + " at step " + (step + 1) + " (the model's weights or inputs are not finite)");
        }
      }
      double value = loss.getFloat();
      if (!Double.isFinite(value)) {
        throw new TrainingDivergedException("reward-model loss is " + value + " at step " + (step + 1));
      }
      gc.backward(loss);
      return new MicroResult(value, PairStats.of(s, index));
    }
  }

  /** Scalar head at each row's last token (the appended EOS): (N). */
  private NDArray forwardScores(CausalLm model, NDManager m, PromptResponseBatch b) {
    rowsForwarded += b.size();
    forwardCalls++;
    NDArray hidden = model.forward(m.create(b.ids()), m.create(b.mask()), null); // (N, W, C)
    return model.score(hidden, m.create(b.lastTokenIndex())); // (N)
  }

  /**
   * Pairwise accuracy and margin of {@code model} on held-out rankings, overall and per category,
   * without gradients and with dropout off. One forward per response, as in training.
   */
  public Evaluation evaluate(CausalLm model, Tokenizer tokenizer, List<Ranking> rankings) {
    List<Encoded> data = TokenizedRankings.encode(rankings, tokenizer, model, null);
    boolean was = model.isTraining();
    model.setTraining(false);
    PairStats all = PairStats.EMPTY;
    Map<String, PairStats> byCategory = new TreeMap<>();
    try {
      List<Encoded> chunk = new ArrayList<>();
      int rows = 0;
      for (int i = 0; i <= data.size(); i++) {
        // Fill a chunk up to scoreBatch rows (a ranking is never split across chunks).
        boolean flush = i == data.size() || (!chunk.isEmpty() && rows + data.get(i).k() > config.scoreBatch());
        if (flush && !chunk.isEmpty()) {
          float[] s;
          try (NDManager m = model.manager().newSubManager()) {
            s = forwardScores(model, m, TokenizedRankings.layout(chunk, tokenizer.padId(), model.contextLength())).toFloatArray();
          }
          int offset = 0;
          for (Encoded e : chunk) {
            PairIndex idx = PreferenceMath.pairIndex(List.of(e.ranking()), 1);
            PairStats st = PairStats.of(java.util.Arrays.copyOfRange(s, offset, offset + e.k()), idx);
            all = all.plus(st);
            String cat = e.ranking().category() == null ? NO_CATEGORY : e.ranking().category();
            byCategory.merge(cat, st, PairStats::plus);
            offset += e.k();
          }
          chunk.clear();
          rows = 0;
        }
        if (i < data.size()) {
          chunk.add(data.get(i));
          rows += data.get(i).k();
        }
      }
    } finally {
      model.setTraining(was);
    }
    Map<String, CategoryAccuracy> cats = new LinkedHashMap<>();
    byCategory.forEach((k, v) -> cats.put(k, new CategoryAccuracy(v.accuracy(), v.meanMargin(), v.pairs())));
    return new Evaluation(all.accuracy(), all.meanMargin(), all.pairs(), Collections.unmodifiableMap(cats));
  }

  /**
   * The gain and bias that normalise {@code raw} scores: {@code DEMONSTRATIONS} shifts their mean
   * to 0 (gain 1); {@code REFERENCE_SAMPLES} also scales their (population) standard deviation to 1.
   *
   * @throws IllegalArgumentException for {@code NONE}, an empty set, non-finite scores, or
   *     reference samples that all score the same (no scale to normalise)
   */
  public static Normalization normalization(double[] raw, RewardConfig.Normalization mode) {
    if (mode == RewardConfig.Normalization.NONE) {
      throw new IllegalArgumentException("NONE has no normalisation set");
    }
    if (raw.length == 0) {
      throw new IllegalArgumentException("no scores to normalise against");
    }
    double mean = 0;
    for (double r : raw) {
      if (!Double.isFinite(r)) {
        throw new TrainingDivergedException("a normalisation score is " + r);
      }
      mean += r;
    }
    mean /= raw.length;
    if (mode == RewardConfig.Normalization.DEMONSTRATIONS) {
      return new Normalization(1, -mean);
    }
    double var = 0;
    for (double r : raw) {
      var += (r - mean) * (r - mean);
    }
    double std = Math.sqrt(var / raw.length);
    if (!(std > 1e-12)) {
      throw new IllegalArgumentException(
          "the " + raw.length + " reference samples all score " + mean + "; cannot scale to std 1");
    }
    return new Normalization(1 / std, -mean / std);
  }

  private double[] rawScores(CausalLm model, List<int[]> prompts, List<int[]> responses, int pad) {
    return RewardModel.rawScores(model, prompts, responses, pad, config.scoreBatch());
  }

  @SuppressWarnings("unchecked")
  private List<int[]>[] encodeNormalization(NormalizationSet set, Tokenizer tokenizer, CausalLm model) {
    List<int[]> prompts = new ArrayList<>();
    List<int[]> responses = new ArrayList<>();
    if (config.normalization() == RewardConfig.Normalization.NONE) {
      return new List[] {prompts, responses};
    }
    if (set == null) {
      throw new IllegalArgumentException(
          "normalisation " + config.normalization() + " needs a normalisation set ("
              + (config.normalization() == RewardConfig.Normalization.DEMONSTRATIONS
                  ? "labeler demonstrations" : "reference-policy samples") + ")");
    }
    if (config.normalization() == RewardConfig.Normalization.REFERENCE_SAMPLES && set.prompts().size() < 2) {
      throw new IllegalArgumentException("REFERENCE_SAMPLES needs at least 2 samples to measure a spread");
    }
    int ctx = model.contextLength();
    for (int i = 0; i < set.prompts().size(); i++) {
      int[] p = tokenizer.encode(set.prompts().get(i));
      int[] r = RewardModel.withEos(tokenizer.encode(set.responses().get(i)), tokenizer.eosId());
      if (p.length == 0 || p.length + r.length > ctx) {
        throw new IllegalArgumentException(
            "normalisation pair #" + (i + 1) + ": prompt (" + p.length + " tokens) + response with EOS ("
                + r.length + ") must be 1.." + ctx + " tokens");
      }
      prompts.add(p);
      responses.add(r);
    }
    return new List[] {prompts, responses};
  }

  private JsonNode resume(Path ckpt, CausalLm model, AdamW opt) throws IOException {
    try (NDManager tmp = model.manager().newSubManager()) {
      Checkpoint.ResumeState rs = ModelCheckpoints.restore(ckpt, model, tmp);
      JsonNode state = JSON.readTree(rs.trainerStateJson());
      opt.load(rs.optimizerState(), state.path("step").asLong());
      return state;
    }
  }

  private void saveResumable(
      Path ckpt, CausalLm model, AdamW opt, ModelConfigFile base, Path tok, long step, long total, int prompts, double elapsed)
      throws IOException {
    ObjectNode state = JSON.createObjectNode();
    state.put("trainer", "reward");
    state.put("step", step);
    state.put("total_steps", total);
    state.put("prompts", prompts);
    state.put("seed", config.seed());
    state.put("elapsed_s", elapsed);
    ModelCheckpoints.save(ckpt, model, base, tok, new Checkpoint.ResumeState(state.toString(), opt.state()));
  }

  private void writeRunConfig(Path out, CausalLm model, List<Encoded> data, long totalSteps) throws IOException {
    ObjectNode root = JSON.createObjectNode();
    root.set("reward", JSON.valueToTree(config));
    root.set("model", JSON.valueToTree(model.config()));
    root.put("parameters", model.parameterCount());
    root.put("rankings", data.size());
    long pairs = 0;
    long rows = 0;
    for (Encoded e : data) {
      pairs += e.ranking().pairs().size();
      rows += e.k();
    }
    root.put("pairs", pairs);
    root.put("responses", rows);
    root.put("total_steps", totalSteps);
    AtomicFiles.writeString(out.resolve("run_config.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root));
  }

  static String keptMessage(Path ckpt) {
    return Files.isDirectory(ckpt)
        ? "the last good checkpoint in " + ckpt + " is intact"
        : "no checkpoint had been written yet";
  }
}
