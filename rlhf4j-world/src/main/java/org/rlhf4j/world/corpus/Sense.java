package org.rlhf4j.world.corpus;

import java.util.List;
import java.util.Objects;

/**
 * One WordNet 3.1 synset as the world uses it: plain strings, no extjwnl types, so the loaded view
 * can be kept in memory once per JVM and the dictionary itself released.
 *
 * @param id the POS key and the 8-digit WordNet offset, e.g. {@code n02086723}
 * @param pos part of speech (adjective satellites count as adjectives)
 * @param lemmas the synset's words in WordNet order, underscores as spaces, original case
 * @param gloss the definition part of the gloss, without the quoted examples
 * @param examples the quoted usage examples of the gloss, quotes removed
 * @param tagCount sum of the semantic-concordance tag counts of the synset's words (its
 *     commonness)
 * @param hypernyms ids of the direct (non-instance) hypernym synsets
 * @param hyponyms ids of the direct (non-instance) hyponym synsets
 * @param meronyms ids of the part and substance meronyms ("a car has wheels")
 * @param antonyms lemmas of the lexical antonyms of any of the synset's words
 * @param toxic whether WordNet marks this sense offensive (see {@link Lexicon})
 */
public record Sense(
    String id,
    PartOfSpeech pos,
    List<String> lemmas,
    String gloss,
    List<String> examples,
    int tagCount,
    List<String> hypernyms,
    List<String> hyponyms,
    List<String> meronyms,
    List<String> antonyms,
    boolean toxic) {

  public Sense {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(pos, "pos");
    Objects.requireNonNull(gloss, "gloss");
    if (lemmas == null || lemmas.isEmpty()) {
      throw new IllegalArgumentException("sense " + id + ": lemmas must not be empty");
    }
    if (tagCount < 0) {
      throw new IllegalArgumentException(
          "sense " + id + ": tagCount must be >= 0, got " + tagCount);
    }
    lemmas = List.copyOf(lemmas);
    examples = List.copyOf(examples);
    hypernyms = List.copyOf(hypernyms);
    hyponyms = List.copyOf(hyponyms);
    meronyms = List.copyOf(meronyms);
    antonyms = List.copyOf(antonyms);
  }

  /** The first (head) lemma. */
  public String lemma() {
    return lemmas.get(0);
  }

  /**
   * The lemma used when this sense is named inside a sentence ("a dog is a kind of canine"): the
   * first lemma that is a single lowercase word, else the head lemma. The corpus and the tasks
   * both use it, so the task answers are the words the base model saw.
   */
  public String preferredLemma() {
    for (String l : lemmas) {
      if (isSimpleWord(l)) {
        return l;
      }
    }
    return lemmas.get(0);
  }

  private static boolean isSimpleWord(String s) {
    if (s.isEmpty()) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 'a' || c > 'z') {
        return false;
      }
    }
    return true;
  }

  /** The other lemmas of the synset, excluding {@code word} (case-insensitive). */
  public List<String> synonymsOf(String word) {
    return lemmas.stream().filter(l -> !l.equalsIgnoreCase(word)).toList();
  }
}
