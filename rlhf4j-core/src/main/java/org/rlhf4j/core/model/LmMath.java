package org.rlhf4j.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/** Language-model arithmetic shared by every trainer: token log-probabilities and masked means. */
public final class LmMath {
  private LmMath() {}

  /**
   * Log-probability of each target token: log_softmax(logits / temperature) gathered at
   * {@code targets}. Dividing by the sampling temperature here as in sampling is one of the PPO
   * details (Huang et al. 2024): otherwise rollout and training log-probs disagree.
   *
   * @param logits (B, T, V)
   * @param targets (B, T) int64
   * @param temperature sampling temperature (1 = unchanged)
   * @return (B, T)
   */
  public static NDArray tokenLogprobs(NDArray logits, NDArray targets, float temperature) {
    NDArray scaled = temperature == 1f ? logits : Scalars.div(logits, temperature);
    NDArray logp = scaled.logSoftmax(-1); // (B, T, V)
    NDArray idx = targets.toType(DataType.INT64, false).expandDims(-1); // (B, T, 1)
    return logp.gather(idx, -1).squeeze(-1); // (B, T)
  }

  /** Entropy of softmax(logits / temperature) per position: (B, T, V) -> (B, T). */
  public static NDArray entropy(NDArray logits, float temperature) {
    NDArray scaled = temperature == 1f ? logits : Scalars.div(logits, temperature);
    NDArray logp = scaled.logSoftmax(-1);
    return logp.exp().mul(logp).sum(new int[] {-1}).neg();
  }

  /** Mean of {@code x} over positions where {@code mask} is 1 (any shape, same for both). */
  public static NDArray maskedMean(NDArray x, NDArray mask) {
    NDArray m = mask.toType(DataType.FLOAT32, false);
    return x.mul(m).sum().div(Scalars.maximum(m.sum(), 1f));
  }

  /**
   * Mean next-token cross-entropy: position t predicts token t+1; a pair counts when
   * {@code lossMask} is 1 at the target position t+1 (so prompt tokens can be excluded in SFT).
   *
   * @param logits (B, T, V) for inputs {@code ids}
   * @param ids (B, T) int64
   * @param lossMask (B, T) 1 where the token is a training target
   * @return scalar loss
   */
  public static NDArray nextTokenLoss(NDArray logits, NDArray ids, NDArray lossMask) {
    long t = ids.getShape().get(1);
    NDArray lp = tokenLogprobs(logits.get(":, :" + (t - 1) + ", :"), ids.get(":, 1:"), 1f);
    return maskedMean(lp, lossMask.get(":, 1:")).neg();
  }
}
