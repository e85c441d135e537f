package org.rlhf4j.cli.pipeline;

import java.lang.reflect.RecordComponent;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Sizes of every stage of {@code rlhf4j pipeline}. {@link #standard()} is the configuration whose
 * figures we quote; {@link #fast()} is a reduced first look (and what CI runs on tiny models).
 *
 * @param name "standard" or "fast"
 * @param sftDemos demonstrations for the small model's SFT
 * @param sftEpochs SFT epochs (InstructGPT: 16 on far more data; small models overfit sooner)
 * @param sftLr SFT peak learning rate (cosine decay to 10%)
 * @param sftLargeDemos demonstrations for the large model's SFT
 * @param sftLargeEpochs SFT epochs for the large model
 * @param sftDropout residual dropout during SFT (InstructGPT: 0.2)
 * @param rmPrompts prompts whose K responses the training labelers rank
 * @param k responses per ranked prompt (InstructGPT: 4..9)
 * @param rmLr reward-model peak learning rate (cosine decay)
 * @param rmEpochs passes over the rankings. InstructGPT trains one epoch because its 6B RM
 *     overfits after that; our 1.3M-parameter RM underfits one pass over 800 rankings (training
 *     accuracy 53%, held-out 59.5% at 3e-4), and two passes at 1e-3 reach 61.0% held-out
 * @param rmEvalPrompts held-out prompts ranked by both pools to measure RM accuracy
 * @param ppoIterations PPO iterations
 * @param ppoEpisodes episodes per iteration
 * @param ppoMiniBatch episodes per gradient step
 * @param ppoLr PPO learning rate (policy and value)
 * @param beta KL coefficient (InstructGPT: 0.02)
 * @param ptxCoef PPO-ptx gamma. InstructGPT's 27.8 multiplies a loss normalised differently from
 *     ours: here the pretraining gradient then outweighs the policy gradient about 15 to 1 and the
 *     policy drifts to pretraining text (KL 10.7 nats, RM score falling, in our first run), so
 *     the pipeline gives both terms equal weight (1.0); PpoConfig keeps 27.8 as its default
 * @param ptxRatio pretraining sequences per RL episode (InstructGPT: 8)
 * @param emaDecay EMA decay of the PPO policy weights. InstructGPT's 0.992 averages over about
 *     125 of its thousands of optimizer steps; our runs take a few dozen, where 0.992 would keep
 *     the final model two-thirds SFT, so the pipeline uses 0.9 (a 10-step average)
 * @param hackIterations iterations of an extra PPO run with beta = 0 for the over-optimisation
 *     curve (0 skips it)
 * @param maxNewTokens response length limit
 * @param evalPrompts held-out evaluation prompts (the paper's win rates use held-out prompts)
 * @param evalTemperature sampling temperature for evaluation responses
 * @param bonPrompts prompts for the best-of-n curve
 * @param bonMaxN largest n of the best-of-n curve (powers of two up to it)
 * @param bonEvalN n of the best-of-n row in the evaluation table
 * @param dpoEpochs DPO epochs over the rankings
 * @param dpoLr DPO learning rate
 * @param dpoBeta DPO beta
 * @param eiRounds expert-iteration rounds
 * @param eiN samples per prompt in expert iteration
 * @param eiPrompts prompts per expert-iteration round
 * @param toxicitySamples responses per harm-bait prompt in the dedicated toxicity evaluation
 *     (every held-out harm-bait prompt, all three variants), for the rows that run benchmarks
 * @param benchItems items per capability benchmark
 * @param benchShots few-shot examples per benchmark item
 * @param perplexityDocs validation documents for held-out perplexity
 * @param seed everything else
 */
public record PipelineConfig(
    String name,
    int sftDemos,
    int sftEpochs,
    double sftLr,
    int sftLargeDemos,
    int sftLargeEpochs,
    float sftDropout,
    int rmPrompts,
    int k,
    double rmLr,
    int rmEpochs,
    int rmEvalPrompts,
    int ppoIterations,
    int ppoEpisodes,
    int ppoMiniBatch,
    double ppoLr,
    double beta,
    double ptxCoef,
    double ptxRatio,
    double emaDecay,
    int hackIterations,
    int maxNewTokens,
    int evalPrompts,
    float evalTemperature,
    int bonPrompts,
    int bonMaxN,
    int bonEvalN,
    int dpoEpochs,
    double dpoLr,
    double dpoBeta,
    int eiRounds,
    int eiN,
    int eiPrompts,
    int toxicitySamples,
    int benchItems,
    int benchShots,
    int perplexityDocs,
    long seed) {

  public PipelineConfig {
    if (k < 2 || k > 9) {
      throw new IllegalArgumentException("k must be in 2..9 (InstructGPT ranks 4..9), got " + k);
    }
    if (ppoEpisodes % ppoMiniBatch != 0) {
      throw new IllegalArgumentException("ppoEpisodes must be a multiple of ppoMiniBatch");
    }
    if (rmEpochs < 1 || toxicitySamples < 0) {
      throw new IllegalArgumentException("rmEpochs must be positive and toxicitySamples non-negative");
    }
    if (sftDemos < 1 || rmPrompts < 1 || evalPrompts < 1 || bonMaxN < 1 || bonEvalN < 1) {
      throw new IllegalArgumentException("stage sizes must be positive");
    }
  }

  /**
   * The settings each stage reads (its own code and what decides its inputs, such as the prompt
   * offsets that depend on {@code sftDemos} or the evaluation split that depends on {@code
   * evalPrompts}). A stage's cache key holds only these, so changing a PPO setting re-runs PPO and
   * what reads its output, not SFT. {@code PipelineConfigTest} checks that every setting but the
   * name belongs to some stage.
   */
  static final Map<String, List<String>> STAGE_SETTINGS = Map.ofEntries(
      Map.entry("sft-small", List.of("sftDemos", "sftEpochs", "sftLr", "sftDropout", "seed")),
      Map.entry("sft-large", List.of("sftLargeDemos", "sftLargeEpochs", "sftLr", "sftDropout", "seed")),
      Map.entry("rankings", List.of("sftDemos", "rmPrompts", "k", "rmEvalPrompts", "evalPrompts", "maxNewTokens", "seed")),
      Map.entry("reward", List.of("sftDemos", "rmLr", "rmEpochs", "seed")),
      Map.entry("ppo", List.of("ppoIterations", "ppoEpisodes", "ppoMiniBatch", "ppoLr", "beta", "emaDecay", "maxNewTokens",
          "seed")),
      Map.entry("ppo-ptx", List.of("ppoIterations", "ppoEpisodes", "ppoMiniBatch", "ppoLr", "beta", "emaDecay",
          "ptxCoef", "ptxRatio", "maxNewTokens", "seed")),
      Map.entry("ppo-nokl", List.of("hackIterations", "ppoEpisodes", "ppoMiniBatch", "ppoLr", "emaDecay", "maxNewTokens",
          "seed")),
      Map.entry("best-of-n", List.of("bonPrompts", "bonMaxN", "evalPrompts", "maxNewTokens", "seed")),
      Map.entry("dpo", List.of("dpoEpochs", "dpoLr", "dpoBeta", "seed")),
      Map.entry("expert-iteration", List.of("eiRounds", "eiN", "eiPrompts", "rmPrompts", "sftDemos", "maxNewTokens",
          "seed")),
      Map.entry("evaluate", List.of("evalPrompts", "evalTemperature", "maxNewTokens", "bonEvalN", "toxicitySamples",
          "benchItems", "benchShots", "perplexityDocs", "seed")));

  /** The settings {@code stage} reads, as "name=value;..." for its cache key. */
  public String stageKey(String stage) {
    List<String> names = STAGE_SETTINGS.get(stage);
    if (names == null) {
      throw new IllegalArgumentException("no pipeline stage named '" + stage + "'");
    }
    Map<String, Object> values = new LinkedHashMap<>();
    for (RecordComponent c : PipelineConfig.class.getRecordComponents()) {
      values.put(c.getName(), read(c));
    }
    StringBuilder sb = new StringBuilder(stage);
    for (String n : names) {
      if (!values.containsKey(n)) {
        throw new IllegalStateException("STAGE_SETTINGS names '" + n + "', which PipelineConfig does not have");
      }
      sb.append(';').append(n).append('=').append(values.get(n));
    }
    return sb.toString();
  }

  private Object read(RecordComponent c) {
    try {
      return c.getAccessor().invoke(this);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The configuration whose results we quote (goal: under 15 minutes on 2 cores). */
  public static PipelineConfig standard() {
    return new PipelineConfig("standard",
        2000, 2, 1e-3, 1000, 1, 0.2f, // SFT
        800, 6, 1e-3, 2, 150, // reward model: 15 pairs per prompt
        24, 64, 32, 1e-4, 0.02, 1.0, 1.0, 0.9, 0, // PPO
        32, 500, 0.7f, // evaluation
        60, 32, 4, // best-of-n
        1, 1e-5, 0.1, // DPO
        2, 4, 200, // expert iteration
        4, // toxicity: 4 samples of every held-out harm-bait prompt
        150, 2, 150, // benchmarks
        20221104L);
  }

  /** A reduced configuration for a first look (minutes instead of a quarter hour). */
  public static PipelineConfig fast() {
    return new PipelineConfig("fast",
        96, 1, 1e-3, 48, 1, 0.2f,
        24, 4, 3e-4, 1, 12,
        2, 16, 8, 3e-5, 0.02, 1.0, 0.5, 0.9, 0,
        16, 24, 0.7f,
        6, 4, 2,
        1, 1e-5, 0.1,
        1, 2, 12,
        1,
        12, 1, 12,
        20221104L);
  }
}
