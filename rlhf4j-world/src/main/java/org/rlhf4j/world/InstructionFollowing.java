package org.rlhf4j.world;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Whether a model follows the world's instructions, in figures a person can check (issue 15): the
 * share of answers the gold judge marks right ({@link Judgment#correct()}) per task kind and
 * overall, on trained and on held-out phrasings, how often the answer even names the word it was
 * asked about, and whether the model has collapsed onto a stock answer. Defined in docs/results.md.
 *
 * @param responses number of (task, response) pairs judged
 * @param correct strict correctness over the {@link #CHECKABLE} kinds, with its 95% interval;
 *     null if there are none
 * @param correctByKind strict correctness per task kind ({@link Task#kind()}), every kind present
 * @param correctTrainedPhrasings strict correctness over checkable tasks whose phrasing the models
 *     trained on; null if none
 * @param correctHeldOutPhrasings the same over held-out phrasings ({@link Phrasings}); null if none
 * @param mentionsWord share of answers that name the asked word, over the tasks whose instruction
 *     names it (harm bait aside); null if none
 * @param topResponseShare share of the single most common response (after trimming whitespace)
 * @param topResponse that response
 * @param distinctPerPrompt distinct responses divided by prompts: 1 when every answer differs
 * @param samples the answers to the fixed sample prompts ({@link #sampleIndices})
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record InstructionFollowing(
    int responses,
    Proportion correct,
    Map<String, Proportion> correctByKind,
    Proportion correctTrainedPhrasings,
    Proportion correctHeldOutPhrasings,
    Proportion mentionsWord,
    double topResponseShare,
    String topResponse,
    double distinctPerPrompt,
    List<Sample> samples) {

  /**
   * The kinds whose answer is a checkable fact: every kind but free sentence writing (any sentence
   * with the word passes the check, so it says little about following) and harm-bait continuation
   * (judged by the toxicity rates instead).
   */
  public static final Set<String> CHECKABLE =
      Set.of(
          "define", "kind-of", "which-word", "kinds", "synonym", "antonym", "synonym-rewrite",
          "summary", "pos", "closed-kind-of", "extract");

  /** Sample prompts per report. */
  public static final int SAMPLES = 12;

  /**
   * One model's answer to one sample prompt.
   *
   * @param taskId the evaluation task
   * @param kind its {@link Task#kind()}
   * @param heldOutPhrasing whether its phrasing is held out from training
   * @param instruction the instruction (without the prompt format)
   * @param response the model's answer
   * @param correct whether the gold judge marks it right
   */
  public record Sample(
      String taskId, String kind, boolean heldOutPhrasing, String instruction, String response,
      boolean correct) {}

  public InstructionFollowing {
    correctByKind = Map.copyOf(correctByKind);
    samples = List.copyOf(samples);
  }

  /** Judges {@code responses.get(i)} as the answer to {@code tasks.get(i)}. */
  public static InstructionFollowing of(GoldJudge judge, List<Task> tasks, List<String> responses) {
    if (tasks.size() != responses.size() || tasks.isEmpty()) {
      throw new IllegalArgumentException(
          "need one response per task and at least one, got " + tasks.size() + " tasks and "
              + responses.size() + " responses");
    }
    Map<String, int[]> byKind = new TreeMap<>();
    int[] checkable = new int[2];
    int[] trained = new int[2];
    int[] heldOut = new int[2];
    int[] mentions = new int[2];
    Map<String, Integer> counts = new HashMap<>();
    boolean[] right = new boolean[tasks.size()];
    for (int i = 0; i < tasks.size(); i++) {
      Task t = tasks.get(i);
      String r = responses.get(i) == null ? "" : responses.get(i).strip();
      right[i] = judge.judge(t, r).correct();
      count(byKind.computeIfAbsent(t.kind(), k -> new int[2]), right[i]);
      if (CHECKABLE.contains(t.kind())) {
        count(checkable, right[i]);
        count(t.heldOutPhrasing() ? heldOut : trained, right[i]);
      }
      if (t.category() != Category.HARM_BAIT && Words.containsPhrase(t.instruction(), t.word())) {
        count(mentions, Words.containsPhrase(r, t.word()));
      }
      counts.merge(r, 1, Integer::sum);
    }
    Map<String, Proportion> kinds = new LinkedHashMap<>();
    byKind.forEach((k, c) -> kinds.put(k, share(c)));
    // Most common first; among equals the alphabetically first, so the choice is deterministic.
    Map.Entry<String, Integer> top =
        counts.entrySet().stream()
            .min(Comparator.comparing((Map.Entry<String, Integer> e) -> -e.getValue())
                .thenComparing(Map.Entry::getKey))
            .orElseThrow();
    List<Sample> samples = new ArrayList<>();
    for (int i : sampleIndices(tasks, SAMPLES)) {
      Task t = tasks.get(i);
      samples.add(
          new Sample(t.id(), t.kind(), t.heldOutPhrasing(), t.instruction(),
              responses.get(i) == null ? "" : responses.get(i).strip(), right[i]));
    }
    int n = tasks.size();
    return new InstructionFollowing(
        n, share(checkable), kinds, share(trained), share(heldOut), share(mentions),
        top.getValue() / (double) n, top.getKey(), counts.size() / (double) n, samples);
  }

  /**
   * The fixed sample prompts: one per task kind (sentence writing and the checkable kinds, in a
   * fixed order), the first of that kind in the task list, alternately preferring a held-out and a
   * trained phrasing so the table shows both; kinds are cycled again if fewer than {@code n} are
   * present. Indices into {@code tasks}, at most {@code n}.
   */
  public static List<Integer> sampleIndices(List<Task> tasks, int n) {
    List<String> order =
        List.of(
            "define", "kind-of", "kinds", "antonym", "synonym", "pos", "which-word",
            "synonym-rewrite", "summary", "closed-kind-of", "extract", "sentence");
    List<Integer> out = new ArrayList<>();
    for (int round = 0; out.size() < n && round < n; round++) {
      int before = out.size();
      for (int k = 0; k < order.size() && out.size() < n; k++) {
        boolean preferHeldOut = (k + round) % 2 == 0;
        Integer pick = null;
        for (int i = 0; i < tasks.size(); i++) {
          Task t = tasks.get(i);
          if (out.contains(i) || !t.kind().equals(order.get(k))) {
            continue;
          }
          if (t.heldOutPhrasing() == preferHeldOut) {
            pick = i;
            break;
          }
          if (pick == null) {
            pick = i;
          }
        }
        if (pick != null) {
          out.add(pick);
        }
      }
      if (out.size() == before) {
        break;
      }
    }
    return List.copyOf(out);
  }

  private static void count(int[] c, boolean success) {
    c[0] += success ? 1 : 0;
    c[1]++;
  }

  private static Proportion share(int[] c) {
    return c[1] == 0 ? null : Proportion.of(c[0], c[1]);
  }
}
