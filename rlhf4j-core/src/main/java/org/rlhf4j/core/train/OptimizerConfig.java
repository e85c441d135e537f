package org.rlhf4j.core.train;

/**
 * AdamW and its learning-rate schedule. Defaults follow nanoGPT / GPT-3 for small models.
 *
 * @param learningRate peak learning rate after warm-up
 * @param beta1 Adam first-moment decay
 * @param beta2 Adam second-moment decay (0.95 is the GPT-3 choice for stability)
 * @param epsilon Adam denominator epsilon
 * @param weightDecay decoupled weight decay (Loshchilov and Hutter 2019), applied to matrices only
 * @param gradClip clip the global gradient L2 norm to this value; 0 disables
 * @param warmupSteps linear warm-up from 0 to {@code learningRate}
 * @param schedule constant after warm-up, or cosine decay to {@code minLrRatio} of the peak
 * @param minLrRatio floor of the cosine decay as a fraction of the peak (InstructGPT SFT: 10%)
 */
public record OptimizerConfig(
    double learningRate,
    double beta1,
    double beta2,
    double epsilon,
    double weightDecay,
    double gradClip,
    int warmupSteps,
    Schedule schedule,
    double minLrRatio) {

  /** Learning-rate schedule after warm-up. */
  public enum Schedule {
    CONSTANT,
    COSINE
  }

  public OptimizerConfig {
    if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
      throw new IllegalArgumentException("learning rate must be positive, got " + learningRate);
    }
    if (beta1 < 0 || beta1 >= 1 || beta2 < 0 || beta2 >= 1) {
      throw new IllegalArgumentException("Adam betas must be in [0,1), got " + beta1 + ", " + beta2);
    }
    if (!(epsilon > 0)) {
      throw new IllegalArgumentException("epsilon must be positive");
    }
    if (weightDecay < 0 || gradClip < 0 || warmupSteps < 0) {
      throw new IllegalArgumentException("weight decay, grad clip and warm-up must be >= 0");
    }
    if (minLrRatio < 0 || minLrRatio > 1) {
      throw new IllegalArgumentException("minLrRatio must be in [0,1], got " + minLrRatio);
    }
    if (schedule == null) {
      throw new IllegalArgumentException("schedule must be set");
    }
  }

  /** Cosine decay to 10% with the given peak and warm-up; AdamW(0.9, 0.95), wd 0.1, clip 1. */
  public static OptimizerConfig cosine(double lr, int warmup) {
    return new OptimizerConfig(lr, 0.9, 0.95, 1e-8, 0.1, 1.0, warmup, Schedule.COSINE, 0.1);
  }

  /** Constant rate after warm-up (InstructGPT's PPO), no weight decay, clip 1. */
  public static OptimizerConfig constant(double lr, int warmup) {
    return new OptimizerConfig(lr, 0.9, 0.95, 1e-8, 0.0, 1.0, warmup, Schedule.CONSTANT, 1.0);
  }

  /** Learning rate at optimizer step {@code step} (0-based) of {@code totalSteps}. */
  public double learningRateAt(long step, long totalSteps) {
    if (step < warmupSteps) {
      return learningRate * (step + 1) / warmupSteps;
    }
    if (schedule == Schedule.CONSTANT || totalSteps <= warmupSteps) {
      return learningRate;
    }
    double progress = Math.min(1.0, (double) (step - warmupSteps) / (totalSteps - warmupSteps));
    double cosine = 0.5 * (1 + Math.cos(Math.PI * progress));
    return learningRate * (minLrRatio + (1 - minLrRatio) * cosine);
  }
}
