package org.rlhf4j.core.model;

import ai.djl.ndarray.NDArray;

/**
 * Forward passes over the {@code PromptResponseBatch} layout (prompts left-padded to width P,
 * responses right-padded after them): the response tokens sit at columns P..W-1 and are
 * predicted by the outputs at columns P-1..W-2. Every trainer that scores responses (SFT, DPO,
 * PPO, rejection sampling) goes through here so the off-by-one lives in one place.
 */
public final class ResponseScoring {
  private ResponseScoring() {}

  /**
   * Log-probabilities of each response token.
   *
   * @param ids (B, W) prompt and response tokens
   * @param mask (B, W) attention mask
   * @param promptWidth P
   * @param temperature logits are divided by it, as in sampling (PPO detail)
   * @return (B, W - P); entries past a row's response length are meaningless (mask them)
   */
  public static NDArray responseLogprobs(CausalLm model, NDArray ids, NDArray mask, int promptWidth, float temperature) {
    NDArray logits = responseLogits(model, ids, mask, promptWidth);
    return LmMath.tokenLogprobs(logits, ids.get(":, " + promptWidth + ":"), temperature);
  }

  /** (B, W - P, V) logits at the positions that predict the response tokens. */
  public static NDArray responseLogits(CausalLm model, NDArray ids, NDArray mask, int promptWidth) {
    long w = ids.getShape().get(1);
    NDArray hidden = model.forward(ids, mask, null); // (B, W, C)
    NDArray h = hidden.get(":, " + (promptWidth - 1) + ":" + (w - 1) + ", :"); // (B, R, C)
    return model.logits(h);
  }

  /**
   * Scalar head at the positions that predict response tokens: V(s_t) for the state before
   * response token t, as PPO's value function needs.
   *
   * @return (B, W - P)
   */
  public static NDArray responseValues(CausalLm valueModel, NDArray ids, NDArray mask, int promptWidth) {
    long w = ids.getShape().get(1);
    NDArray hidden = valueModel.forward(ids, mask, null);
    return valueModel.scoreAll(hidden.get(":, " + (promptWidth - 1) + ":" + (w - 1) + ", :"));
  }
}
