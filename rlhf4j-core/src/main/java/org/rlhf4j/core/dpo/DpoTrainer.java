package org.rlhf4j.core.dpo;

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
import java.util.List;
import java.util.Map;
import org.rlhf4j.core.checkpoint.AtomicFiles;
import org.rlhf4j.core.checkpoint.Checkpoint;
import org.rlhf4j.core.checkpoint.ModelCheckpoints;
import org.rlhf4j.core.generate.PromptResponseBatch;
import org.rlhf4j.core.checkpoint.ModelConfigFile;
import org.rlhf4j.core.model.CausalLm;
import org.rlhf4j.core.model.ResponseScoring;
import org.rlhf4j.core.reward.PreferenceMath;
import org.rlhf4j.core.reward.PreferenceMath.PairIndex;
import org.rlhf4j.core.reward.TokenizedRankings;
import org.rlhf4j.core.reward.TokenizedRankings.Encoded;
import org.rlhf4j.core.tokenizer.Tokenizer;
import org.rlhf4j.core.train.AdamW;
import org.rlhf4j.core.train.Metrics;
import org.rlhf4j.core.train.MetricsLog;
import org.rlhf4j.core.train.StepListener;
import org.rlhf4j.core.train.TrainingDivergedException;
import org.rlhf4j.data.Ranking;

/**
 * Direct preference optimisation (Rafailov et al. 2023): fine-tunes a policy on preferences with
 * the loss {@code -log sigma(beta [(log pi(y_w) - log ref(y_w)) - (log pi(y_l) - log ref(y_l))])},
 * no reward model and no sampling, against a frozen reference (normally the SFT model). The IPO
 * loss (Azar et al. 2023) is a setting.
 *
 * <p>Details:
 *
 * <ul>
 *   <li>Sequence log-probs are sums over the response tokens and the appended EOS (the EOS is part
 *       of what was preferred: it decides where the response ends); prompt and padding are masked.
 *   <li>K-way rankings expand to their non-tied pairs, but each response is forwarded once by the
 *       policy and once by the reference; pairs index into those rows (as in the reward model), and
 *       each prompt weighs the same.
 *   <li>Dropout is off in both models (TRL's {@code disable_dropout}), so at step 0, with the policy
 *       equal to the reference, h = 0 exactly and the loss is log 2.
 *   <li>The reference runs before the gradient collector opens, in its own sub-manager; only its
 *       log-probs (Java floats) enter the policy step.
 * </ul>
 *
 * <p>Output directory as for the reward model: {@code run_config.json}, {@code metrics.jsonl},
 * {@code checkpoint/} (resumable) and {@code final/} (the policy, a language model).
 */
public final class DpoTrainer {
  /** Fraction of pairs whose implicit reward beta (log pi - log ref) is higher for the winner. */
  public static final String ACCURACY = "dpo/accuracy";
  /** Mean implicit-reward margin beta h over pairs. */
  public static final String MARGIN = "dpo/margin";
  /** Mean implicit reward beta (log pi(y_w) - log ref(y_w)) of the preferred responses. */
  public static final String CHOSEN_REWARD = "dpo/chosen_reward";
  /** Mean implicit reward of the dispreferred responses. */
  public static final String REJECTED_REWARD = "dpo/rejected_reward";
  /** Mean policy log-prob (sum over response tokens + EOS) of the preferred responses. */
  public static final String CHOSEN_LOGP = "dpo/chosen_logp";
  /** Mean policy log-prob of the dispreferred responses. */
  public static final String REJECTED_LOGP = "dpo/rejected_logp";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final DpoConfig config;
  private final StepListener listener;

  /** Rows forwarded by the policy and by the reference, for the one-forward-per-response test. */
  long policyRows;
  long referenceRows;

  public DpoTrainer(DpoConfig config, StepListener listener) {
    this.config = config;
    this.listener = listener == null ? StepListener.NONE : listener;
  }

  /** What a finished run reports. */
  public record Result(long steps, double finalLoss, double finalAccuracy, double seconds) {}

  /**
   * Implicit-reward statistics over a set of pairs, as sums (merge with {@link #plus}).
   *
   * @param correct pairs with r_w > r_l (ties half)
   * @param marginSum sum of r_w - r_l
   * @param chosenReward sum of r_w
   * @param rejectedReward sum of r_l
   * @param chosenLogp sum of log pi(y_w)
   * @param rejectedLogp sum of log pi(y_l)
   * @param pairs number of pairs
   */
  public record PairMetrics(
      double correct, double marginSum, double chosenReward, double rejectedReward,
      double chosenLogp, double rejectedLogp, long pairs) {
    static final PairMetrics EMPTY = new PairMetrics(0, 0, 0, 0, 0, 0, 0);

    static PairMetrics of(float[] policy, float[] reference, PairIndex index, double beta) {
      double c = 0;
      double m = 0;
      double cr = 0;
      double rr = 0;
      double cl = 0;
      double rl = 0;
      for (int p = 0; p < index.size(); p++) {
        int w = index.winners()[p];
        int l = index.losers()[p];
        double rw = beta * ((double) policy[w] - reference[w]);
        double rlo = beta * ((double) policy[l] - reference[l]);
        c += rw > rlo ? 1 : rw == rlo ? 0.5 : 0;
        m += rw - rlo;
        cr += rw;
        rr += rlo;
        cl += policy[w];
        rl += policy[l];
      }
      return new PairMetrics(c, m, cr, rr, cl, rl, index.size());
    }

    PairMetrics plus(PairMetrics o) {
      return new PairMetrics(correct + o.correct, marginSum + o.marginSum, chosenReward + o.chosenReward,
          rejectedReward + o.rejectedReward, chosenLogp + o.chosenLogp, rejectedLogp + o.rejectedLogp, pairs + o.pairs);
    }

    public double accuracy() {
      return correct / pairs;
    }

    public double meanMargin() {
      return marginSum / pairs;
    }

    /** The metrics under their declared names. */
    public Map<String, Double> asMap() {
      Map<String, Double> out = new LinkedHashMap<>();
      out.put(ACCURACY, accuracy());
      out.put(MARGIN, meanMargin());
      out.put(CHOSEN_REWARD, chosenReward / pairs);
      out.put(REJECTED_REWARD, rejectedReward / pairs);
      out.put(CHOSEN_LOGP, chosenLogp / pairs);
      out.put(REJECTED_LOGP, rejectedLogp / pairs);
      return out;
    }
  }

  /**
   * Trains {@code policy} in place against the frozen {@code reference}, resuming from {@code
   * out/checkpoint} when it holds a state, and writes {@code out/final}.
   *
   * @param reference the policy's starting model with its own weights (for example the SFT
   *     checkpoint loaded a second time), never modified; one that shares storage with the policy
   *     is rejected
   * @param source names the data in error messages (e.g. its file), or null
   * @throws IllegalArgumentException for bad input, before any training
   * @throws TrainingDivergedException naming the quantity that became NaN or infinite
   */
  public Result run(
      CausalLm policy,
      CausalLm reference,
      Tokenizer tokenizer,
      List<Ranking> rankings,
      String source,
      Path out,
      ModelConfigFile baseConfig,
      Path tokenizerJson)
      throws IOException {
    // 1. Input checks before any work.
    if (policy == reference) {
      throw new IllegalArgumentException("the reference must be a separate frozen model (e.g. policy.copy())");
    }
    checkSameShape(policy, reference);
    checkNotAliased(policy, reference);
    List<Encoded> data = TokenizedRankings.encode(rankings, tokenizer, policy, source);
    int pad = tokenizer.padId();

    Files.createDirectories(out);
    Path ckpt = out.resolve("checkpoint");
    MetricsLog log = new MetricsLog(out.resolve("metrics.jsonl"));
    long totalSteps = config.epochs() * config.stepsPerEpoch(data.size());
    writeRunConfig(out, policy, data, totalSteps);

    reference.setTraining(false);
    reference.setRequiresGradient(false);
    policy.setTraining(false);
    policy.setRequiresGradient(true);
    double lastLoss = Double.NaN;
    double lastAccuracy = Double.NaN;
    long step = 0;
    double elapsedBefore = 0;
    long start = System.nanoTime();
    try (AdamW opt = new AdamW(policy.parameters(), config.optimizer(), policy.manager())) {
      if (Checkpoint.hasResumeState(ckpt)) {
        JsonNode state;
        try (NDManager tmp = policy.manager().newSubManager()) {
          Checkpoint.ResumeState rs = ModelCheckpoints.restore(ckpt, policy, tmp);
          state = JSON.readTree(rs.trainerStateJson());
          opt.load(rs.optimizerState(), state.path("step").asLong());
        }
        step = state.path("step").asLong();
        elapsedBefore = state.path("elapsed_s").asDouble();
        if (state.path("prompts").asLong() != data.size() || state.path("seed").asLong() != config.seed()) {
          throw new IllegalArgumentException(ckpt + " was written for another dataset or seed: use a new output directory");
        }
        log.truncateAfter(step);
      } else {
        log.truncateAfter(-1);
      }
      // 2. Optimizer steps over batches of prompts, micro-batches accumulated into one update.
      while (step < totalSteps) {
        List<Encoded> batch = TokenizedRankings.batchAt(data, config.promptsPerBatch(), config.seed(), step);
        double loss = 0;
        PairMetrics metrics = PairMetrics.EMPTY;
        for (int s = 0; s < batch.size(); s += config.promptsPerMicroBatch()) {
          List<Encoded> micro = batch.subList(s, Math.min(batch.size(), s + config.promptsPerMicroBatch()));
          PairIndex index = PreferenceMath.pairIndex(TokenizedRankings.rankings(micro), batch.size());
          PromptResponseBatch b = TokenizedRankings.layout(micro, pad, policy.contextLength());
          float[] ref = referenceLogps(reference, b, step);
          float[] pol = new float[ref.length];
          loss += policyStep(policy, b, ref, index, pol, step);
          metrics = metrics.plus(PairMetrics.of(pol, ref, index, config.beta()));
        }
        AdamW.StepInfo info = opt.step(totalSteps, "DPO step " + (step + 1), () -> keptMessage(ckpt));
        step++;
        lastLoss = loss;
        lastAccuracy = metrics.accuracy();
        if (step % config.logEvery() == 0 || step == totalSteps) {
          Map<String, Double> m = new LinkedHashMap<>();
          m.put(Metrics.STEP, (double) step);
          m.put(Metrics.TRAIN_LOSS, loss);
          m.putAll(metrics.asMap());
          m.put(Metrics.LEARNING_RATE, info.learningRate());
          m.put(Metrics.GRAD_NORM, info.gradNorm());
          m.put(Metrics.ELAPSED_SECONDS, elapsedBefore + (System.nanoTime() - start) / 1e9);
          log.append(m);
          listener.onStep(step, totalSteps, m);
        }
        if ((config.checkpointEvery() > 0 && step % config.checkpointEvery() == 0) || step == totalSteps) {
          saveResumable(ckpt, policy, opt, baseConfig, tokenizerJson, step, totalSteps, data.size(),
              elapsedBefore + (System.nanoTime() - start) / 1e9);
        }
      }
    } finally {
      policy.setRequiresGradient(false);
    }
    ModelConfigFile cfg = (baseConfig == null ? ModelCheckpoints.configOf(policy) : baseConfig)
        .withExtra("rlhf4j_dpo_steps", step)
        .withExtra("rlhf4j_dpo_beta", config.beta())
        .withExtra("rlhf4j_dpo_loss", config.loss().name().toLowerCase(java.util.Locale.ROOT));
    ModelCheckpoints.save(out.resolve("final"), policy, cfg, tokenizerJson, null);
    return new Result(step, lastLoss, lastAccuracy, elapsedBefore + (System.nanoTime() - start) / 1e9);
  }

  /**
   * Implicit-reward accuracy and margins of {@code policy} against {@code reference} on held-out
   * rankings, without gradients.
   */
  public PairMetrics evaluate(CausalLm policy, CausalLm reference, Tokenizer tokenizer, List<Ranking> rankings) {
    checkSameShape(policy, reference);
    List<Encoded> data = TokenizedRankings.encode(rankings, tokenizer, policy, null);
    boolean was = policy.isTraining();
    policy.setTraining(false);
    reference.setTraining(false);
    try {
      PairMetrics total = PairMetrics.EMPTY;
      for (int s = 0; s < data.size(); s += config.promptsPerMicroBatch()) {
        List<Encoded> micro = data.subList(s, Math.min(data.size(), s + config.promptsPerMicroBatch()));
        PromptResponseBatch b = TokenizedRankings.layout(micro, tokenizer.padId(), policy.contextLength());
        PairIndex index = PreferenceMath.pairIndex(TokenizedRankings.rankings(micro), micro.size());
        float[] ref = referenceLogps(reference, b, -1);
        float[] pol;
        policyRows += b.size();
        try (NDManager m = policy.manager().newSubManager()) {
          pol = sequenceLogps(policy, m, b).toFloatArray();
        }
        total = total.plus(PairMetrics.of(pol, ref, index, config.beta()));
      }
      return total;
    } finally {
      policy.setTraining(was);
    }
  }

  /** Reference log-probs of every row, outside any gradient collector, as Java floats. */
  private float[] referenceLogps(CausalLm reference, PromptResponseBatch b, long step) {
    referenceRows += b.size();
    float[] out;
    try (NDManager m = reference.manager().newSubManager()) {
      out = sequenceLogps(reference, m, b).toFloatArray();
    }
    for (float v : out) {
      if (!Float.isFinite(v)) {
        throw new TrainingDivergedException("reference log-prob is " + v + (step >= 0 ? " at step " + (step + 1) : ""));
      }
    }
    return out;
  }

  /**
   * One forward/backward pass of the policy over a micro-batch; fills {@code policyOut} with the
   * policy's sequence log-probs and returns the micro-batch's share of the loss.
   */
  private double policyStep(CausalLm policy, PromptResponseBatch b, float[] ref, PairIndex index, float[] policyOut, long step) {
    policyRows += b.size();
    try (NDManager m = policy.manager().newSubManager();
        GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      NDArray logps = sequenceLogps(policy, m, b); // (N)
      NDArray loss = DpoLoss.loss(logps, m.create(ref), index, config.loss(), config.beta());
      float[] lp = logps.toFloatArray();
      for (float v : lp) {
        if (!Float.isFinite(v)) {
          throw new TrainingDivergedException("policy log-prob is " + v + " at step " + (step + 1));
        }
      }
      double value = loss.getFloat();
      if (!Double.isFinite(value)) {
        throw new TrainingDivergedException("DPO loss is " + value + " at step " + (step + 1));
      }
      gc.backward(loss);
      System.arraycopy(lp, 0, policyOut, 0, lp.length);
      return value;
    }
  }

  /** Sum (or mean, see {@link DpoConfig#averageLogprobs}) of response-token log-probs: (N). */
  private NDArray sequenceLogps(CausalLm model, NDManager m, PromptResponseBatch b) {
    NDArray tokens = ResponseScoring.responseLogprobs(
        model, m.create(b.ids()), m.create(b.mask()), b.promptWidth(), 1f); // (N, R)
    NDArray mask = m.create(b.responseMask()); // (N, R)
    NDArray sum = tokens.mul(mask).sum(new int[] {1}); // (N)
    return config.averageLogprobs() ? sum.div(mask.sum(new int[] {1})) : sum;
  }

  /**
   * Rejects a reference whose parameters share storage with the policy's: every optimizer step
   * would then move the reference too, h would stay near 0 and DPO would silently train against a
   * moving target. (A shallow copy, such as a {@code toDevice} to the same device, shares storage.)
   * Probed by negating one policy tensor in place and looking at the reference's sign bits, then
   * negating it back, which restores it bit for bit. (Not with {@code NDArray.set(float[])}: DJL's
   * native set enters libtorch's deprecated AutoNonVariableTypeMode, which prints a deprecation
   * warning into every pipeline run's output.)
   */
  static void checkNotAliased(CausalLm policy, CausalLm reference) {
    // A tensor both tables name; none for a LoRA view, whose trainable arrays are the adapter's own.
    String probe = policy.parameters().keySet().stream().filter(reference.parameters()::containsKey).findFirst().orElse(null);
    if (probe == null) {
      return;
    }
    policy.setRequiresGradient(false); // in-place writes to leaves that require grad are refused
    NDArray p = policy.parameters().get(probe);
    NDArray r = reference.parameters().get(probe);
    int before = Float.floatToRawIntBits(r.toFloatArray()[0]);
    p.negi();
    boolean aliased = Float.floatToRawIntBits(r.toFloatArray()[0]) != before;
    p.negi();
    if (aliased) {
      throw new IllegalArgumentException(
          "the reference shares its weights with the policy (a shallow copy); load it separately or "
              + "deep-copy it, or DPO would move the reference with every step");
    }
  }

  private static void checkSameShape(CausalLm a, CausalLm b) {
    if (a.vocabSize() != b.vocabSize() || !a.eosTokenIds().equals(b.eosTokenIds()) || a.contextLength() != b.contextLength()) {
      throw new IllegalArgumentException(
          "policy and reference disagree on vocabulary, EOS or context (" + a.vocabSize() + "/" + b.vocabSize()
              + ", " + a.eosTokenIds() + "/" + b.eosTokenIds() + ", " + a.contextLength() + "/" + b.contextLength()
              + "): the reference must be the policy's starting model");
    }
  }

  private void saveResumable(
      Path ckpt, CausalLm model, AdamW opt, ModelConfigFile base, Path tok, long step, long total, int prompts, double elapsed)
      throws IOException {
    ObjectNode state = JSON.createObjectNode();
    state.put("trainer", "dpo");
    state.put("step", step);
    state.put("total_steps", total);
    state.put("prompts", prompts);
    state.put("seed", config.seed());
    state.put("elapsed_s", elapsed);
    ModelCheckpoints.save(ckpt, model, base, tok, new Checkpoint.ResumeState(state.toString(), opt.state()));
  }

  private void writeRunConfig(Path out, CausalLm model, List<Encoded> data, long totalSteps) throws IOException {
    ObjectNode root = JSON.createObjectNode();
    root.set("dpo", JSON.valueToTree(config));
    root.set("model", JSON.valueToTree(model.config()));
    root.put("parameters", model.parameterCount());
    root.put("rankings", data.size());
    long pairs = 0;
    for (Encoded e : data) {
      pairs += e.ranking().pairs().size();
    }
    root.put("pairs", pairs);
    root.put("total_steps", totalSteps);
    AtomicFiles.writeString(out.resolve("run_config.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root));
  }

  private static String keptMessage(Path ckpt) {
    return Files.isDirectory(ckpt)
        ? "the last good checkpoint in " + ckpt + " is intact"
        : "no checkpoint had been written yet";
  }
}
