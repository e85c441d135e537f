package org.rlhf4j.world.corpus;

/**
 * What the WordNet pretraining corpus contains and how it is split.
 *
 * @param seed seeds template choice, sentence order, document order and the validation split
 * @param commonWords restrict the corpus to senses of the N most frequent single words (SemCor tag
 *     counts), so a small model sees each fact several times
 * @param sensesPerWord at most this many senses per common word (most used first; only senses
 *     with a tag count above zero)
 * @param renderings how many prose documents each sense yields; each states every fact of the
 *     sense, and the renderings cycle through each fact's surface forms, so R renderings show a
 *     fact R times in min(R, forms) phrasings (issue 20: repetition and variety are what let a
 *     small model store a fact)
 * @param dialogues how many question-and-answer documents each sense yields (two to four of its
 *     facts asked and answered in full sentences, and the meaning asked in reverse)
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
    int dialogues,
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
    if (dialogues < 0) {
      throw new IllegalArgumentException("dialogues must be >= 0, got " + dialogues);
    }
    if (maxListed < 1) {
      throw new IllegalArgumentException("maxListed must be >= 1, got " + maxListed);
    }
    if (!(validFraction >= 0 && validFraction < 1)) {
      throw new IllegalArgumentException("validFraction must be in [0, 1), got " + validFraction);
    }
  }

  /** The default corpus (see docs/corpus.md for the measured size). */
  public static CorpusConfig defaults() {
    return new CorpusConfig(
        20220304L, // seed: the InstructGPT arXiv date, any fixed value works
        2000, // commonWords: about 2 MB of text; the instruction world asks about these words
        3, // sensesPerWord
        8, // renderings: each fact in 8 prose forms per epoch (docs/corpus.md, "Repetition")
        4, // dialogues
        4, // maxListed
        0.05, // validFraction
        true); // includeToxic
  }

  /** A copy with another number of common words (the size knob). */
  public CorpusConfig withCommonWords(int n) {
    return new CorpusConfig(
        seed, n, sensesPerWord, renderings, dialogues, maxListed, validFraction, includeToxic);
  }

  /** A copy with another seed. */
  public CorpusConfig withSeed(long newSeed) {
    return new CorpusConfig(
        newSeed, commonWords, sensesPerWord, renderings, dialogues, maxListed, validFraction,
        includeToxic);
  }

  /**
   * A copy with other repetition: prose renderings and dialogues per sense. The selection of
   * senses and the validation split do not depend on them, so the world's tasks stay the same.
   */
  public CorpusConfig withRepetition(int newRenderings, int newDialogues) {
    return new CorpusConfig(
        seed, commonWords, sensesPerWord, newRenderings, newDialogues, maxListed, validFraction,
        includeToxic);
  }
}
