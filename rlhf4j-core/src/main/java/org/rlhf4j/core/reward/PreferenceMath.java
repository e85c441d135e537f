package org.rlhf4j.core.reward;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;
import org.rlhf4j.core.model.Scalars;
import org.rlhf4j.data.Ranking;

/**
 * Stateless preference arithmetic shared by the reward-model and DPO trainers: ranking-to-pairs
 * over a batch laid out one row per response, the weighted pairwise loss, and pair statistics.
 *
 * <p>Layout: the responses of the batch's rankings are stacked in order, ranking 0's K_0 rows
 * first, so response j of ranking i is row {@code offset_i + j}. Every row is forwarded once;
 * the C(K,2) pairs (minus ties) only index into those rows. This is InstructGPT's "all pairs of a
 * prompt as one batch element" (Ouyang et al. 2022, section 3.5): K forward passes per prompt
 * rather than 2 C(K,2), and each prompt weighs the same in the loss whatever its K.
 */
public final class PreferenceMath {
  private PreferenceMath() {}

  /**
   * The (winner, loser) pairs of a batch as flat row indices.
   *
   * @param winners row of the preferred response of each pair
   * @param losers row of the dispreferred response of each pair
   * @param weights 1 / (P_i * prompts) for a pair of ranking i with P_i pairs, so that the weighted
   *     sum is the mean over prompts of each prompt's mean over its pairs
   * @param rows total rows (sum of K)
   */
  public record PairIndex(int[] winners, int[] losers, float[] weights, int rows) {
    public int size() {
      return winners.length;
    }
  }

  /**
   * Pairs of {@code rankings} laid out as in the class comment.
   *
   * @param promptsInBatch the number of prompts the loss is averaged over: the whole optimizer
   *     batch, so that the losses of its micro-batches add up to the batch mean (gradient
   *     accumulation then equals one large batch)
   */
  public static PairIndex pairIndex(List<Ranking> rankings, int promptsInBatch) {
    if (promptsInBatch < rankings.size()) {
      throw new IllegalArgumentException(
          "promptsInBatch " + promptsInBatch + " < rankings in this micro-batch " + rankings.size());
    }
    int total = 0;
    for (Ranking r : rankings) {
      total += r.pairs().size();
    }
    int[] w = new int[total];
    int[] l = new int[total];
    float[] weight = new float[total];
    int offset = 0;
    int p = 0;
    for (Ranking r : rankings) {
      List<int[]> pairs = r.pairs();
      float each = (float) (1.0 / ((double) pairs.size() * promptsInBatch));
      for (int[] pair : pairs) {
        w[p] = offset + pair[0];
        l[p] = offset + pair[1];
        weight[p] = each;
        p++;
      }
      offset += r.k();
    }
    return new PairIndex(w, l, weight, offset);
  }

  /**
   * The InstructGPT reward-model loss {@code -1/P sum log sigma(r_w - r_l)} per prompt, averaged
   * over prompts (with the weights of {@code index}).
   *
   * @param scores (N) one reward per row
   * @return scalar, attached to {@code scores}' manager
   */
  public static NDArray rankingLoss(NDArray scores, PairIndex index) {
    NDArray diff = pairDifferences(scores, index); // (pairs)
    return logSigmoid(diff).mul(weights(scores.getManager(), index)).sum().neg();
  }

  /** {@code x[w] - x[l]} for every pair: (N) -> (pairs). */
  public static NDArray pairDifferences(NDArray x, PairIndex index) {
    NDManager m = x.getManager();
    NDArray w = m.create(toLongs(index.winners()));
    NDArray l = m.create(toLongs(index.losers()));
    return x.gather(w, 0).sub(x.gather(l, 0));
  }

  /** (pairs) float32 weights of {@code index} in {@code manager}. */
  public static NDArray weights(NDManager manager, PairIndex index) {
    return manager.create(index.weights());
  }

  /**
   * log sigma(x) = min(x, 0) - log(1 + exp(-|x|)): finite for every finite x, where log(sigmoid(x))
   * underflows to -inf near x = -100 in float32 (and so would poison the gradient).
   */
  public static NDArray logSigmoid(NDArray x) {
    return Scalars.minimum(x, 0f).sub(x.abs().neg().exp().add(1f).log());
  }

  /** Pairwise accuracy and margin of a set of pairs, as plain sums so batches can be merged. */
  public record PairStats(double correct, double marginSum, long pairs) {
    public static final PairStats EMPTY = new PairStats(0, 0, 0);

    /**
     * Counts pair {@code (w, l)} as correct when {@code x[w] > x[l]} and as half correct on an
     * exact tie (a model that scores everything equal gets 50%, the chance level).
     */
    public static PairStats of(float[] x, PairIndex index) {
      double correct = 0;
      double margin = 0;
      for (int p = 0; p < index.size(); p++) {
        double d = (double) x[index.winners()[p]] - x[index.losers()[p]];
        correct += d > 0 ? 1 : d == 0 ? 0.5 : 0;
        margin += d;
      }
      return new PairStats(correct, margin, index.size());
    }

    public PairStats plus(PairStats o) {
      return new PairStats(correct + o.correct, marginSum + o.marginSum, pairs + o.pairs);
    }

    /** Fraction of pairs ordered correctly; NaN without pairs. */
    public double accuracy() {
      return pairs == 0 ? Double.NaN : correct / pairs;
    }

    /** Mean of x_w - x_l; NaN without pairs. */
    public double meanMargin() {
      return pairs == 0 ? Double.NaN : marginSum / pairs;
    }
  }

  static long[] toLongs(int[] a) {
    long[] out = new long[a.length];
    for (int i = 0; i < a.length; i++) {
      out[i] = a[i];
    }
    return out;
  }
}
