package org.rlhf4j.world.corpus;

/** The four WordNet parts of speech, with the English names the corpus and the tasks use. */
public enum PartOfSpeech {
  NOUN("noun", 'n'),
  VERB("verb", 'v'),
  ADJECTIVE("adjective", 'a'),
  ADVERB("adverb", 'r');

  private final String label;
  private final char key;

  PartOfSpeech(String label, char key) {
    this.label = label;
    this.key = key;
  }

  /** The English name, e.g. {@code "noun"}. */
  public String label() {
    return label;
  }

  /** The one-letter WordNet key used as the prefix of a {@link Sense#id()}. */
  public char key() {
    return key;
  }

  /** The indefinite article that goes before {@link #label()} ("an adjective"). */
  public String article() {
    return this == ADJECTIVE || this == ADVERB ? "an" : "a";
  }

  /** Parses an English name ("noun", "verb", "adjective", "adverb"); null if it is none. */
  public static PartOfSpeech fromLabel(String label) {
    for (PartOfSpeech pos : values()) {
      if (pos.label.equalsIgnoreCase(label)) {
        return pos;
      }
    }
    return null;
  }
}
