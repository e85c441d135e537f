package org.rlhf4j.world.corpus;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Small English helpers shared by the corpus renderer and the instruction world. */
public final class English {

  private static final Pattern WORD = Pattern.compile("[A-Za-z][A-Za-z'-]*");

  private English() {}

  /** "a" or "an" for the word, by its first letter (good enough for WordNet lemmas). */
  public static String article(String word) {
    if (word.isEmpty()) {
      return "a";
    }
    char c = Character.toLowerCase(word.charAt(0));
    // A few common exceptions where the letter misleads the ear.
    String lower = word.toLowerCase(Locale.ROOT);
    if (lower.startsWith("hour") || lower.startsWith("honest") || lower.startsWith("honor")) {
      return "an";
    }
    if (lower.startsWith("uni") || lower.startsWith("use") || lower.startsWith("one")
        || lower.startsWith("eu") || lower.startsWith("usu")) {
      return "a";
    }
    return "aeiou".indexOf(c) >= 0 ? "an" : "a";
  }

  /** The word with its indefinite article, or bare if it is a proper name (capitalised). */
  public static String withArticle(String word) {
    if (!word.isEmpty() && Character.isUpperCase(word.charAt(0))) {
      return word;
    }
    return article(word) + " " + word;
  }

  /** First letter upper-cased. */
  public static String capitalize(String s) {
    if (s.isEmpty()) {
      return s;
    }
    return Character.toUpperCase(s.charAt(0)) + s.substring(1);
  }

  /** "a", "a and b", "a, b and c". */
  public static String joinList(List<String> items) {
    if (items.isEmpty()) {
      return "";
    }
    if (items.size() == 1) {
      return items.get(0);
    }
    return String.join(", ", items.subList(0, items.size() - 1))
        + " and "
        + items.get(items.size() - 1);
  }

  /** Ends the sentence with a period unless it already ends with . ! or ?. */
  public static String sentence(String s) {
    String t = s.strip();
    if (t.isEmpty()) {
      return t;
    }
    char last = t.charAt(t.length() - 1);
    return capitalize(last == '.' || last == '!' || last == '?' ? t : t + ".");
  }

  /** Lower-cased alphabetic words of a text, in order (apostrophes and hyphens kept inside). */
  public static List<String> words(String text) {
    List<String> out = new ArrayList<>();
    Matcher m = WORD.matcher(text);
    while (m.find()) {
      out.add(m.group().toLowerCase(Locale.ROOT));
    }
    return out;
  }

  /** Number of whitespace-separated tokens: the word counts that length limits refer to. */
  public static int wordCount(String text) {
    String t = text.strip();
    return t.isEmpty() ? 0 : t.split("\\s+").length;
  }
}
