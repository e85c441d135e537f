package org.rlhf4j.core.train;

/**
 * Supervised fine-tuning on demonstrations (InstructGPT step 1).
 *
 * @param epochs passes over the demonstrations (InstructGPT: 16, choosing the checkpoint by RM
 *     score because validation loss overfits after one epoch)
 * @param batchSize examples per optimizer step
 * @param microBatch examples per forward pass (exact divisor of batchSize)
 * @param optimizer AdamW; InstructGPT decays the LR with a cosine to 10%
 * @param dropout residual/embedding/attention dropout during SFT (InstructGPT: 0.2)
 * @param pretrainMix share of the loss taken by next-token loss on pretraining text, 0 to turn
 *     off (the paper's PPO initialisation is SFT with 10% pretraining data mixed in)
 * @param evalEvery steps between model-selection evaluations (0: once per epoch)
 * @param checkpointEvery steps between resumable checkpoints (0: once per epoch)
 * @param logEvery steps between metric lines
 * @param seed example order and dropout seed
 */
public record SftConfig(
    int epochs,
    int batchSize,
    int microBatch,
    OptimizerConfig optimizer,
    float dropout,
    double pretrainMix,
    int evalEvery,
    int checkpointEvery,
    int logEvery,
    long seed) {

  public SftConfig {
    if (epochs < 1) {
      throw new IllegalArgumentException("epochs must be >= 1, got " + epochs);
    }
    if (batchSize < 1 || microBatch < 1 || batchSize % microBatch != 0) {
      throw new IllegalArgumentException(
          "batchSize (" + batchSize + ") must be a positive multiple of microBatch (" + microBatch + ")");
    }
    if (optimizer == null) {
      throw new IllegalArgumentException("optimizer must be set");
    }
    if (dropout < 0 || dropout >= 1) {
      throw new IllegalArgumentException("dropout must be in [0, 1), got " + dropout);
    }
    if (pretrainMix < 0 || pretrainMix >= 1) {
      throw new IllegalArgumentException("pretrainMix must be in [0, 1), got " + pretrainMix);
    }
    if (evalEvery < 0 || checkpointEvery < 0 || logEvery < 1) {
      throw new IllegalArgumentException("evalEvery/checkpointEvery >= 0 and logEvery >= 1");
    }
  }

  /** InstructGPT-like defaults scaled to small models: cosine to 10%, dropout 0.2. */
  public static SftConfig defaults(int epochs, double lr) {
    return new SftConfig(epochs, 16, 16, OptimizerConfig.cosine(lr, 10), 0.2f, 0.0, 0, 0, 5, 1);
  }

  public int accumulation() {
    return batchSize / microBatch;
  }
}
