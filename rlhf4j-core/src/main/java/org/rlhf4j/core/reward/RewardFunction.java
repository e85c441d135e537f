package org.rlhf4j.core.reward;

import java.io.IOException;
import java.util.List;

/**
 * Scores (prompt, response) pairs; higher is better. A trained reward model implements it, but so
 * can a rule, a lookup of human labels or a remote scorer: PPO, best-of-n and rejection sampling
 * take any implementation. It works on text so that the policy and the scorer may use different
 * tokenizers.
 */
@FunctionalInterface
public interface RewardFunction {
  /**
   * @param prompts prompt texts, exactly as given to the policy
   * @param responses response texts (without EOS), one per prompt
   * @return one score per pair
   */
  double[] score(List<String> prompts, List<String> responses) throws IOException;
}
