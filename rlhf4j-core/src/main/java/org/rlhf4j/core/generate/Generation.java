package org.rlhf4j.core.generate;

/**
 * Sampled continuations of a batch of prompts.
 *
 * @param prompts the prompt tokens actually used (left-truncated if they did not fit the context)
 * @param responses generated tokens per row, cut after the first EOS (which is kept)
 * @param logprobs per response token, log-probability under softmax(logits / temperature) over the
 *     full vocabulary (before top-k/top-p truncation; with temperature 1 and no truncation these are
 *     the policy's log-probs that PPO needs). For greedy decoding, temperature 1 is used.
 * @param endedWithEos whether each response ends with EOS (InstructGPT's "EOS trick" penalises
 *     the others)
 */
public record Generation(int[][] prompts, int[][] responses, float[][] logprobs, boolean[] endedWithEos) {

  public int size() {
    return responses.length;
  }

  /** Fraction of responses that ended with EOS. */
  public double eosRate() {
    int n = 0;
    for (boolean b : endedWithEos) {
      n += b ? 1 : 0;
    }
    return responses.length == 0 ? 0 : (double) n / responses.length;
  }

  /** Mean response length in tokens (EOS included). */
  public double meanLength() {
    long n = 0;
    for (int[] r : responses) {
      n += r.length;
    }
    return responses.length == 0 ? 0 : (double) n / responses.length;
  }
}
