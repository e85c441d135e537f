package org.rlhf4j.cli.pipeline;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import org.rlhf4j.world.InstructionFollowing;

/**
 * Everything the pipeline measured, written as {@code results.json} (snake_case keys; documented
 * in docs/results.md) and read back by {@code rlhf4j report}.
 *
 * @param config the resolved pipeline configuration (name, sizes, seeds)
 * @param stages wall time per stage, in run order
 * @param models evaluation of each compared model, keyed by its name (e.g. "small-ppo")
 * @param baseline the model every win rate is measured against (InstructGPT: 175B SFT)
 * @param labelers inter-labeler agreement of the simulated pools
 * @param rewardModel reward-model accuracy against training and held-out labelers
 * @param curves training curves per stage: stage name to a list of metric rows
 * @param hacking gold vs proxy reward against sqrt(KL), for PPO and best-of-n
 * @param claims the paper's claims at small scale
 * @param provenance the code and source tree the figures came from
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Results(
    Map<String, Object> config,
    List<Stage> stages,
    Map<String, ModelEval> models,
    String baseline,
    Agreement labelers,
    RewardAccuracy rewardModel,
    Map<String, List<Map<String, Double>>> curves,
    Hacking hacking,
    List<Claim> claims,
    Provenance provenance) {

  /** Results without provenance (a report built by hand, or results.json from before it existed). */
  public Results(Map<String, Object> config, List<Stage> stages, Map<String, ModelEval> models, String baseline,
      Agreement labelers, RewardAccuracy rewardModel, Map<String, List<Map<String, Double>>> curves, Hacking hacking,
      List<Claim> claims) {
    this(config, stages, models, baseline, labelers, rewardModel, curves, hacking, claims, null);
  }

  /**
   * A pipeline stage and its wall time; {@code cached} when reused from an earlier run; {@code key}
   * its cache key (code fingerprint, the settings it reads and its inputs' keys), null if unknown.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Stage(String name, double seconds, boolean cached, String key) {
    public Stage(String name, double seconds, boolean cached) {
      this(name, seconds, cached, null);
    }
  }

  /** A proportion with its 95% Wilson interval over {@code n} trials. */
  public record Interval(double value, double low, double high, int n) {}

  /**
   * One model judged on the held-out evaluation prompts.
   *
   * @param role what the model stands for in the paper (e.g. "GPT-3 175B", "InstructGPT 1.3B PPO-ptx")
   * @param parameters parameter count
   * @param winRate held-out labelers' preference over the baseline (ties count one half)
   * @param likert mean Likert 1-7 of the held-out labelers
   * @param goldScore mean gold-judge score in [0, 1]
   * @param failsInstruction share flagged "fails to follow the instruction"
   * @param hallucination share of closed-domain responses that hallucinate
   * @param inventedShare mean share of invented content words in closed-domain responses
   * @param inappropriate share flagged inappropriate for a customer assistant
   * @param toxicity toxic-response rate per harm variant: plain, respectful, biased
   * @param toxicityResponses responses per variant behind {@code toxicity}: the dedicated
   *     toxicity evaluation for the rows that run benchmarks, the evaluation prompts' harm bait
   *     otherwise
   * @param benchmarks capability benchmark accuracy (and perplexity) by name
   * @param klToSft mean KL (nats per response) to the model's SFT starting point, where defined
   * @param trainSeconds wall time to produce the model (its own stage)
   * @param instructionFollowing strict correctness (per kind, trained vs held-out phrasings),
   *     mentions-the-asked-word rate, collapse and the sample answers (issue 15)
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record ModelEval(
      String role,
      Long parameters,
      Interval winRate,
      Double likert,
      Double goldScore,
      Double failsInstruction,
      Double hallucination,
      Double inventedShare,
      Double inappropriate,
      Map<String, Double> toxicity,
      Integer toxicityResponses,
      Map<String, Double> benchmarks,
      Double klToSft,
      Double trainSeconds,
      InstructionFollowing instructionFollowing) {

    /** An evaluation without instruction-following figures (results.json before issue 15). */
    public ModelEval(String role, Long parameters, Interval winRate, Double likert, Double goldScore,
        Double failsInstruction, Double hallucination, Double inventedShare, Double inappropriate,
        Map<String, Double> toxicity, Integer toxicityResponses, Map<String, Double> benchmarks,
        Double klToSft, Double trainSeconds) {
      this(role, parameters, winRate, likert, goldScore, failsInstruction, hallucination, inventedShare,
          inappropriate, toxicity, toxicityResponses, benchmarks, klToSft, trainSeconds, null);
    }

    /** A copy with another training wall time. */
    public ModelEval withTrainSeconds(Double seconds) {
      return new ModelEval(role, parameters, winRate, likert, goldScore, failsInstruction, hallucination,
          inventedShare, inappropriate, toxicity, toxicityResponses, benchmarks, klToSft, seconds,
          instructionFollowing);
    }

    /** A copy with another KL to SFT. */
    public ModelEval withKlToSft(Double kl) {
      return new ModelEval(role, parameters, winRate, likert, goldScore, failsInstruction, hallucination,
          inventedShare, inappropriate, toxicity, toxicityResponses, benchmarks, kl, trainSeconds,
          instructionFollowing);
    }

    /** A copy with other instruction-following figures. */
    public ModelEval withInstructionFollowing(InstructionFollowing f) {
      return new ModelEval(role, parameters, winRate, likert, goldScore, failsInstruction, hallucination,
          inventedShare, inappropriate, toxicity, toxicityResponses, benchmarks, klToSft, trainSeconds, f);
    }
  }

  /** Pairwise agreement (percent) within the training and the held-out labeler pools. */
  public record Agreement(double training, double heldOut) {}

  /**
   * Reward-model pairwise accuracy (percent).
   *
   * @param trainingLabelers on held-out prompts ranked by training labelers
   * @param heldOutLabelers on held-out prompts ranked by held-out labelers
   * @param byCategory accuracy per task category (held-out labelers)
   */
  public record RewardAccuracy(double trainingLabelers, double heldOutLabelers, Map<String, Double> byCategory) {}

  /**
   * Over-optimisation measurements (Gao, Schulman, Hilton 2022).
   *
   * @param ppo points along the PPO run
   * @param bestOfN points for n = 1, 2, 4, ... with the analytic KL
   * @param fits fitted functional forms: "bon_alpha", "bon_beta" (gold = d (alpha - beta d)),
   *     "rl_alpha", "rl_beta" (gold = d (alpha - beta log d)); d = sqrt(KL)
   * @param goldPeakSqrtKl sqrt(KL) at which the gold score peaked along PPO, null if it never fell
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Hacking(List<HackingPoint> ppo, List<HackingPoint> bestOfN, Map<String, Double> fits, Double goldPeakSqrtKl) {}

  /** One point: sqrt(KL) to the initial policy, gold and proxy (RM) scores; n or iteration. */
  public record HackingPoint(double step, double sqrtKl, double gold, double proxy) {}

  /** A row of the claims table. */
  public record Claim(String claim, String paper, String ours, boolean holds) {}

  // ---------------------------------------------------------------------------------------------
  // Provenance (issue 14: figures that reproduce)

  /**
   * Where the figures came from.
   *
   * @param commit the git commit of the source tree the code was built from; "unknown" outside git
   * @param dirty whether that tree had uncommitted changes (untracked files count); null if unknown
   * @param code the fingerprint of the stages' code ({@code CodeFingerprint}), part of every stage key
   */
  public record Provenance(String commit, Boolean dirty, String code) {}

  /** These results with their provenance. */
  public Results withProvenance(Provenance p) {
    return new Results(config, stages, models, baseline, labelers, rewardModel, curves, hacking, claims, p);
  }

  /** The snake_case mapper results.json is written with (also used for stage summaries). */
  static final ObjectMapper MAPPER = new ObjectMapper()
      .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
      .enable(SerializationFeature.INDENT_OUTPUT);

  /** Writes {@code results.json} atomically. */
  public void write(Path file) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    MAPPER.writeValue(tmp.toFile(), this);
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  /** Reads a {@code results.json}. */
  public static Results read(Path file) throws IOException {
    return MAPPER.readValue(file.toFile(), Results.class);
  }
}
