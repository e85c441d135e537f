package org.rlhf4j.core.dpo;

import org.rlhf4j.core.train.OptimizerConfig;

/**
 * Direct preference optimisation (Rafailov et al. 2023) and its IPO variant (Azar et al. 2023).
 *
 * @param beta strength of the implicit KL constraint to the reference: the DPO loss is
 *     -log sigma(beta h) and the IPO loss (h - 1/(2 beta))^2, i.e. IPO's tau = beta. The DPO
 *     paper uses 0.1 (0.5 for summarisation)
 * @param loss which loss (see {@link Loss})
 * @param averageLogprobs use the mean instead of the sum of response-token log-probs (+EOS) per
 *     sequence. The DPO derivation needs the sum; TRL switches to the mean for IPO, following the
 *     IPO authors' experiments. Off by default
 * @param promptsPerBatch rankings (prompts) per optimizer step; a ranking of K responses expands
 *     to its non-tied pairs, and each prompt weighs the same (as in the reward model)
 * @param promptsPerMicroBatch rankings per forward/backward pass (an exact divisor of the batch)
 * @param epochs passes over the data (the DPO paper trains on each preference dataset for one or
 *     a few epochs)
 * @param optimizer AdamW and schedule (the DPO paper: lr 1e-6 with 150 warm-up steps, then
 *     constant, batch 64)
 * @param checkpointEvery optimizer steps between resumable checkpoints (0: only at the end)
 * @param logEvery optimizer steps between metric lines
 * @param seed seeds the order of prompts (a function of seed and epoch, so resuming repeats it)
 */
public record DpoConfig(
    double beta,
    Loss loss,
    boolean averageLogprobs,
    int promptsPerBatch,
    int promptsPerMicroBatch,
    int epochs,
    OptimizerConfig optimizer,
    int checkpointEvery,
    int logEvery,
    long seed) {

  /** The preference loss on h = (log pi(y_w) - log ref(y_w)) - (log pi(y_l) - log ref(y_l)). */
  public enum Loss {
    /** DPO: -log sigma(beta h) (Rafailov et al. 2023, eq. 7). */
    SIGMOID,
    /**
     * IPO: (h - 1/(2 tau))^2 with tau = beta (Azar et al. 2023, eq. 17): regresses the log-ratio
     * gap to a finite target instead of pushing it to infinity, so it does not overfit
     * deterministic preferences.
     */
    IPO
  }

  public DpoConfig {
    if (!(beta > 0) || !Double.isFinite(beta)) {
      throw new IllegalArgumentException("beta must be positive, got " + beta);
    }
    if (loss == null || optimizer == null) {
      throw new IllegalArgumentException("loss and optimizer must be set");
    }
    if (promptsPerBatch < 1 || promptsPerMicroBatch < 1) {
      throw new IllegalArgumentException("promptsPerBatch and promptsPerMicroBatch must be positive");
    }
    if (promptsPerBatch % promptsPerMicroBatch != 0) {
      throw new IllegalArgumentException(
          "promptsPerBatch " + promptsPerBatch + " is not a multiple of promptsPerMicroBatch " + promptsPerMicroBatch);
    }
    if (epochs < 1 || logEvery < 1 || checkpointEvery < 0) {
      throw new IllegalArgumentException("epochs and logEvery must be >= 1, checkpointEvery >= 0");
    }
  }

  /**
   * The DPO paper's settings: beta 0.1, sigmoid loss, summed log-probs, 64 prompts per step (in
   * micro-batches of 8), one epoch, lr 1e-6 after 150 warm-up steps (AdamW here, RMSprop there).
   */
  public static DpoConfig defaults() {
    return new DpoConfig(0.1, Loss.SIGMOID, false, 64, 8, 1, OptimizerConfig.constant(1e-6, 150), 100, 1, 0);
  }

  public int accumulation() {
    return promptsPerBatch / promptsPerMicroBatch;
  }

  public long stepsPerEpoch(int prompts) {
    return (prompts + promptsPerBatch - 1) / promptsPerBatch;
  }
}
