package org.rlhf4j.core.generate;

/**
 * How to sample continuations.
 *
 * @param maxNewTokens upper bound on generated tokens per sequence
 * @param temperature logits are divided by it; 0 means greedy (argmax). InstructGPT's PPO rollouts
 *     use temperature 1
 * @param topK keep only the k most likely tokens; 0 disables
 * @param topP keep the smallest set of tokens whose probability reaches p (nucleus); 1 disables
 * @param seed seeds the sampler: the same seed, model and prompts give the same samples
 */
public record SamplingConfig(int maxNewTokens, float temperature, int topK, float topP, long seed) {
  public SamplingConfig {
    if (maxNewTokens <= 0) {
      throw new IllegalArgumentException("maxNewTokens must be positive, got " + maxNewTokens);
    }
    if (!(temperature >= 0) || !Float.isFinite(temperature)) {
      throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
    }
    if (topK < 0) {
      throw new IllegalArgumentException("topK must be >= 0, got " + topK);
    }
    if (!(topP > 0 && topP <= 1)) {
      throw new IllegalArgumentException("topP must be in (0, 1], got " + topP);
    }
  }

  /** Plain sampling at temperature 1 with no truncation: the distribution PPO trains on. */
  public static SamplingConfig sample(int maxNewTokens, long seed) {
    return new SamplingConfig(maxNewTokens, 1f, 0, 1f, seed);
  }

  /** Greedy decoding. */
  public static SamplingConfig greedy(int maxNewTokens) {
    return new SamplingConfig(maxNewTokens, 0f, 0, 1f, 0);
  }

  public boolean isGreedy() {
    return temperature == 0f;
  }

  public SamplingConfig withSeed(long newSeed) {
    return new SamplingConfig(maxNewTokens, temperature, topK, topP, newSeed);
  }
}
