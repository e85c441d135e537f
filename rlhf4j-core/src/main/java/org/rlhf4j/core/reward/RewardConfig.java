package org.rlhf4j.core.reward;

import org.rlhf4j.core.train.OptimizerConfig;

/**
 * Reward-model training (InstructGPT step 2; Ouyang et al. 2022, section 3.5 and appendix C.2).
 *
 * @param promptsPerBatch rankings (prompts) per optimizer step; each ranking of K responses is one
 *     batch element contributing its C(K,2) pairs (ties skipped)
 * @param promptsPerMicroBatch rankings per forward/backward pass; the gradients of
 *     promptsPerBatch / promptsPerMicroBatch passes accumulate into one step (an exact division,
 *     checked). A pass forwards sum(K) rows, up to 9 per prompt
 * @param epochs passes over the data; InstructGPT trains one, because the RM overfits after that
 * @param optimizer AdamW and its schedule (the paper: cosine decay)
 * @param normalization what the trained scores are normalised against; see {@link Normalization}
 * @param scoreBatch rows per forward pass when scoring without gradients (evaluation,
 *     normalisation)
 * @param checkpointEvery optimizer steps between resumable checkpoints (0: only at the end)
 * @param logEvery optimizer steps between metric lines
 * @param seed seeds the order of prompts (a function of seed and epoch, so a resumed run repeats it)
 */
public record RewardConfig(
    int promptsPerBatch,
    int promptsPerMicroBatch,
    int epochs,
    OptimizerConfig optimizer,
    Normalization normalization,
    int scoreBatch,
    int checkpointEvery,
    int logEvery,
    long seed) {

  /** The reference distribution the trained reward is normalised against (the loss is shift-invariant). */
  public enum Normalization {
    /** Raw scalar-head outputs (gain 1, bias 0). */
    NONE,
    /**
     * A bias so that labeler demonstrations score mean 0 (InstructGPT section 3.5: "so that the
     * labeler demonstrations achieve a mean score of 0 before doing RL").
     */
    DEMONSTRATIONS,
    /**
     * A gain and bias so that samples of the reference policy score mean 0 and standard deviation
     * 1 (Ziegler et al. 2019, section 2.2: so the KL coefficient keeps the same meaning).
     */
    REFERENCE_SAMPLES
  }

  public RewardConfig {
    if (promptsPerBatch < 1 || promptsPerMicroBatch < 1) {
      throw new IllegalArgumentException("promptsPerBatch and promptsPerMicroBatch must be positive");
    }
    if (promptsPerBatch % promptsPerMicroBatch != 0) {
      throw new IllegalArgumentException(
          "promptsPerBatch " + promptsPerBatch + " is not a multiple of promptsPerMicroBatch " + promptsPerMicroBatch);
    }
    if (epochs < 1) {
      throw new IllegalArgumentException("epochs must be >= 1, got " + epochs);
    }
    if (optimizer == null || normalization == null) {
      throw new IllegalArgumentException("optimizer and normalization must be set");
    }
    if (scoreBatch < 1 || logEvery < 1 || checkpointEvery < 0) {
      throw new IllegalArgumentException("scoreBatch and logEvery must be >= 1, checkpointEvery >= 0");
    }
  }

  /**
   * Defaults: 64 prompts per step (the paper's batch of 64 ranking groups) in micro-batches of 8,
   * one epoch, AdamW with cosine decay to 10% from 1e-5 (the paper's RM used 9e-6), no warm-up,
   * demonstration normalisation, checkpoint every 100 steps.
   */
  public static RewardConfig defaults() {
    return new RewardConfig(
        64, 8, 1, OptimizerConfig.cosine(1e-5, 0), Normalization.DEMONSTRATIONS, 32, 100, 1, 0);
  }

  /** Micro-batches accumulated per optimizer step. */
  public int accumulation() {
    return promptsPerBatch / promptsPerMicroBatch;
  }

  /** Optimizer steps in one epoch over {@code prompts} rankings (the last batch may be short). */
  public long stepsPerEpoch(int prompts) {
    return (prompts + promptsPerBatch - 1) / promptsPerBatch;
  }
}
