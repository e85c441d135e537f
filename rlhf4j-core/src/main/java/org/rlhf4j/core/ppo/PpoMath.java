package org.rlhf4j.core.ppo;

import ai.djl.ndarray.NDArray;
import org.rlhf4j.core.model.Scalars;

/**
 * The pure arithmetic of PPO for language models, stateless and unit-tested on its own: KL
 * estimators, generalised advantage estimation, whitening, the clipped losses and the adaptive KL
 * controller. Per-token quantities are (B, R) arrays over a batch of B responses of at most R
 * tokens; {@code lengths[i]} says how many of row i's entries are real.
 */
public final class PpoMath {
  private PpoMath() {}

  /** Which per-token estimator of KL(pi || pi_ref) to use (Schulman 2020, "Approximating KL"). */
  public enum KlEstimator {
    /** k1 = log pi - log pi_ref: unbiased; can be negative for a single sample. */
    K1,
    /** k3 = (r - 1) - log r with r = pi_ref / pi: unbiased, always >= 0, lower variance. */
    K3
  }

  /**
   * Per-token KL estimate from policy and reference log-probs of the sampled tokens, in double:
   * k3 grows as exp(-log ratio) and would overflow a float below a log ratio of about -88.7.
   */
  public static double[][] klPerToken(float[][] logp, float[][] refLogp, int[] lengths, KlEstimator estimator) {
    double[][] kl = new double[logp.length][];
    for (int i = 0; i < logp.length; i++) {
      kl[i] = new double[logp[i].length];
      for (int t = 0; t < lengths[i]; t++) {
        double logRatio = (double) logp[i][t] - refLogp[i][t]; // log pi - log pi_ref
        kl[i][t] = estimator == KlEstimator.K1 ? logRatio : Math.expm1(-logRatio) + logRatio;
      }
    }
    return kl;
  }

  /**
   * Generalised advantage estimation (Schulman et al. 2016) over each response, with the value
   * after the last token taken as 0 (the episode ends there).
   *
   * @return {advantages, returns}, returns = advantages + values
   */
  public static float[][][] gae(float[][] rewards, float[][] values, int[] lengths, double gamma, double lambda) {
    int b = rewards.length;
    float[][] adv = new float[b][];
    float[][] ret = new float[b][];
    for (int i = 0; i < b; i++) {
      int r = rewards[i].length;
      adv[i] = new float[r];
      ret[i] = new float[r];
      double last = 0;
      for (int t = lengths[i] - 1; t >= 0; t--) {
        double next = t + 1 < lengths[i] ? values[i][t + 1] : 0.0;
        double delta = rewards[i][t] + gamma * next - values[i][t];
        last = delta + gamma * lambda * last;
        adv[i][t] = (float) last;
        ret[i][t] = (float) (last + values[i][t]);
      }
    }
    return new float[][][] {adv, ret};
  }

  /** Mean of the real entries. */
  public static double maskedMean(float[][] x, int[] lengths) {
    double s = 0;
    long n = 0;
    for (int i = 0; i < x.length; i++) {
      for (int t = 0; t < lengths[i]; t++) {
        s += x[i][t];
        n++;
      }
    }
    return n == 0 ? 0 : s / n;
  }

  /** Unbiased variance of the real entries (Bessel's correction, as TRL's masked_var). */
  public static double maskedVariance(float[][] x, int[] lengths) {
    double mean = maskedMean(x, lengths);
    double s = 0;
    long n = 0;
    for (int i = 0; i < x.length; i++) {
      for (int t = 0; t < lengths[i]; t++) {
        s += (x[i][t] - mean) * (x[i][t] - mean);
        n++;
      }
    }
    return n < 2 ? 0 : s / (n - 1);
  }

  /**
   * Whitening over the real entries: (x - mean) / sqrt(var + 1e-8), keeping the mean when
   * {@code shiftMean} is false (reward whitening keeps the sign of the reward, Huang et al. 2024).
   * Padding entries become 0.
   */
  public static float[][] whiten(float[][] x, int[] lengths, boolean shiftMean) {
    double mean = maskedMean(x, lengths);
    double std = Math.sqrt(maskedVariance(x, lengths) + 1e-8);
    float[][] out = new float[x.length][];
    for (int i = 0; i < x.length; i++) {
      out[i] = new float[x[i].length];
      for (int t = 0; t < lengths[i]; t++) {
        double w = (x[i][t] - mean) / std;
        out[i][t] = (float) (shiftMean ? w : w + mean);
      }
    }
    return out;
  }

  /**
   * The clipped surrogate objective as a loss (Schulman et al. 2017):
   * max(-A r, -A clip(r, 1-eps, 1+eps)) averaged over real tokens.
   *
   * @param logRatio (B, R) log pi_new - log pi_old
   * @param advantages (B, R)
   * @param mask (B, R) float 1 for real tokens
   * @return {loss, clip fraction} as arrays in the manager of {@code logRatio}
   */
  public static NDArray[] clippedPolicyLoss(NDArray logRatio, NDArray advantages, NDArray mask, float clip) {
    NDArray ratio = logRatio.exp();
    NDArray unclipped = advantages.neg().mul(ratio);
    NDArray clipped = advantages.neg().mul(ratio.clip(1 - clip, 1 + clip));
    NDArray loss = masked(unclipped.maximum(clipped), mask);
    NDArray clipFrac = masked(clipped.gt(unclipped).toType(ai.djl.ndarray.types.DataType.FLOAT32, false), mask);
    return new NDArray[] {loss, clipFrac};
  }

  /**
   * Clipped value loss (OpenAI's lm-human-preferences, Huang et al. 2024): 0.5 max((v - R)^2,
   * (v_clip - R)^2) with v_clip = v_old + clip(v - v_old, -eps, eps), averaged over real tokens.
   *
   * @return {loss, value clip fraction}
   */
  public static NDArray[] clippedValueLoss(NDArray values, NDArray oldValues, NDArray returns, NDArray mask, float clip) {
    NDArray vClipped = oldValues.add(values.sub(oldValues).clip(-clip, clip));
    NDArray a = values.sub(returns).square();
    NDArray b = vClipped.sub(returns).square();
    NDArray loss = Scalars.mul(masked(a.maximum(b), mask), 0.5f);
    NDArray clipFrac = masked(b.gt(a).toType(ai.djl.ndarray.types.DataType.FLOAT32, false), mask);
    return new NDArray[] {loss, clipFrac};
  }

  private static NDArray masked(NDArray x, NDArray mask) {
    return x.mul(mask).sum().div(Scalars.maximum(mask.sum(), 1f));
  }

  /** The adaptive controller's floor for beta (see {@link #adaptiveBeta}). */
  public static final double MIN_ADAPTIVE_BETA = 1e-8;

  /**
   * Ziegler et al. (2019) adaptive KL controller: e = clip(kl / target - 1, -0.2, 0.2),
   * beta <- max(beta (1 + e n / horizon), {@link #MIN_ADAPTIVE_BETA}). The floor matters when
   * n > 5 horizon: then 1 + e n / horizon goes negative at e = -0.2, and a negative beta would
   * reward moving away from the reference. From the floor, beta recovers by a factor of at least
   * 2 per update in that regime once the KL exceeds 1.2 target.
   *
   * @param kl measured KL (nats per episode) of the last batch
   * @param n episodes in that batch
   */
  public static double adaptiveBeta(double beta, double kl, double target, double horizon, int n) {
    double e = Math.max(-0.2, Math.min(0.2, kl / target - 1));
    return Math.max(MIN_ADAPTIVE_BETA, beta * (1 + e * n / horizon));
  }

  /** Fraction of the variance of {@code returns} that {@code values} explain: 1 - Var(R - V) / Var(R). */
  public static double explainedVariance(float[][] values, float[][] returns, int[] lengths) {
    float[][] diff = new float[values.length][];
    for (int i = 0; i < values.length; i++) {
      diff[i] = new float[values[i].length];
      for (int t = 0; t < lengths[i]; t++) {
        diff[i][t] = returns[i][t] - values[i][t];
      }
    }
    double varR = maskedVariance(returns, lengths);
    return varR == 0 ? Double.NaN : 1 - maskedVariance(diff, lengths) / varR;
  }
}
