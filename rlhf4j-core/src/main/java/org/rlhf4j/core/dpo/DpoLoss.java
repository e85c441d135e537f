package org.rlhf4j.core.dpo;

import ai.djl.ndarray.NDArray;
import org.rlhf4j.core.model.Scalars;
import org.rlhf4j.core.reward.PreferenceMath;
import org.rlhf4j.core.reward.PreferenceMath.PairIndex;

/** The DPO and IPO losses on sequence log-probabilities; stateless. */
public final class DpoLoss {
  private DpoLoss() {}

  /**
   * Weighted mean over pairs of the preference loss (weights from {@code index}: each prompt's
   * pairs average, then prompts average, as in the reward model).
   *
   * @param policyLogps (N) log pi(y | x) per row, with gradient
   * @param referenceLogps (N) log ref(y | x) per row, constants
   * @return scalar
   */
  public static NDArray loss(NDArray policyLogps, NDArray referenceLogps, PairIndex index, DpoConfig.Loss kind, double beta) {
    // h = (log pi(y_w) - log ref(y_w)) - (log pi(y_l) - log ref(y_l)); activation first so the
    // result stays in the policy step's manager.
    NDArray ratios = policyLogps.sub(referenceLogps); // (N)
    NDArray h = PreferenceMath.pairDifferences(ratios, index); // (pairs)
    NDArray perPair = switch (kind) {
      case SIGMOID -> PreferenceMath.logSigmoid(Scalars.mul(h, (float) beta)).neg();
      case IPO -> h.sub((float) (1.0 / (2.0 * beta))).square();
    };
    return perPair.mul(PreferenceMath.weights(h.getManager(), index)).sum();
  }
}
