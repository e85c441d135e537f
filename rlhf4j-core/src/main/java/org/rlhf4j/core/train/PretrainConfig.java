package org.rlhf4j.core.train;

/**
 * Language-model pretraining on packed windows of a token stream.
 *
 * @param contextLength tokens per training sequence (at most the model's context)
 * @param batchSize sequences per optimizer step
 * @param microBatch sequences per forward/backward pass; gradients of batchSize / microBatch
 *     passes are accumulated into one step (an exact division, checked)
 * @param steps optimizer steps in the whole run (sets the cosine schedule)
 * @param optimizer AdamW and schedule
 * @param evalEvery steps between validation-loss measurements (0: only at the end)
 * @param evalWindows validation windows per measurement
 * @param checkpointEvery steps between checkpoints (0: only at the end)
 * @param logEvery steps between metric lines
 * @param seed data order and dropout seed
 */
public record PretrainConfig(
    int contextLength,
    int batchSize,
    int microBatch,
    long steps,
    OptimizerConfig optimizer,
    int evalEvery,
    int evalWindows,
    int checkpointEvery,
    int logEvery,
    long seed) {

  public PretrainConfig {
    if (contextLength < 2) {
      throw new IllegalArgumentException("contextLength must be >= 2, got " + contextLength);
    }
    if (batchSize < 1 || microBatch < 1) {
      throw new IllegalArgumentException("batch sizes must be positive");
    }
    if (batchSize % microBatch != 0) {
      throw new IllegalArgumentException(
          "batchSize " + batchSize + " is not a multiple of microBatch " + microBatch);
    }
    if (steps < 1) {
      throw new IllegalArgumentException("steps must be positive, got " + steps);
    }
    if (optimizer == null) {
      throw new IllegalArgumentException("optimizer must be set");
    }
    if (evalEvery < 0 || checkpointEvery < 0 || logEvery < 1 || evalWindows < 1) {
      throw new IllegalArgumentException("evalEvery/checkpointEvery >= 0, logEvery/evalWindows >= 1");
    }
  }

  /** Forward/backward passes per optimizer step. */
  public int accumulation() {
    return batchSize / microBatch;
  }

  /** Tokens consumed per optimizer step. */
  public long tokensPerStep() {
    return (long) batchSize * contextLength;
  }
}
