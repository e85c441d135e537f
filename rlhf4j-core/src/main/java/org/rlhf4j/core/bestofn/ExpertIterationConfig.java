package org.rlhf4j.core.bestofn;

import org.rlhf4j.core.train.OptimizerConfig;

/**
 * Expert iteration (rejection-sampling fine-tuning): R rounds of best-of-n sampling followed by
 * supervised fine-tuning on the kept responses.
 *
 * @param rounds R; each round samples afresh from the policy as the previous round left it
 * @param sampling best-of-n settings; round r samples with seed {@code sampling.seed() + r}
 * @param sftEpochs passes over one round's kept responses
 * @param sftBatch (prompt, best response) pairs per optimizer step
 * @param optimizer AdamW and schedule, one optimizer over all rounds (moments carry over)
 * @param seed order of the SFT pairs and dropout (a function of seed, round, epoch and step, so a
 *     resumed run repeats them)
 */
public record ExpertIterationConfig(
    int rounds, BestOfNConfig sampling, int sftEpochs, int sftBatch, OptimizerConfig optimizer, long seed) {
  public ExpertIterationConfig {
    if (rounds < 1 || sftEpochs < 1 || sftBatch < 1) {
      throw new IllegalArgumentException("rounds, sftEpochs and sftBatch must be >= 1");
    }
    if (sampling == null || optimizer == null) {
      throw new IllegalArgumentException("sampling and optimizer must be set");
    }
  }
}
