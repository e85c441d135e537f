package org.rlhf4j.label;

import java.util.List;
import org.rlhf4j.data.Ranking;

/** Pure statistics for the dashboard and the A/B report. */
public final class Stats {
  private Stats() {}

  /** Time on one task above this counts as this much: a labeler who walked away is not slow. */
  static final long MAX_TASK_MS = 10 * 60 * 1000;

  /**
   * Pairwise agreement of two rankings of the same K responses: the fraction of the C(K,2)
   * response pairs that both order the same way ({@code <}, {@code >} or tie). InstructGPT reports
   * inter-labeler agreement in this pairwise sense (72.6 ± 1.5% for training labelers).
   */
  public static double pairwiseAgreement(Ranking a, Ranking b) {
    if (a.k() != b.k()) {
      throw new IllegalArgumentException("rankings of different K: " + a.k() + " vs " + b.k());
    }
    int[] ga = a.groupOf();
    int[] gb = b.groupOf();
    int agree = 0;
    int total = 0;
    for (int i = 0; i < ga.length; i++) {
      for (int j = i + 1; j < ga.length; j++) {
        total++;
        if (Integer.signum(ga[i] - ga[j]) == Integer.signum(gb[i] - gb[j])) {
          agree++;
        }
      }
    }
    return (double) agree / total;
  }

  /**
   * Wilson score interval for a proportion {@code p = successes / n} at normal quantile {@code z}
   * (1.96 for 95%). Unlike the normal approximation it stays inside [0, 1] and behaves at p near 0
   * or 1 and small n. {@code successes} may be fractional (ties counted as half a win).
   */
  public static double[] wilson(double successes, long n, double z) {
    if (n <= 0) {
      return new double[] {0, 1};
    }
    double p = successes / n;
    double z2 = z * z;
    double denominator = 1 + z2 / n;
    double center = (p + z2 / (2.0 * n)) / denominator;
    double half = z * Math.sqrt(p * (1 - p) / n + z2 / (4.0 * n * n)) / denominator;
    return new double[] {Math.max(0, center - half), Math.min(1, center + half)};
  }

  /**
   * Labels per hour of active time: {@code count * 3600 s / sum(min(duration, 10 min))} over the
   * labels whose duration is known. NaN when no duration is known.
   */
  public static double labelsPerHour(List<Long> durationsMs) {
    long active = 0;
    int count = 0;
    for (Long d : durationsMs) {
      if (d != null && d >= 0) {
        active += Math.min(d, MAX_TASK_MS);
        count++;
      }
    }
    if (count == 0) {
      return Double.NaN;
    }
    return count * 3_600_000.0 / Math.max(active, 1000);
  }

  /** A/B summary: model B's win rate with ties as half a win, and its 95% Wilson interval. */
  public record WinRate(long winsA, long winsB, long ties, double rateB, double low, double high) {
    public long n() {
      return winsA + winsB + ties;
    }
  }

  public static WinRate winRate(long winsA, long winsB, long ties) {
    long n = winsA + winsB + ties;
    double successes = winsB + 0.5 * ties;
    double[] ci = wilson(successes, n, 1.96);
    return new WinRate(winsA, winsB, ties, n == 0 ? Double.NaN : successes / n, ci[0], ci[1]);
  }
}
