package org.rlhf4j.world;

import java.util.List;
import java.util.Random;
import org.rlhf4j.data.PairJudgment;

/**
 * Win rate of model A against a baseline B as judged by the <i>held-out</i> labelers, the paper's
 * headline metric: one randomly drawn held-out labeler per prompt, A/B order irrelevant (the
 * simulated labeler has no position bias), ties count half.
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

  /** Compares {@code a.get(i)} with {@code b.get(i)} as answers to {@code tasks.get(i)}. */
  public static Result heldOut(
      World world, List<Task> tasks, String modelA, List<String> a, String modelB,
      List<String> b, long seed) {
    if (tasks.size() != a.size() || tasks.size() != b.size() || tasks.isEmpty()) {
      throw new IllegalArgumentException(
          "need one response per task from each model, got " + tasks.size() + " tasks, "
              + a.size() + " and " + b.size() + " responses");
    }
    List<Labeler> pool = world.labelers().heldOut();
    Random rng = new Random(seed);
    int wins = 0;
    int ties = 0;
    int losses = 0;
    List<PairJudgment> judgments = new java.util.ArrayList<>();
    for (int i = 0; i < tasks.size(); i++) {
      Labeler l = pool.get(rng.nextInt(pool.size()));
      PairJudgment j = l.judgePair(tasks.get(i), modelA, a.get(i), modelB, b.get(i));
      judgments.add(j);
      switch (j.winner()) {
        case PairJudgment.A -> wins++;
        case PairJudgment.B -> losses++;
        default -> ties++;
      }
    }
    double rate = (wins + 0.5 * ties) / tasks.size();
    return new Result(rate, wins, ties, losses, judgments);
  }
}
