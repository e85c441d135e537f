package org.rlhf4j.core.bestofn;

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
import org.rlhf4j.core.checkpoint.Checkpoint;
import org.rlhf4j.core.checkpoint.HfConfig;
import org.rlhf4j.core.checkpoint.ModelCheckpoints;
import org.rlhf4j.core.generate.PromptResponseBatch;
import org.rlhf4j.core.model.GptModel;
import org.rlhf4j.core.model.LmMath;
import org.rlhf4j.core.model.ResponseScoring;
import org.rlhf4j.core.reward.RewardFunction;
import org.rlhf4j.core.reward.TokenizedRankings;
import org.rlhf4j.core.tokenizer.Tokenizer;
import org.rlhf4j.core.train.AdamW;
import org.rlhf4j.core.train.MetricsLog;
import org.rlhf4j.core.train.StepListener;
import org.rlhf4j.core.train.TrainingDivergedException;

/**
 * Expert iteration, also called rejection-sampling fine-tuning (Anthony et al. 2017; used for
 * RLHF by Touvron et al. 2023, Llama 2, section 3.2.3, and analysed by Gao et al. 2022): each round
 * samples n responses per prompt, keeps the reward's best, and fine-tunes the policy on the kept
 * responses with the supervised loss (response tokens only), then samples again from the improved
 * policy.
 *
 * <p>The fine-tuning step here is deliberately minimal (masked response loss, AdamW, no
 * validation); it is to be replaced by the general SFT trainer.
 *
 * <p>Output directory: {@code metrics.jsonl} (one line per round), {@code checkpoint/} (written
 * after every round; a killed run resumes at the next round) and {@code final/}.
 */
public final class ExpertIteration {
  /** Round number, 1-based. */
  public static final String ROUND = "round";
  /** Mean reward of every sample drawn this round: how good the policy is before this round's SFT. */
  public static final String SAMPLE_SCORE = "expert_iteration/sample_score";
  /** Mean reward of the kept (best-of-n) samples: the SFT targets. */
  public static final String KEPT_SCORE = "expert_iteration/kept_score";
  /** Mean masked response loss over this round's SFT steps. */
  public static final String SFT_LOSS = "expert_iteration/sft_loss";
  /** Fraction of this round's samples that ended with EOS. */
  public static final String EOS_RATE = "expert_iteration/eos_rate";
  /** log n - (n-1)/n: the KL of one best-of-n selection from the sampling policy. */
  public static final String BEST_OF_N_KL = "expert_iteration/best_of_n_kl";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final ExpertIterationConfig config;
  private final StepListener listener;

  public ExpertIteration(ExpertIterationConfig config, StepListener listener) {
    this.config = config;
    this.listener = listener == null ? StepListener.NONE : listener;
  }

  /** Metrics of one round. */
  public record RoundMetrics(int round, double sampleScore, double keptScore, double sftLoss, double eosRate) {}

  /**
   * Runs the rounds on {@code policy} in place, resuming after the last finished round recorded in
   * {@code out/checkpoint}, and writes {@code out/final}.
   *
   * @return the metrics of every round (resumed rounds read back from the log)
   */
  public List<RoundMetrics> run(
      GptModel policy, Tokenizer tokenizer, List<String> prompts, RewardFunction reward, Path out,
      HfConfig baseConfig, Path tokenizerJson)
      throws IOException {
    if (prompts == null || prompts.isEmpty()) {
      throw new IllegalArgumentException("no prompts");
    }
    TokenizedRankings.checkTokenizer(tokenizer, policy.config());
    Files.createDirectories(out);
    Path ckpt = out.resolve("checkpoint");
    MetricsLog log = new MetricsLog(out.resolve("metrics.jsonl"));
    long stepsPerRound = config.sftEpochs() * (long) ((prompts.size() + config.sftBatch() - 1) / config.sftBatch());
    long totalSteps = config.rounds() * stepsPerRound;
    List<RoundMetrics> history = new ArrayList<>();
    int firstRound = 0;
    try (AdamW opt = new AdamW(policy.parameters(), config.optimizer(), policy.manager())) {
      if (Checkpoint.hasResumeState(ckpt)) {
        try (NDManager tmp = policy.manager().newSubManager()) {
          Checkpoint.Loaded loaded = Checkpoint.load(ckpt, tmp);
          Checkpoint.ResumeState rs = Checkpoint.loadResumeState(ckpt, tmp);
          JsonNode state = JSON.readTree(rs.trainerStateJson());
          policy.loadParameters(loaded.parameters());
          opt.load(rs.optimizerState(), state.path("step").asLong());
          firstRound = state.path("round").asInt();
        }
        log.truncateAfter(firstRound);
        for (Map<String, Double> row : log.read()) {
          history.add(new RoundMetrics(row.get(ROUND).intValue(), row.get(SAMPLE_SCORE), row.get(KEPT_SCORE),
              row.get(SFT_LOSS), row.get(EOS_RATE)));
        }
      } else {
        log.truncateAfter(-1);
      }
      for (int round = firstRound; round < config.rounds(); round++) {
        // 1. Sample n per prompt from the current policy and keep the reward's best.
        List<BestOfN.Candidates> cands = BestOfN.sample(
            policy, tokenizer, prompts, reward, config.sampling().withSeed(config.sampling().sampling().seed() + round));
        double sampleSum = 0;
        double keptSum = 0;
        int eos = 0;
        int count = 0;
        List<int[]> keptPrompts = new ArrayList<>();
        List<int[]> keptResponses = new ArrayList<>();
        for (BestOfN.Candidates c : cands) {
          for (int j = 0; j < c.scores().length; j++) {
            sampleSum += c.scores()[j];
            eos += c.endedWithEos()[j] ? 1 : 0;
            count++;
          }
          keptSum += c.bestScore();
          keptPrompts.add(c.promptTokens());
          keptResponses.add(c.bestTokens());
        }
        // 2. Supervised fine-tuning on the kept responses.
        double loss = sft(policy, opt, keptPrompts, keptResponses, tokenizer.padId(), round, totalSteps);
        RoundMetrics rm = new RoundMetrics(round + 1, sampleSum / count, keptSum / cands.size(), loss, (double) eos / count);
        history.add(rm);
        Map<String, Double> m = new LinkedHashMap<>();
        m.put(ROUND, (double) rm.round());
        m.put(SAMPLE_SCORE, rm.sampleScore());
        m.put(KEPT_SCORE, rm.keptScore());
        m.put(SFT_LOSS, rm.sftLoss());
        m.put(EOS_RATE, rm.eosRate());
        m.put(BEST_OF_N_KL, BestOfN.analyticKl(config.sampling().n()));
        // The metrics log truncates by "step"; a round is this trainer's step.
        m.put(org.rlhf4j.core.train.Metrics.STEP, (double) rm.round());
        log.append(m);
        listener.onStep(round + 1, config.rounds(), m);
        ObjectNode state = JSON.createObjectNode();
        state.put("trainer", "expert_iteration");
        state.put("round", round + 1);
        state.put("step", opt.stepCount());
        state.put("seed", config.seed());
        ModelCheckpoints.save(ckpt, policy, baseConfig, tokenizerJson, new Checkpoint.ResumeState(state.toString(), opt.state()));
      }
    }
    HfConfig cfg = (baseConfig == null ? HfConfig.of(policy.config()) : baseConfig)
        .withExtra("rlhf4j_expert_iteration_rounds", config.rounds())
        .withExtra("rlhf4j_best_of_n", config.sampling().n());
    ModelCheckpoints.save(out.resolve("final"), policy, cfg, tokenizerJson, null);
    return history;
  }

  /** sftEpochs passes over (prompt, response) pairs; returns the mean loss of the round's steps. */
  private double sft(GptModel policy, AdamW opt, List<int[]> prompts, List<int[]> responses, int pad, int round, long totalSteps) {
    boolean was = policy.isTraining();
    policy.setTraining(true); // the policy's own dropout, as in SFT (InstructGPT: 0.2)
    policy.setRequiresGradient(true);
    double sum = 0;
    int steps = 0;
    try {
      for (int epoch = 0; epoch < config.sftEpochs(); epoch++) {
        int[] order = TokenizedRankings.order(prompts.size(), config.seed() * 31 + round, epoch);
        for (int s = 0; s < order.length; s += config.sftBatch()) {
          int e = Math.min(order.length, s + config.sftBatch());
          int[][] p = new int[e - s][];
          int[][] r = new int[e - s][];
          for (int i = s; i < e; i++) {
            p[i - s] = prompts.get(order[i]);
            r[i - s] = responses.get(order[i]);
          }
          PromptResponseBatch batch = PromptResponseBatch.of(p, r, pad, policy.config().contextLength());
          long current = opt.stepCount();
          // Dropout masks depend on (seed, step) only, so a resumed run repeats them.
          Engine.getInstance().setRandomSeed((int) (config.seed() * 7919 + current));
          double loss = sftStep(policy, batch, current);
          opt.step(totalSteps, "expert-iteration round " + (round + 1) + " step " + (current + 1),
              () -> "no checkpoint is written inside a round");
          sum += loss;
          steps++;
        }
      }
    } finally {
      policy.setTraining(was);
      policy.setRequiresGradient(false);
    }
    return sum / steps;
  }

  /** Mean negative log-likelihood of the response tokens (prompt and padding masked). */
  private static double sftStep(GptModel policy, PromptResponseBatch b, long step) {
    try (NDManager m = policy.manager().newSubManager();
        GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      NDArray lp = ResponseScoring.responseLogprobs(
          policy, m.create(b.ids()), m.create(b.mask()), b.promptWidth(), 1f); // (B, R)
      NDArray loss = LmMath.maskedMean(lp, m.create(b.responseMask())).neg();
      double value = loss.getFloat();
      if (!Double.isFinite(value)) {
        throw new TrainingDivergedException("SFT loss is " + value + " at step " + (step + 1));
      }
      gc.backward(loss);
      return value;
    }
  }
}
