package org.rlhf4j.core.reward;

import java.io.IOException;
import java.util.List;

/**
 * Several reward functions combined into one: the reward-model ensembles of Coste et al. 2023,
 * "Reward Model Ensembles Help Mitigate Overoptimization" (ICLR 2024). Members trained from
 * different seeds make different errors; the policy can exploit the error of one member but
 * rarely the errors of all of them together.
 *
 * <p>The members should be normalised alike (for example each with the InstructGPT bias that puts
 * labeler demonstrations at mean 0), because the aggregates compare their scores directly.
 */
public final class RewardEnsemble implements RewardFunction {

  /** How the members' scores of one response are combined (Coste et al. 2023, section 3). */
  public enum Aggregation {
    /** The mean of the members' scores. */
    MEAN,
    /** Worst-case optimisation (WCO): the lowest member score. */
    MIN,
    /**
     * Uncertainty-weighted optimisation (UWO): mean minus {@code lambda} times the members'
     * variance (population variance, over members).
     */
    UNCERTAINTY_WEIGHTED
  }

  private final List<RewardFunction> members;
  private final Aggregation aggregation;
  private final double lambda;

  /**
   * @param members at least one reward function
   * @param aggregation how the scores are combined
   * @param lambda the variance penalty of {@link Aggregation#UNCERTAINTY_WEIGHTED} (ignored by the others)
   */
  public RewardEnsemble(List<? extends RewardFunction> members, Aggregation aggregation, double lambda) {
    if (members == null || members.isEmpty()) {
      throw new IllegalArgumentException("a reward ensemble needs at least one member");
    }
    if (aggregation == null) {
      throw new IllegalArgumentException("aggregation must be set");
    }
    if (!(lambda >= 0)) {
      throw new IllegalArgumentException("lambda must be >= 0, got " + lambda);
    }
    this.members = List.copyOf(members);
    this.aggregation = aggregation;
    this.lambda = lambda;
  }

  /** The members, in order. */
  public List<RewardFunction> members() {
    return members;
  }

  @Override
  public double[] score(List<String> prompts, List<String> responses) throws IOException {
    double[][] byMember = new double[members.size()][];
    for (int m = 0; m < members.size(); m++) {
      byMember[m] = members.get(m).score(prompts, responses);
      if (byMember[m].length != prompts.size()) {
        throw new IllegalStateException("ensemble member " + m + " returned " + byMember[m].length
            + " scores for " + prompts.size() + " responses");
      }
    }
    return combine(byMember, aggregation, lambda);
  }

  /**
   * Combines scores[member][response] into one score per response.
   *
   * @param scores one row per member, all of the same length
   */
  public static double[] combine(double[][] scores, Aggregation aggregation, double lambda) {
    int n = scores[0].length;
    int k = scores.length;
    double[] out = new double[n];
    for (int i = 0; i < n; i++) {
      double sum = 0;
      double min = Double.POSITIVE_INFINITY;
      for (double[] row : scores) {
        sum += row[i];
        min = Math.min(min, row[i]);
      }
      double mean = sum / k;
      out[i] = switch (aggregation) {
        case MEAN -> mean;
        case MIN -> min;
        case UNCERTAINTY_WEIGHTED -> {
          double var = 0;
          for (double[] row : scores) {
            var += (row[i] - mean) * (row[i] - mean);
          }
          yield mean - lambda * var / k;
        }
      };
    }
    return out;
  }
}
