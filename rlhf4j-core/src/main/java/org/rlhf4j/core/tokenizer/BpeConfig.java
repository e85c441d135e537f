package org.rlhf4j.core.tokenizer;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Configuration of {@link BpeTrainer}.
 *
 * @param vocabSize total vocabulary size, counting the 256 byte tokens, the learnt merges and the
 *     special tokens; 2k–8k suits our small models, any value ≥ 256 + specials is accepted
 * @param minFrequency a pair seen fewer times than this over the corpus is never merged, so
 *     training may stop below {@code vocabSize} on a small corpus
 * @param specialTokens tokens appended after the learnt vocabulary (in this order) and never split
 *     or learnt from; by default EOS then a distinct pad token
 */
public record BpeConfig(int vocabSize, int minFrequency, List<String> specialTokens) {

  /** GPT-2's end-of-text token, our EOS. */
  public static final String EOS = "<|endoftext|>";

  /** A dedicated pad token: padding with EOS would mask the EOS the reward is read at. */
  public static final String PAD = "<|pad|>";

  /** Default special tokens: EOS then pad. */
  public static final List<String> DEFAULT_SPECIALS = List.of(EOS, PAD);

  /** Default minimum pair frequency: a pair seen once is noise, not a unit worth a token. */
  public static final int DEFAULT_MIN_FREQUENCY = 2;

  private static final int BYTES = 256;

  public BpeConfig {
    if (specialTokens == null) {
      throw new IllegalArgumentException("specialTokens must not be null (use an empty list)");
    }
    specialTokens = List.copyOf(specialTokens);
    Set<String> seen = new HashSet<>();
    for (String s : specialTokens) {
      if (s.isEmpty()) {
        throw new IllegalArgumentException("special tokens must not be empty strings");
      }
      if (!seen.add(s)) {
        throw new IllegalArgumentException("duplicate special token: " + s);
      }
    }
    if (vocabSize < BYTES + specialTokens.size()) {
      throw new IllegalArgumentException(
          "vocabSize "
              + vocabSize
              + " is below 256 byte tokens + "
              + specialTokens.size()
              + " special tokens");
    }
    if (minFrequency < 1) {
      throw new IllegalArgumentException("minFrequency must be >= 1, got " + minFrequency);
    }
  }

  /** A config with the default min frequency and special tokens (EOS, pad). */
  public static BpeConfig of(int vocabSize) {
    return new BpeConfig(vocabSize, DEFAULT_MIN_FREQUENCY, DEFAULT_SPECIALS);
  }

  /** The number of merges that fills the vocabulary (fewer if the corpus runs out of pairs). */
  int maxLearntTokens() {
    return vocabSize - BYTES - specialTokens.size();
  }
}
