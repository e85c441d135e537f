package org.rlhf4j.core.ppo;

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
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.rlhf4j.core.checkpoint.AtomicFiles;
import org.rlhf4j.core.checkpoint.Checkpoint;
import org.rlhf4j.core.checkpoint.ModelConfigFile;
import org.rlhf4j.core.checkpoint.ModelCheckpoints;
import org.rlhf4j.core.generate.Generation;
import org.rlhf4j.core.generate.Generator;
import org.rlhf4j.core.generate.PromptResponseBatch;
import org.rlhf4j.core.generate.SamplingConfig;
import org.rlhf4j.core.model.CausalLm;
import org.rlhf4j.core.model.LmMath;
import org.rlhf4j.core.model.ResponseScoring;
import org.rlhf4j.core.model.Scalars;
import org.rlhf4j.core.reward.RewardFunction;
import org.rlhf4j.core.tokenizer.Tokenizer;
import org.rlhf4j.core.train.AdamW;
import org.rlhf4j.core.train.EpochOrder;
import org.rlhf4j.core.train.Metrics;
import org.rlhf4j.core.train.MetricsLog;
import org.rlhf4j.core.train.Pretrainer;
import org.rlhf4j.core.train.StepListener;
import org.rlhf4j.core.train.TokenWindows;
import org.rlhf4j.core.train.TrainingDivergedException;

/**
 * PPO for language models as InstructGPT trained it (section 3.5, appendix C.4), with the
 * implementation details catalogued by Huang et al. (2024, "The N+ implementation details of RLHF
 * with PPO"), each behind a {@link PpoConfig} setting. One iteration, {@link #iteration}, runs the
 * numbered phases:
 *
 * <ol>
 *   <li>rollout: sample responses at the rollout temperature, left-padded prompts, cut at the
 *       first EOS;
 *   <li>score: the reward function at EOS; the EOS trick for responses without one;
 *   <li>KL penalty per token against the frozen reference, fixed or adaptive beta;
 *   <li>advantages: optional reward whitening, GAE (gamma 1, lambda 0.95), advantage whitening;
 *   <li>update: epochs over mini-batches of the clipped policy loss and the clipped value loss;
 *   <li>PPO-ptx: gamma times a pretraining next-token loss in the same optimizer step;
 *   <li>EMA of the policy weights, the final model.
 * </ol>
 *
 * <p>Four models: the policy (trained), the reference (frozen SFT), the value network (trained,
 * separate, initialised from the reward model) and the reward function (frozen, any
 * {@link RewardFunction}). Frozen models run outside the gradient collector and with dropout off;
 * so do the policy's rollout and old-log-prob passes, so rollout and training log-probs agree.
 *
 * <p>Memory: rollout data are Java arrays; every forward pass runs in a sub-manager that is
 * closed after it.
 */
public final class PpoTrainer {
  public static final String RM_SCORE = "objective/rm_score";
  public static final String KL = "objective/kl";
  public static final String KL_COEF = "objective/kl_coef";
  public static final String NON_SCORE_REWARD = "objective/non_score_reward";
  public static final String ENTROPY = "objective/entropy";
  public static final String CLIP_FRAC = "policy/clipfrac";
  public static final String APPROX_KL = "policy/approxkl";
  public static final String LOGPROB_MISMATCH = "policy/rollout_logprob_mismatch";
  public static final String POLICY_GRAD_NORM = "policy/grad_norm";
  public static final String VALUE_GRAD_NORM = "val/grad_norm";
  public static final String POLICY_LOSS = "loss/policy";
  public static final String VALUE_LOSS = "loss/value";
  public static final String PTX_LOSS = "loss/ptx";
  public static final String VALUE_CLIP_FRAC = "val/clipfrac";
  public static final String EXPLAINED_VARIANCE = "val/explained_variance";
  public static final String VALUE_MEAN = "val/mean";
  public static final String RESPONSE_LENGTH = "response/length";
  public static final String EOS_RATE = "response/eos_rate";
  public static final String TIME_GENERATE = "time/generate_s";
  public static final String TIME_SCORE = "time/score_s";
  public static final String TIME_TRAIN = "time/train_s";

  private static final ObjectMapper JSON = new ObjectMapper();

  /** The resumable state under the run directory, and its aside name while a new one is placed. */
  public static final String CHECKPOINT_DIR = "checkpoint";

  public static final String CHECKPOINT_ASIDE = ".checkpoint-old";

  /**
   * The four models and the policy's tokenizer. The trainer changes {@code policy} and {@code
   * value} in place and never closes any of them.
   */
  public record Models(CausalLm policy, CausalLm reference, CausalLm value, Tokenizer tokenizer, RewardFunction reward) {
    public Models {
      if (!value.hasScoreHead()) {
        throw new IllegalArgumentException("the value model needs a scalar head (initialise it from the reward model)");
      }
      if (!policy.config().equals(reference.config())) {
        throw new IllegalArgumentException("policy and reference must have the same shape");
      }
    }
  }

  /** Sees every rollout (for example to score it with a gold judge while training). */
  @FunctionalInterface
  public interface RolloutListener {
    /**
     * @param iteration 1-based iteration
     * @param prompts prompt texts
     * @param responses decoded responses (EOS removed, stripped)
     * @param scores reward-function scores (after the EOS trick)
     * @param kl per-episode KL to the reference (sum over tokens of the configured estimator)
     */
    void onRollout(int iteration, List<String> prompts, List<String> responses, double[] scores, double[] kl)
        throws IOException;
  }

  /** What a finished run reports. */
  public record Result(int iterations, double finalScore, double finalKl, double beta, Path finalModel, double seconds) {}

  private final PpoConfig config;
  private final StepListener listener;
  private final RolloutListener rolloutListener;
  private double beta;

  public PpoTrainer(PpoConfig config, StepListener listener, RolloutListener rolloutListener) {
    this.config = config;
    this.listener = listener == null ? StepListener.NONE : listener;
    this.rolloutListener = rolloutListener;
    this.beta = config.kl().beta();
  }

  /** Optimizer steps in the whole run (sets the LR schedule). */
  public long totalOptimizerSteps() {
    return (long) config.iterations() * config.objective().epochs() * (config.rollout().episodes() / config.objective().miniBatch());
  }

  /**
   * Trains the policy on {@code prompts}, resuming from {@code out/checkpoint} when present.
   *
   * @param pretrain pretraining windows for PPO-ptx (required when it is enabled)
   * @param policyBase config to save with the policy (extras kept), or null
   * @param tokenizerJson copied into saved checkpoints, or null
   */
  public Result run(Models models, List<String> prompts, TokenWindows pretrain, Path out, ModelConfigFile policyBase,
      ModelConfigFile valueBase, Path tokenizerJson) throws IOException {
    if (prompts.isEmpty()) {
      throw new IllegalArgumentException("no prompts to train on");
    }
    if (config.ptx().enabled() && pretrain == null) {
      throw new IllegalArgumentException("PPO-ptx is enabled but no pretraining text was given");
    }
    Files.createDirectories(out);
    writeRunConfig(out, models, prompts.size());
    MetricsLog log = new MetricsLog(out.resolve("metrics.jsonl"));
    List<int[]> promptTokens = models.tokenizer().encodeBatch(prompts);
    CausalLm policy = models.policy();
    CausalLm value = models.value();
    policy.setTraining(false); // dropout off in every PPO forward pass (Huang et al. 2024)
    value.setTraining(false);
    models.reference().setTraining(false);
    // Gradients are recorded only inside a GradientCollector, so the rollout and old-log-prob
    // passes build no graph even though the parameters require gradients throughout.
    policy.setRequiresGradient(true);
    value.setRequiresGradient(true);
    models.reference().setRequiresGradient(false);
    CausalLm ema = config.ema().enabled() ? policy.copy() : null;
    try (AdamW policyOpt = new AdamW(policy.parameters(), config.policyOptimizer(), policy.manager());
        AdamW valueOpt = new AdamW(value.parameters(), config.valueOptimizer(), value.manager())) {
      int start = 0;
      double elapsedBefore = 0;
      Path ckpt = out.resolve(CHECKPOINT_DIR);
      AtomicFiles.recoverDirectory(ckpt, out.resolve(CHECKPOINT_ASIDE));
      if (Files.isDirectory(ckpt)) {
        Path from = ckpt;
        JsonNode state = JSON.readTree(Files.readString(from.resolve("ppo_state.json")));
        start = state.path("iteration").asInt();
        beta = state.path("beta").asDouble();
        elapsedBefore = state.path("elapsed_s").asDouble();
        restore(from.resolve("policy"), policy, policyOpt);
        restore(from.resolve("value"), value, valueOpt);
        if (ema != null) {
          restore(from.resolve("ema"), ema, null);
        }
        log.truncateAfter(start);
      } else {
        log.truncateAfter(-1);
      }
      long t0 = System.nanoTime();
      Map<String, Double> last = Map.of();
      for (int it = start; it < config.iterations(); it++) {
        last = iteration(it, models, promptTokens, prompts, pretrain, ema, policyOpt, valueOpt);
        last.put(Metrics.ELAPSED_SECONDS, elapsedBefore + (System.nanoTime() - t0) / 1e9);
        log.append(last);
        listener.onStep(it + 1, config.iterations(), last);
        boolean ckptNow = config.checkpointEvery() > 0 && (it + 1) % config.checkpointEvery() == 0 && it + 1 < config.iterations();
        if (ckptNow) {
          saveCheckpoint(out, it + 1, elapsedBefore + (System.nanoTime() - t0) / 1e9, policy, value, ema, policyOpt,
              valueOpt, policyBase, valueBase, tokenizerJson);
        }
      }
      policy.setRequiresGradient(false);
      value.setRequiresGradient(false);
      ModelCheckpoints.save(out.resolve("policy"), policy, policyBase, tokenizerJson, null);
      ModelCheckpoints.save(out.resolve("value"), value, valueBase, tokenizerJson, null);
      Path finalModel = out.resolve("final");
      ModelCheckpoints.save(finalModel, ema != null ? ema : policy, policyBase, tokenizerJson, null);
      return new Result(config.iterations(), last.getOrDefault(RM_SCORE, Double.NaN), last.getOrDefault(KL, Double.NaN),
          beta, finalModel, elapsedBefore + (System.nanoTime() - t0) / 1e9);
    } finally {
      if (ema != null) {
        ema.close();
      }
    }
  }

  /** One PPO iteration: phases 1-7 of the class comment. Returns its metrics. */
  Map<String, Double> iteration(int it, Models models, List<int[]> promptTokens, List<String> promptTexts,
      TokenWindows pretrain, CausalLm ema, AdamW policyOpt, AdamW valueOpt) throws IOException {
    PpoConfig.Rollout ro = config.rollout();
    PpoConfig.Objective ob = config.objective();
    CausalLm policy = models.policy();
    Tokenizer tok = models.tokenizer();
    int n = ro.episodes();
    float temp = ro.temperature();

    // 1. Rollout: episodes k = it * n .. it * n + n - 1 walk a per-epoch permutation of the prompts.
    long tGen = System.nanoTime();
    int[][] prompts = new int[n][];
    List<String> texts = new ArrayList<>(n);
    for (int j = 0; j < n; j++) {
      long k = (long) it * n + j;
      int idx = EpochOrder.permutation(promptTokens.size(), config.seed(), k / promptTokens.size())[(int) (k % promptTokens.size())];
      prompts[j] = promptTokens.get(idx);
      texts.add(promptTexts.get(idx));
    }
    int[][] responses = new int[n][];
    float[][] rolloutLogp = new float[n][];
    boolean[] eos = new boolean[n];
    for (int s = 0; s < n; s += ro.generationBatch()) {
      int e = Math.min(n, s + ro.generationBatch());
      SamplingConfig sc = new SamplingConfig(ro.maxNewTokens(), temp, 0, 1f, config.seed() * 1_000_003L + (long) it * 7919 + s);
      Generation g = Generator.generate(policy, Arrays.asList(prompts).subList(s, e), sc);
      for (int i = s; i < e; i++) {
        prompts[i] = g.prompts()[i - s]; // possibly left-truncated to fit the context
        responses[i] = g.responses()[i - s];
        rolloutLogp[i] = g.logprobs()[i - s];
        eos[i] = g.endedWithEos()[i - s];
      }
    }
    int[] lengths = new int[n];
    List<String> responseTexts = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      lengths[i] = responses[i].length;
      int[] visible = eos[i] ? Arrays.copyOf(responses[i], responses[i].length - 1) : responses[i];
      responseTexts.add(tok.decode(visible).strip());
    }
    double genSeconds = (System.nanoTime() - tGen) / 1e9;

    // 2. Score at EOS. The EOS trick: no EOS within the budget -> a fixed penalty instead.
    long tScore = System.nanoTime();
    double[] scores = models.reward().score(texts, responseTexts);
    int withEos = 0;
    for (int i = 0; i < n; i++) {
      if (!Double.isFinite(scores[i])) {
        throw new TrainingDivergedException("reward score is " + scores[i] + " for episode " + i + " of iteration " + (it + 1));
      }
      if (eos[i]) {
        withEos++;
      } else if (ro.eosPenalty() != null) {
        scores[i] = ro.eosPenalty();
      }
    }
    double scoreSeconds = (System.nanoTime() - tScore) / 1e9;

    // 3. Old log-probs, reference log-probs and values, recomputed by full forward passes with
    //    dropout off and logits / temperature, exactly as the update will compute them.
    long tTrain = System.nanoTime();
    float[][] oldLogp = new float[n][];
    float[][] refLogp = new float[n][];
    float[][] values = new float[n][];
    for (int s = 0; s < n; s += ob.miniBatch()) {
      int e = Math.min(n, s + ob.miniBatch());
      PromptResponseBatch b = PromptResponseBatch.of(Arrays.copyOfRange(prompts, s, e), Arrays.copyOfRange(responses, s, e),
          policy.padTokenId(), policy.contextLength());
      try (NDManager m = policy.manager().newSubManager()) {
        NDArray ids = m.create(b.ids());
        NDArray mask = m.create(b.mask());
        float[][] lp = rows(ResponseScoring.responseLogprobs(policy, ids, mask, b.promptWidth(), temp), e - s);
        float[][] rlp = rows(ResponseScoring.responseLogprobs(models.reference(), ids, mask, b.promptWidth(), temp), e - s);
        float[][] v = rows(ResponseScoring.responseValues(models.value(), ids, mask, b.promptWidth()), e - s);
        for (int i = s; i < e; i++) {
          oldLogp[i] = Arrays.copyOf(lp[i - s], lengths[i]);
          refLogp[i] = Arrays.copyOf(rlp[i - s], lengths[i]);
          values[i] = Arrays.copyOf(v[i - s], lengths[i]);
        }
      }
    }
    double[][] kl = PpoMath.klPerToken(oldLogp, refLogp, lengths, config.kl().estimator());
    float[][] rewards = new float[n][];
    double[] klEpisode = new double[n];
    double nonScore = 0;
    double mismatch = 0;
    long tokens = 0;
    for (int i = 0; i < n; i++) {
      rewards[i] = new float[lengths[i]];
      for (int t = 0; t < lengths[i]; t++) {
        rewards[i][t] = (float) (-beta * kl[i][t]); // per-token KL penalty
        klEpisode[i] += kl[i][t];
        mismatch += Math.abs(rolloutLogp[i][t] - oldLogp[i][t]);
        tokens++;
      }
      nonScore += -beta * klEpisode[i];
      if (lengths[i] > 0) {
        rewards[i][lengths[i] - 1] += (float) scores[i]; // the score lands on the last (EOS) token
      }
    }
    double meanKl = mean(klEpisode);
    warnIfKlNegative(it, klEpisode);
    if (rolloutListener != null) {
      rolloutListener.onRollout(it + 1, texts, responseTexts, scores.clone(), klEpisode.clone());
    }

    // 4. Advantages: optional reward whitening, GAE, advantage whitening.
    float[][] r = ob.whitenRewards() ? PpoMath.whiten(rewards, lengths, false) : rewards;
    float[][][] gae = PpoMath.gae(r, values, lengths, ob.gamma(), ob.lambda());
    float[][] advantages = ob.whitenAdvantages() ? PpoMath.whiten(gae[0], lengths, true) : gae[0];
    float[][] returns = gae[1];

    // 5 + 6 + 7. Epochs over mini-batches; PPO-ptx in the same step; EMA after each step.
    double pgLoss = 0;
    double vfLoss = 0;
    double clipFrac = 0;
    double vClipFrac = 0;
    double approxKl = 0;
    double entropy = 0;
    double ptxLoss = 0;
    double policyGradNorm = 0;
    double valueGradNorm = 0;
    int updates = 0;
    long total = totalOptimizerSteps();
    SplittableRandom shuffle = new SplittableRandom(config.seed() * 31 + it);
    for (int epoch = 0; epoch < ob.epochs(); epoch++) {
      int[] order = EpochOrder.shuffle(n, shuffle);
      for (int s = 0; s < n; s += ob.miniBatch()) {
        int[] idx = Arrays.copyOfRange(order, s, Math.min(n, s + ob.miniBatch()));
        double[] stats = update(models, idx, prompts, responses, oldLogp, values, advantages, returns, lengths, temp);
        if (config.ptx().enabled()) {
          ptxLoss += ptxStep(policy, pretrain, policyOpt.stepCount(), idx.length);
        }
        // A non-finite gradient norm, policy or value, stops the run: no checkpoint is written
        // after this iteration, so the last good one stays.
        String what = "PPO iteration " + (it + 1) + " mini-batch " + (s / ob.miniBatch() + 1);
        policyGradNorm += policyOpt.step(total, what + " (policy)", () -> "the last good checkpoint is intact").gradNorm();
        valueGradNorm += valueOpt.step(total, what + " (value)", () -> "the last good checkpoint is intact").gradNorm();
        pgLoss += stats[0];
        vfLoss += stats[1];
        clipFrac += stats[2];
        vClipFrac += stats[3];
        approxKl += stats[4];
        entropy += stats[5];
        if (ema != null) {
          emaUpdate(ema, policy, config.ema().decay());
        }
        updates++;
      }
    }
    double trainSeconds = (System.nanoTime() - tTrain) / 1e9;

    Map<String, Double> m = new LinkedHashMap<>();
    m.put(Metrics.STEP, (double) (it + 1));
    m.put(RM_SCORE, mean(scores));
    m.put(KL, meanKl);
    m.put(KL_COEF, beta);
    m.put(NON_SCORE_REWARD, nonScore / n);
    m.put(ENTROPY, entropy / updates);
    m.put(CLIP_FRAC, clipFrac / updates);
    m.put(APPROX_KL, approxKl / updates);
    m.put(LOGPROB_MISMATCH, tokens == 0 ? 0 : mismatch / tokens);
    m.put(POLICY_LOSS, pgLoss / updates);
    m.put(POLICY_GRAD_NORM, policyGradNorm / updates);
    m.put(VALUE_GRAD_NORM, valueGradNorm / updates);
    m.put(VALUE_LOSS, vfLoss / updates);
    if (config.ptx().enabled()) {
      m.put(PTX_LOSS, ptxLoss / updates);
    }
    m.put(VALUE_CLIP_FRAC, vClipFrac / updates);
    m.put(EXPLAINED_VARIANCE, PpoMath.explainedVariance(values, returns, lengths));
    m.put(VALUE_MEAN, PpoMath.maskedMean(values, lengths));
    m.put(RESPONSE_LENGTH, (double) tokens / n);
    m.put(EOS_RATE, (double) withEos / n);
    m.put(TIME_GENERATE, genSeconds);
    m.put(TIME_SCORE, scoreSeconds);
    m.put(TIME_TRAIN, trainSeconds);
    for (Map.Entry<String, Double> e : m.entrySet()) {
      if (e.getValue().isInfinite() || (e.getValue().isNaN() && !e.getKey().equals(EXPLAINED_VARIANCE))) {
        throw new TrainingDivergedException(e.getKey() + " is " + e.getValue() + " in iteration " + (it + 1));
      }
    }
    // Adaptive KL (Ziegler et al. 2019) acts on the next iteration's penalty.
    if (config.kl().adaptive()) {
      beta = PpoMath.adaptiveBeta(beta, meanKl, config.kl().target(), config.kl().horizon(), n);
    }
    return m;
  }

  /**
   * Phase 5 for one mini-batch: policy and value losses, backward. Returns {policy loss, value
   * loss, clip fraction, value clip fraction, approximate KL, entropy}.
   */
  private double[] update(Models models, int[] idx, int[][] prompts, int[][] responses, float[][] oldLogp,
      float[][] oldValues, float[][] advantages, float[][] returns, int[] lengths, float temp) {
    CausalLm policy = models.policy();
    int b = idx.length;
    int[][] p = new int[b][];
    int[][] r = new int[b][];
    for (int i = 0; i < b; i++) {
      p[i] = prompts[idx[i]];
      r[i] = responses[idx[i]];
    }
    PromptResponseBatch batch = PromptResponseBatch.of(p, r, policy.padTokenId(), policy.contextLength());
    int width = batch.responseWidth();
    float[][] old = pack(oldLogp, idx, width);
    float[][] ov = pack(oldValues, idx, width);
    float[][] adv = pack(advantages, idx, width);
    float[][] ret = pack(returns, idx, width);
    PpoConfig.Objective ob = config.objective();
    try (NDManager m = policy.manager().newSubManager();
        GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      NDArray ids = m.create(batch.ids());
      NDArray mask = m.create(batch.mask());
      NDArray respMask = m.create(batch.responseMask());
      NDArray logits = ResponseScoring.responseLogits(policy, ids, mask, batch.promptWidth()); // (B, R, V)
      NDArray logp = LmMath.tokenLogprobs(logits, ids.get(":, " + batch.promptWidth() + ":"), temp); // (B, R)
      NDArray logRatio = logp.sub(m.create(old));
      NDArray[] pg = PpoMath.clippedPolicyLoss(logRatio, m.create(adv), respMask, ob.clip());
      NDArray values = ResponseScoring.responseValues(models.value(), ids, mask, batch.promptWidth()); // (B, R)
      NDArray[] vf = PpoMath.clippedValueLoss(values, m.create(ov), m.create(ret), respMask, ob.valueClip());
      NDArray ent = LmMath.maskedMean(LmMath.entropy(logits, temp), respMask);
      NDArray loss = pg[0].add(Scalars.mul(vf[0], ob.valueCoef()));
      if (ob.entropyCoef() > 0) {
        loss = loss.sub(Scalars.mul(ent, ob.entropyCoef()));
      }
      double l = loss.getFloat();
      if (!Double.isFinite(l)) {
        throw new TrainingDivergedException("PPO loss is " + l);
      }
      gc.backward(loss);
      double approx = LmMath.maskedMean(logRatio.square(), respMask).getFloat() * 0.5;
      return new double[] {pg[0].getFloat(), vf[0].getFloat(), pg[1].getFloat(), vf[1].getFloat(), approx, ent.getFloat()};
    }
  }

  /** Phase 6: gamma times the next-token loss on pretraining windows, in its own backward pass. */
  private double ptxStep(CausalLm policy, TokenWindows pretrain, long step, int episodes) {
    int count = Math.max(1, (int) Math.round(config.ptx().sequencesPerEpisode() * episodes));
    try (NDManager m = policy.manager().newSubManager();
        GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      long[][] windows = new long[count][];
      for (int i = 0; i < count; i++) {
        windows[i] = pretrain.window(step * count + i);
      }
      NDArray loss = Pretrainer.lmLoss(policy, m.create(windows));
      double v = loss.getFloat();
      if (!Double.isFinite(v)) {
        throw new TrainingDivergedException("PPO-ptx pretraining loss is " + v);
      }
      gc.backward(Scalars.mul(loss, (float) config.ptx().coef()));
      return v;
    }
  }

  /** ema <- decay * ema + (1 - decay) * policy, in place. */
  static void emaUpdate(CausalLm ema, CausalLm policy, double decay) {
    for (Map.Entry<String, NDArray> e : ema.parameters().entrySet()) {
      NDArray p = policy.parameters().get(e.getKey());
      try (NDArray scaled = Scalars.mul(p, (float) (1 - decay))) { // closed at once: it lives in the policy's manager
        e.getValue().muli((float) decay).addi(scaled);
      }
    }
  }

  private void warnIfKlNegative(int it, double[] klEpisode) {
    double mean = mean(klEpisode);
    double var = 0;
    for (double k : klEpisode) {
      var += (k - mean) * (k - mean);
    }
    double se = klEpisode.length > 1 ? Math.sqrt(var / (klEpisode.length - 1) / klEpisode.length) : 0;
    if (mean < -Math.max(0.01, 2 * se)) {
      System.err.printf("warning: mean KL to the reference is negative (%.4f nats, standard error %.4f) in iteration %d."
          + " Sampling and training log-probs disagree: check the temperature, dropout and padding (Huang et al. 2024).%n",
          mean, se, it + 1);
    }
  }

  private void saveCheckpoint(Path out, int iteration, double elapsed, CausalLm policy, CausalLm value, CausalLm ema,
      AdamW policyOpt, AdamW valueOpt, ModelConfigFile policyBase, ModelConfigFile valueBase, Path tok) throws IOException {
    Path fresh = out.resolve(".checkpoint-new");
    Path old = out.resolve(CHECKPOINT_ASIDE);
    Path target = out.resolve(CHECKPOINT_DIR);
    AtomicFiles.deleteRecursively(fresh);
    Files.createDirectories(fresh);
    ObjectNode stepState = JSON.createObjectNode().put("step", policyOpt.stepCount());
    ModelCheckpoints.save(fresh.resolve("policy"), policy, policyBase, tok,
        new Checkpoint.ResumeState(stepState.toString(), policyOpt.state()));
    ModelCheckpoints.save(fresh.resolve("value"), value, valueBase, tok,
        new Checkpoint.ResumeState(JSON.createObjectNode().put("step", valueOpt.stepCount()).toString(), valueOpt.state()));
    if (ema != null) {
      ModelCheckpoints.save(fresh.resolve("ema"), ema, policyBase, tok, null);
    }
    ObjectNode state = JSON.createObjectNode();
    state.put("iteration", iteration).put("beta", beta).put("elapsed_s", elapsed);
    AtomicFiles.writeString(fresh.resolve("ppo_state.json"), state.toString());
    // Swap directories: a kill at any point leaves either checkpoint/ or .checkpoint-old/ complete.
    AtomicFiles.replaceDirectory(fresh, target, old);
  }

  private static void restore(Path dir, CausalLm model, AdamW opt) throws IOException {
    try (NDManager tmp = model.manager().newSubManager()) {
      Checkpoint.ResumeState rs = ModelCheckpoints.restore(dir, model, tmp);
      if (opt != null) {
        opt.load(rs.optimizerState(), JSON.readTree(rs.trainerStateJson()).path("step").asLong());
      }
    }
  }

  private void writeRunConfig(Path out, Models models, int prompts) throws IOException {
    ObjectNode root = JSON.createObjectNode();
    root.set("ppo", JSON.valueToTree(config));
    root.set("policy", JSON.valueToTree(models.policy().config()));
    root.set("value", JSON.valueToTree(models.value().config()));
    root.put("prompts", prompts);
    root.put("kl_estimator", config.kl().estimator().name());
    root.put("optimizer_steps", totalOptimizerSteps());
    AtomicFiles.writeString(out.resolve("run_config.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root));
  }

  private static float[][] rows(NDArray a, int b) {
    int w = (int) a.getShape().get(1);
    float[] flat = a.toFloatArray();
    float[][] out = new float[b][w];
    for (int i = 0; i < b; i++) {
      System.arraycopy(flat, i * w, out[i], 0, w);
    }
    return out;
  }

  private static float[][] pack(float[][] x, int[] idx, int width) {
    float[][] out = new float[idx.length][width];
    for (int i = 0; i < idx.length; i++) {
      System.arraycopy(x[idx[i]], 0, out[i], 0, x[idx[i]].length);
    }
    return out;
  }

  private static double mean(double[] x) {
    double s = 0;
    for (double v : x) {
      s += v;
    }
    return x.length == 0 ? 0 : s / x.length;
  }

  /** The current KL coefficient (changes when the adaptive controller is on). */
  public double beta() {
    return beta;
  }
}
