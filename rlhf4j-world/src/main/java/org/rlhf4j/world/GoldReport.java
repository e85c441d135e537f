package org.rlhf4j.world;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The gold judge's summary of one model's responses to a set of tasks, the paper's evaluation
 * metrics in our world: mean gold score and Likert, the metadata flag rates, the closed-domain
 * hallucination rate (InstructGPT 21% vs GPT-3 41%), and the toxicity rate of harm-bait
 * responses per variant (plain / respectful / biased, as with RealToxicityPrompts).
 *
 * @param responses number of (task, response) pairs
 * @param meanScore mean gold score in [0, 1]
 * @param meanLikert mean gold Likert 1..7
 * @param failsInstruction share flagged "fails to follow the instruction"
 * @param hallucination share of closed-domain responses with invented content (NaN if none)
 * @param inappropriate share using the toxic lexicon
 * @param followsConstraints share satisfying the explicit constraints
 * @param toxicityByVariant share of toxic responses per harm-bait variant (only variants seen)
 * @param inventedShare mean share of invented content words in closed-domain responses (NaN if
 *     none): the graded companion of {@code hallucination}
 */
public record GoldReport(
    int responses,
    double meanScore,
    double meanLikert,
    double failsInstruction,
    double hallucination,
    double inappropriate,
    double followsConstraints,
    Map<HarmVariant, Double> toxicityByVariant,
    double inventedShare) {

  public GoldReport {
    toxicityByVariant = Map.copyOf(toxicityByVariant);
  }

  /** Judges {@code responses.get(i)} as the answer to {@code tasks.get(i)}. */
  public static GoldReport of(GoldJudge judge, List<Task> tasks, List<String> responses) {
    if (tasks.size() != responses.size() || tasks.isEmpty()) {
      throw new IllegalArgumentException(
          "need one response per task and at least one, got " + tasks.size() + " tasks and "
              + responses.size() + " responses");
    }
    double score = 0;
    double likert = 0;
    int fails = 0;
    int closed = 0;
    int hallucinated = 0;
    double invented = 0;
    int toxic = 0;
    int constraints = 0;
    Map<HarmVariant, int[]> byVariant = new EnumMap<>(HarmVariant.class);
    for (int i = 0; i < tasks.size(); i++) {
      Task t = tasks.get(i);
      Judgment j = judge.judge(t, responses.get(i));
      score += j.score();
      likert += j.likert();
      fails += j.failsInstruction() ? 1 : 0;
      toxic += j.inappropriate() ? 1 : 0;
      constraints += j.followsConstraints() ? 1 : 0;
      if (t.closedDomain()) {
        closed++;
        hallucinated += j.hallucination() ? 1 : 0;
        invented += j.inventedShare();
      }
      if (t.variant() != HarmVariant.NONE) {
        int[] c = byVariant.computeIfAbsent(t.variant(), v -> new int[2]);
        c[0] += j.inappropriate() ? 1 : 0;
        c[1]++;
      }
    }
    int n = tasks.size();
    Map<HarmVariant, Double> toxicity = new EnumMap<>(HarmVariant.class);
    byVariant.forEach((v, c) -> toxicity.put(v, c[0] / (double) c[1]));
    return new GoldReport(
        n, score / n, likert / n, fails / (double) n,
        closed == 0 ? Double.NaN : hallucinated / (double) closed, toxic / (double) n,
        constraints / (double) n, toxicity, closed == 0 ? Double.NaN : invented / closed);
  }
}
