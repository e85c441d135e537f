package org.rlhf4j.world;

/**
 * A share of trials with its 95% Wilson score interval (Wilson 1927): unlike the normal
 * approximation it stays inside [0, 1] and behaves at shares near 0 or 1, where today's models'
 * correctness lies.
 *
 * @param successes trials that succeeded
 * @param n trials (at least 1)
 * @param value {@code successes / n}
 * @param low lower end of the 95% interval
 * @param high upper end of the 95% interval
 */
public record Proportion(int successes, int n, double value, double low, double high) {

  /** The normal quantile of a two-sided 95% interval. */
  static final double Z95 = 1.959963984540054;

  public Proportion {
    if (n < 1 || successes < 0 || successes > n) {
      throw new IllegalArgumentException(
          "proportion needs 0 <= successes <= n and n >= 1, got " + successes + "/" + n);
    }
  }

  /** {@code successes / n} with its 95% Wilson interval. */
  public static Proportion of(int successes, int n) {
    if (n < 1) {
      throw new IllegalArgumentException("proportion of no trials");
    }
    double p = successes / (double) n;
    double[] ci = wilson(p, n);
    return new Proportion(successes, n, p, ci[0], ci[1]);
  }

  /**
   * 95% Wilson score interval {low, high} of a share {@code p} over {@code n} trials; {@code p}
   * may come from fractional successes (ties counted one half, as in a win rate).
   */
  public static double[] wilson(double p, int n) {
    if (n < 1) {
      throw new IllegalArgumentException("Wilson interval of no trials");
    }
    double z2 = Z95 * Z95;
    double denom = 1 + z2 / n;
    double centre = (p + z2 / (2.0 * n)) / denom;
    double half = Z95 * Math.sqrt(p * (1 - p) / n + z2 / (4.0 * n * n)) / denom;
    return new double[] {Math.max(0, centre - half), Math.min(1, centre + half)};
  }
}
