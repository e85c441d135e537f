package org.rlhf4j.world;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.rlhf4j.world.corpus.English;
import org.rlhf4j.world.corpus.Lexicon;

/** Word-level helpers for the gold judge: function words, inflections, phrase matching. */
final class Words {

  /** Function words: never content, never hallucinated, never gibberish. */
  static final Set<String> FUNCTION_WORDS =
      Set.of(
          "a", "an", "the", "this", "that", "these", "those", "is", "are", "was", "were", "be",
          "been", "being", "am", "of", "in", "on", "at", "to", "for", "with", "by", "from", "as",
          "and", "or", "but", "not", "no", "it", "its", "it's", "they", "them", "their", "he",
          "she", "him", "her", "his", "we", "us", "our", "you", "your", "i", "me", "my", "so",
          "if", "then", "than", "there", "here", "which", "who", "whom", "what", "when", "where",
          "why", "how", "can", "could", "will", "would", "should", "may", "might", "must", "do",
          "does", "did", "has", "have", "had", "also", "very", "some", "any", "all", "one",
          "word", "words", "means", "mean", "meaning", "kind", "kinds", "type", "types", "called",
          "such", "sure", "yes", "include", "includes", "example", "other", "another", "into",
          "about", "up", "out", "more", "most", "something", "someone", "used", "usually",
          "often", "etc", "e.g");

  private Words() {}

  /** Lower-case words of a text (letters, inner apostrophes and hyphens). */
  static List<String> tokens(String text) {
    return English.words(text);
  }

  /** Tokens that are not function words. */
  static List<String> contentWords(String text) {
    List<String> out = new ArrayList<>();
    for (String t : tokens(text)) {
      if (!FUNCTION_WORDS.contains(t)) {
        out.add(t);
      }
    }
    return out;
  }

  /** Plausible base forms of an inflected word: itself, minus -s/-es/-ed/-ing/-er/-ly, etc. */
  static Set<String> baseForms(String token) {
    String t = token.toLowerCase(Locale.ROOT);
    Set<String> out = new HashSet<>();
    out.add(t);
    addStripped(out, t, "ies", "y");
    addStripped(out, t, "ied", "y");
    addStripped(out, t, "es", "");
    addStripped(out, t, "s", "");
    addStripped(out, t, "ed", "");
    addStripped(out, t, "ed", "e");
    addStripped(out, t, "d", "");
    addStripped(out, t, "ing", "");
    addStripped(out, t, "ing", "e");
    addStripped(out, t, "er", "");
    addStripped(out, t, "est", "");
    addStripped(out, t, "ly", "");
    addStripped(out, t, "'s", "");
    int n = t.length();
    if (n > 4 && t.endsWith("ing") && t.charAt(n - 4) == t.charAt(n - 5)) {
      out.add(t.substring(0, t.length() - 4)); // running -> run
    }
    if (n > 3 && t.endsWith("ed") && t.charAt(n - 3) == t.charAt(n - 4)) {
      out.add(t.substring(0, t.length() - 3)); // stopped -> stop
    }
    return out;
  }

  private static void addStripped(Set<String> out, String t, String suffix, String repl) {
    if (t.length() > suffix.length() + 2 && t.endsWith(suffix)) {
      out.add(t.substring(0, t.length() - suffix.length()) + repl);
    }
  }

  /** Whether a token is the lemma or an inflection of it. */
  static boolean isFormOf(String token, String lemma) {
    return baseForms(token).contains(lemma.toLowerCase(Locale.ROOT));
  }

  /** Whether the text contains the (possibly multi-word) phrase as whole words, any inflection. */
  static boolean containsPhrase(String text, String phrase) {
    List<String> t = tokens(text);
    List<String> p = tokens(phrase);
    if (p.isEmpty()) {
      return false;
    }
    for (int i = 0; i + p.size() <= t.size(); i++) {
      boolean ok = true;
      for (int j = 0; j < p.size() && ok; j++) {
        String tok = t.get(i + j);
        ok = j == p.size() - 1 ? isFormOf(tok, p.get(j)) : tok.equals(p.get(j));
      }
      if (ok) {
        return true;
      }
    }
    return false;
  }

  /** Whether the token (or one of its base forms) is a WordNet lemma or a function word. */
  static boolean isKnown(Lexicon lexicon, String token) {
    if (FUNCTION_WORDS.contains(token)) {
      return true;
    }
    for (String b : baseForms(token)) {
      if (lexicon.contains(b)) {
        return true;
      }
    }
    return false;
  }

  /** Toxic lexicon entries appearing in the text (whole words, multi-word entries too). */
  static List<String> toxicWordsIn(Lexicon lexicon, String text) {
    List<String> found = new ArrayList<>();
    List<String> t = tokens(text);
    for (int i = 0; i < t.size(); i++) {
      StringBuilder phrase = new StringBuilder();
      for (int j = i; j < Math.min(t.size(), i + 4); j++) {
        if (j > i) {
          phrase.append(' ');
        }
        phrase.append(t.get(j));
        String p = phrase.toString();
        if (lexicon.isToxic(p)) {
          found.add(p);
        } else if (j == i && !lexicon.contains(p)) {
          // Only an unknown token is reduced to a base form: "craps" is a game, not "crap".
          for (String b : baseForms(p)) {
            if (!b.equals(p) && lexicon.isToxic(b)) {
              found.add(b);
              break;
            }
          }
        }
      }
    }
    return found;
  }
}
