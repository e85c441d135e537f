package org.rlhf4j.world;

import java.util.List;
import org.rlhf4j.data.PairJudgment;

/**
 * Win rate of model A against a baseline B as judged by the <i>held-out</i> labelers, the paper's
 * headline metric: every held-out labeler judges every pair and the rate is the mean over all
 * judgments, ties counting half (A/B order is irrelevant: the simulated labeler has no position
 * bias). Drawing one labeler per prompt, as a labeling budget forces on people, moved our win
 * rates by up to 3 points between draws; asking the whole pool removes that noise at no cost.
 */
public final class WinRate {

  /** The win rate and the raw judgments behind it. */
  public record Result(
      double winRate, int wins, int ties, int losses, List<PairJudgment> judgments) {
    public Result {
      judgments = List.copyOf(judgments);
    }
  }

  private WinRate() {}

  /**
   * Compares {@code a.get(i)} with {@code b.get(i)} as answers to {@code tasks.get(i)}, each pair
   * judged by every held-out labeler.
   */
  public static Result heldOut(
      World world, List<Task> tasks, String modelA, List<String> a, String modelB, List<String> b) {
    if (tasks.size() != a.size() || tasks.size() != b.size() || tasks.isEmpty()) {
      throw new IllegalArgumentException(
          "need one response per task from each model, got " + tasks.size() + " tasks, "
              + a.size() + " and " + b.size() + " responses");
    }
    List<Labeler> pool = world.labelers().heldOut();
    int wins = 0;
    int ties = 0;
    int losses = 0;
    List<PairJudgment> judgments = new java.util.ArrayList<>();
    for (int i = 0; i < tasks.size(); i++) {
      for (Labeler l : pool) {
        PairJudgment j = l.judgePair(tasks.get(i), modelA, a.get(i), modelB, b.get(i));
        judgments.add(j);
        switch (j.winner()) {
          case PairJudgment.A -> wins++;
          case PairJudgment.B -> losses++;
          default -> ties++;
        }
      }
    }
    double rate = (wins + 0.5 * ties) / judgments.size();
    return new Result(rate, wins, ties, losses, judgments);
  }
}
