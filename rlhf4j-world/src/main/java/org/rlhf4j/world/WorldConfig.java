package org.rlhf4j.world;

import org.rlhf4j.world.corpus.CorpusConfig;

/**
 * Configuration of the instruction world.
 *
 * @param seed seeds the word split, task construction and the prompt draw
 * @param corpus the pretraining corpus config: tasks ask only about senses its train split holds
 * @param trainPrompts prompts drawn for the train split (upper bound: a category with fewer
 *     candidates contributes what it has)
 * @param validPrompts prompts drawn for the validation split
 * @param evalPrompts prompts drawn for the held-out evaluation split
 * @param validWordFraction share of target words reserved for validation prompts
 * @param evalWordFraction share of target words reserved for evaluation prompts
 */
public record WorldConfig(
    long seed,
    CorpusConfig corpus,
    int trainPrompts,
    int validPrompts,
    int evalPrompts,
    double validWordFraction,
    double evalWordFraction) {

  public WorldConfig {
    if (corpus == null) {
      throw new IllegalArgumentException("corpus config must not be null");
    }
    if (trainPrompts < 1 || validPrompts < 1 || evalPrompts < 1) {
      throw new IllegalArgumentException(
          "prompt counts must be >= 1, got train=" + trainPrompts + " valid=" + validPrompts
              + " eval=" + evalPrompts);
    }
    if (!(validWordFraction > 0 && evalWordFraction > 0
        && validWordFraction + evalWordFraction < 1)) {
      throw new IllegalArgumentException(
          "word fractions must be positive and sum below 1, got valid=" + validWordFraction
              + " eval=" + evalWordFraction);
    }
  }

  /** Defaults: 4000 train, 400 validation and 400 evaluation prompts over a 80/10/10 word split. */
  public static WorldConfig defaults() {
    return new WorldConfig(
        42L, // seed
        CorpusConfig.defaults(), // corpus: the same corpus the base models were pretrained on
        4000, // trainPrompts: SFT demonstrations and RM rankings are drawn from these
        400, // validPrompts
        400, // evalPrompts: held-out labelers' win rates and the gold score use these
        0.10, // validWordFraction
        0.10); // evalWordFraction
  }

  /** A copy with other prompt counts. */
  public WorldConfig withPrompts(int train, int valid, int eval) {
    return new WorldConfig(
        seed, corpus, train, valid, eval, validWordFraction, evalWordFraction);
  }
}
