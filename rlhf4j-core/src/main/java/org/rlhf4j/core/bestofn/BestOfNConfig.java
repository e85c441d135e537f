package org.rlhf4j.core.bestofn;

import org.rlhf4j.core.generate.SamplingConfig;

/**
 * Best-of-n sampling.
 *
 * @param n samples per prompt; the best by reward is kept (n = 1 is the policy itself)
 * @param sampling how each sample is drawn; temperature 1 and no truncation sample the policy
 *     itself, the case in which the KL of the best-of-n distribution is {@link BestOfN#analyticKl}
 * @param generationBatch rows (prompt copies) per generation call
 * @param eosTrick score a response that did not end with EOS (it hit {@code maxNewTokens}) as
 *     {@code noEosScore} instead of asking the reward (Huang et al. 2024, "EOS trick"): a cut-off
 *     response is not a complete answer, and a reward model read at an appended EOS may still like
 *     it
 * @param noEosScore the score of a response without EOS when {@code eosTrick} is on
 */
public record BestOfNConfig(int n, SamplingConfig sampling, int generationBatch, boolean eosTrick, double noEosScore) {
  public BestOfNConfig {
    if (n < 1) {
      throw new IllegalArgumentException("n must be >= 1, got " + n);
    }
    if (sampling == null) {
      throw new IllegalArgumentException("sampling must be set");
    }
    if (generationBatch < 1) {
      throw new IllegalArgumentException("generationBatch must be >= 1, got " + generationBatch);
    }
    if (eosTrick && !Double.isFinite(noEosScore)) {
      throw new IllegalArgumentException("noEosScore must be finite, got " + noEosScore);
    }
  }

  /** n samples at temperature 1, 64 new tokens at most, 64 rows per call, EOS trick off. */
  public static BestOfNConfig of(int n, long seed) {
    return new BestOfNConfig(n, SamplingConfig.sample(64, seed), 64, false, 0);
  }

  public BestOfNConfig withSeed(long seed) {
    return new BestOfNConfig(n, sampling.withSeed(seed), generationBatch, eosTrick, noEosScore);
  }
}
