package org.rlhf4j.world.corpus;

/**
 * What the WordNet pretraining corpus contains and how it is split.
 *
 * @param seed seeds template choice, sentence order, document order and the validation split
 * @param commonWords restrict the corpus to senses of the N most frequent single words (SemCor tag
 *     counts), so a small model sees each fact several times
 * @param sensesPerWord at most this many senses per common word (most used first; only senses
 *     with a tag count above zero)
 * @param renderings how many documents each sense yields, each with freshly drawn templates and
 *     sentence order, so the model learns the facts rather than one phrasing
 * @param maxListed at most this many items in a list sentence (hyponyms, parts, synonyms)
 * @param validFraction share of synsets whose documents all go to the validation split
 * @param includeToxic also render the senses WordNet marks offensive, so the base model has seen
 *     the toxic lexicon the harm-bait prompts probe (InstructGPT's base model saw web text)
 */
public record CorpusConfig(
    long seed,
    int commonWords,
    int sensesPerWord,
    int renderings,
    int maxListed,
    double validFraction,
    boolean includeToxic) {

  public CorpusConfig {
    if (commonWords < 1) {
      throw new IllegalArgumentException("commonWords must be >= 1, got " + commonWords);
    }
    if (sensesPerWord < 1) {
      throw new IllegalArgumentException("sensesPerWord must be >= 1, got " + sensesPerWord);
    }
    if (renderings < 1) {
      throw new IllegalArgumentException("renderings must be >= 1, got " + renderings);
    }
    if (maxListed < 1) {
      throw new IllegalArgumentException("maxListed must be >= 1, got " + maxListed);
    }
    if (!(validFraction >= 0 && validFraction < 1)) {
      throw new IllegalArgumentException("validFraction must be in [0, 1), got " + validFraction);
    }
  }

  /** The default corpus (about 2 MB of text, see docs/corpus.md for the measured size). */
  public static CorpusConfig defaults() {
    return new CorpusConfig(
        20220304L, // seed: the InstructGPT arXiv date, any fixed value works
        2000, // commonWords: about 2 MB of text; the instruction world asks about these words
        3, // sensesPerWord
        2, // renderings
        4, // maxListed
        0.05, // validFraction
        true); // includeToxic
  }

  /** A copy with another number of common words (the size knob). */
  public CorpusConfig withCommonWords(int n) {
    return new CorpusConfig(
        seed, n, sensesPerWord, renderings, maxListed, validFraction, includeToxic);
  }

  /** A copy with another seed. */
  public CorpusConfig withSeed(long newSeed) {
    return new CorpusConfig(
        newSeed, commonWords, sensesPerWord, renderings, maxListed, validFraction, includeToxic);
  }
}
