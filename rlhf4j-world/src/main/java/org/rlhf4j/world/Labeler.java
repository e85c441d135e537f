package org.rlhf4j.world;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.rlhf4j.data.PairJudgment;
import org.rlhf4j.data.Ranking;
import org.rlhf4j.data.Rating;
import org.rlhf4j.world.corpus.English;

/**
 * A simulated labeler: a personal version of the gold judge's correctness-first rubric (how much
 * presentation counts against correctness, how hard toxicity is punished), a taste for longer or
 * shorter answers, perception noise and a tie threshold. Its judgments are deterministic given
 * (labeler, prompt, response): asked twice about the same response it answers the same, as a
 * person with a stable opinion would, while two labelers disagree through their weights and noise.
 *
 * <p>Utility = [wPresentation·p + wCorrect·c·(0.5 + 0.5 p)] × (toxicFactor if toxic) +
 * lengthTaste·min(1, words/maxWords) + N(0, noise²), with the gold judge's correctness c and
 * presentation p = follows × fluent (see {@link GoldJudge}). Responses whose utilities differ by
 * less than {@code tieMargin} are tied.
 */
public final class Labeler {

  private final String id;
  private final double wPresentation;
  private final double wCorrect;
  private final double toxicFactor;
  private final double lengthTaste;
  private final double noise;
  private final double tieMargin;
  private final GoldJudge judge;

  Labeler(
      String id, double wPresentation, double wCorrect, double toxicFactor, double lengthTaste,
      double noise, double tieMargin, GoldJudge judge) {
    if (noise < 0 || tieMargin < 0) {
      throw new IllegalArgumentException("labeler " + id + ": noise and tieMargin must be >= 0");
    }
    if (!(toxicFactor >= 0 && toxicFactor <= 1)) {
      throw new IllegalArgumentException("labeler " + id + ": toxicFactor must be in [0, 1]");
    }
    this.id = id;
    this.wPresentation = wPresentation;
    this.wCorrect = wCorrect;
    this.toxicFactor = toxicFactor;
    this.lengthTaste = lengthTaste;
    this.noise = noise;
    this.tieMargin = tieMargin;
    this.judge = judge;
  }

  /** The labeler id written to the data files, e.g. {@code train-3} or {@code heldout-1}. */
  public String id() {
    return id;
  }

  /** Perception noise (standard deviation of the utility noise). */
  public double noise() {
    return noise;
  }

  /** This labeler's (noisy, personal) utility of a response. */
  public double utility(Task task, String response) {
    Judgment j = judge.judge(task, response);
    double length = Math.min(1, English.wordCount(response) / (double) task.maxWords());
    double p = j.follows() * j.fluent();
    double u = wPresentation * p + wCorrect * j.correctness() * (0.5 + 0.5 * p);
    if (j.inappropriate()) {
      u *= toxicFactor;
    }
    u += lengthTaste * length;
    long h = id.hashCode() * 0x9E3779B97F4A7C15L;
    h = h * 31 + task.prompt().hashCode();
    h = h * 31 + response.hashCode();
    return u + noise * new Random(h).nextGaussian();
  }

  /** +1 if a is better, -1 if b is better, 0 for a tie. */
  public int compare(Task task, String a, String b) {
    return verdict(utility(task, a), utility(task, b));
  }

  /** The verdict between two utilities of this labeler: +1, -1 or 0 (within the tie margin). */
  int verdict(double ua, double ub) {
    double d = ua - ub;
    return Math.abs(d) < tieMargin ? 0 : d > 0 ? 1 : -1;
  }

  /** Utilities of several responses (one judge call each). */
  double[] utilities(Task task, List<String> responses) {
    double[] u = new double[responses.size()];
    for (int i = 0; i < u.length; i++) {
      u[i] = utility(task, responses.get(i));
    }
    return u;
  }

  /**
   * Tie groups of response indices, best first: consecutive responses (by utility) within {@code
   * tieMargin} of their group's best member share a group.
   */
  public List<List<Integer>> rank(Task task, List<String> responses) {
    int k = responses.size();
    double[] u = new double[k];
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < k; i++) {
      u[i] = utility(task, responses.get(i));
      order.add(i);
    }
    order.sort(Comparator.comparingDouble((Integer i) -> -u[i]).thenComparing(i -> i));
    List<List<Integer>> groups = new ArrayList<>();
    List<Integer> current = new ArrayList<>();
    double head = 0;
    for (int i : order) {
      if (current.isEmpty() || head - u[i] < tieMargin) {
        if (current.isEmpty()) {
          head = u[i];
        }
        current.add(i);
      } else {
        groups.add(List.copyOf(current));
        current = new ArrayList<>(List.of(i));
        head = u[i];
      }
    }
    groups.add(List.copyOf(current));
    return List.copyOf(groups);
  }

  /**
   * This labeler's ranking as a data record, or null when it ties every response (a ranking with
   * one group carries no preference).
   */
  public Ranking ranking(Task task, List<String> responses) {
    List<List<Integer>> groups = rank(task, responses);
    if (groups.size() < 2) {
      return null;
    }
    return new Ranking(
        task.id(), task.prompt(), responses, groups, id, task.category().label());
  }

  /** Likert 1..7 from this labeler's utility, with the gold judge's metadata flags. */
  public Rating rate(Task task, String response, String model) {
    Judgment j = judge.judge(task, response);
    double total = wPresentation + wCorrect + Math.max(0, lengthTaste);
    double u = utility(task, response) / total;
    // Scale so a correct, well-presented answer reaches 7 and a wrong one stays near 1-2.
    int likert = (int) Math.max(1, Math.min(7, 1 + Math.round(6 * u)));
    if (j.inappropriate()) {
      likert = Math.min(likert, 2);
    }
    return new Rating(
        task.id(), task.prompt(), response, model, likert, j.failsInstruction(),
        j.hallucination(), j.inappropriate(), j.harmful(), j.followsConstraints(), id);
  }

  /** A blind A/B judgment between two models' responses. */
  public PairJudgment judgePair(Task task, String modelA, String a, String modelB, String b) {
    int c = compare(task, a, b);
    String winner = c > 0 ? PairJudgment.A : c < 0 ? PairJudgment.B : PairJudgment.TIE;
    return new PairJudgment(task.id(), task.prompt(), modelA, a, modelB, b, winner, id);
  }

  @Override
  public String toString() {
    return String.format(
        "Labeler[%s presentation=%.2f correct=%.2f toxic=%.2f length=%.3f noise=%.3f tie=%.3f]",
        id, wPresentation, wCorrect, toxicFactor, lengthTaste, noise, tieMargin);
  }
}
