package org.rlhf4j.data;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.List;

/**
 * An InstructGPT-style ranking of K responses to one prompt (K = {@code responses.size()}, 2..9;
 * K = 2 is ordinary pairwise data).
 *
 * <p>{@code ranking} lists tie groups from best to worst; each group holds indices into {@code
 * responses}. {@code [[2],[0,3],[1]]} means response 2 is best, 0 and 3 are tied, 1 is worst. Every
 * index 0..K-1 appears exactly once and there are at least two groups, because a ranking where all
 * responses tie carries no preference for the reward model to learn.
 *
 * <p>JSON: {@code {"prompt_id", "prompt", "responses", "ranking", "labeler", "category"}}; {@code
 * prompt_id}, {@code labeler} and {@code category} are optional.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Ranking(
    @JsonProperty("prompt_id") String promptId,
    @JsonProperty(value = "prompt", required = true) String prompt,
    @JsonProperty(value = "responses", required = true) List<String> responses,
    @JsonProperty(value = "ranking", required = true) List<List<Integer>> ranking,
    @JsonProperty("labeler") String labeler,
    @JsonProperty("category") String category) {

  /** The paper ranks K = 4..9; K = 2 and 3 are allowed so pairwise data fits the same record. */
  public static final int MIN_K = 2;

  public static final int MAX_K = 9;

  public Ranking {
    Fields.optionalText(promptId, "prompt_id");
    Fields.requireText(prompt, "prompt");
    responses = Fields.requireNoNulls(responses, "responses");
    if (responses.size() < MIN_K || responses.size() > MAX_K) {
      throw new InvalidFieldException(
          "responses",
          "needs " + MIN_K + ".." + MAX_K + " responses, got " + responses.size());
    }
    ranking = validateRanking(ranking, responses.size());
    Fields.optionalText(labeler, "labeler");
    Fields.optionalText(category, "category");
  }

  /** A strict total order: {@code order[0]} is the best response, no ties. */
  public static Ranking ofOrder(String promptId, String prompt, List<String> responses, int... order) {
    List<List<Integer>> groups = new ArrayList<>();
    for (int index : order) {
      groups.add(List.of(index));
    }
    return new Ranking(promptId, prompt, responses, groups, null, null);
  }

  /** A pairwise comparison as a K = 2 ranking: responses {@code [chosen, rejected]}. */
  public static Ranking fromComparison(Comparison comparison) {
    return new Ranking(
        comparison.promptId(),
        comparison.prompt(),
        List.of(comparison.chosen(), comparison.rejected()),
        List.of(List.of(0), List.of(1)),
        comparison.labeler(),
        null);
  }

  /**
   * Whether two identical responses sit in different tie groups (for a TRL record: chosen equals
   * rejected). Such a ranking asks a model to prefer a text over itself: the pair's loss cannot
   * fall, and it is pure noise for a reward model or DPO, so trainers skip it (issue 16).
   */
  public boolean ranksIdenticalResponsesApart() {
    java.util.Map<String, Integer> groupOf = new java.util.HashMap<>();
    for (int g = 0; g < ranking.size(); g++) {
      for (int index : ranking.get(g)) {
        Integer before = groupOf.putIfAbsent(responses.get(index), g);
        if (before != null && before != g) {
          return true;
        }
      }
    }
    return false;
  }

  /** The number of ranked responses. */
  public int k() {
    return responses.size();
  }

  /**
   * Every (winner, loser) index pair whose members lie in strictly different tie groups: C(K,2)
   * minus the tied pairs. Ordered by winner group, then loser group, then position in the group.
   * These are the pairs of the InstructGPT reward loss, all from one prompt in one batch element.
   */
  public List<int[]> pairs() {
    List<int[]> pairs = new ArrayList<>();
    for (int better = 0; better < ranking.size(); better++) {
      for (int worse = better + 1; worse < ranking.size(); worse++) {
        for (int winner : ranking.get(better)) {
          for (int loser : ranking.get(worse)) {
            pairs.add(new int[] {winner, loser});
          }
        }
      }
    }
    return pairs;
  }

  /** The 0-based tie group of each response index (0 = best); equal values mean a tie. */
  public int[] groupOf() {
    int[] group = new int[k()];
    for (int g = 0; g < ranking.size(); g++) {
      for (int index : ranking.get(g)) {
        group[index] = g;
      }
    }
    return group;
  }

  private static List<List<Integer>> validateRanking(List<List<Integer>> ranking, int k) {
    if (ranking == null) {
      throw new InvalidFieldException("ranking", "is required");
    }
    if (ranking.size() < 2) {
      throw new InvalidFieldException(
          "ranking",
          "needs at least 2 tie groups (all responses tied carries no preference), got "
              + ranking.size());
    }
    int[] seenInGroup = new int[k];
    java.util.Arrays.fill(seenInGroup, -1);
    List<List<Integer>> copy = new ArrayList<>(ranking.size());
    for (int g = 0; g < ranking.size(); g++) {
      List<Integer> group = ranking.get(g);
      if (group == null || group.isEmpty()) {
        throw new InvalidFieldException("ranking", "group " + g + " is empty");
      }
      for (Integer index : group) {
        if (index == null) {
          throw new InvalidFieldException("ranking", "group " + g + " contains null");
        }
        if (index < 0 || index >= k) {
          throw new InvalidFieldException(
              "ranking",
              "index " + index + " in group " + g + " is out of range 0.." + (k - 1));
        }
        if (seenInGroup[index] >= 0) {
          throw new InvalidFieldException(
              "ranking",
              "duplicate index "
                  + index
                  + " (in group "
                  + seenInGroup[index]
                  + " and group "
                  + g
                  + ")");
        }
        seenInGroup[index] = g;
      }
      copy.add(List.copyOf(group));
    }
    List<Integer> missing = new ArrayList<>();
    for (int i = 0; i < k; i++) {
      if (seenInGroup[i] < 0) {
        missing.add(i);
      }
    }
    if (!missing.isEmpty()) {
      throw new InvalidFieldException(
          "ranking", "missing index " + missing + " (every response 0.." + (k - 1) + " must be ranked)");
    }
    return List.copyOf(copy);
  }
}
