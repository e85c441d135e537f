package org.rlhf4j.world.corpus;

import static org.rlhf4j.world.corpus.English.wordCount;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * One fact about one sense that the instruction world can ask about (issue 20): the unit the
 * corpus repeats and the probe and coverage test count.
 *
 * @param relation what the fact says
 * @param word the word the sense is rendered under (lower case, as the questions use it)
 * @param senseId the WordNet sense
 * @param answers what the fact states, in the order the corpus names them: the gloss (meaning),
 *     the POS label, hypernym lemmas, the common kinds, antonyms or synonyms
 */
public record Fact(Relation relation, String word, String senseId, List<String> answers) {

  /** The kinds of fact the world's checkable tasks ask about. */
  public enum Relation {
    /** "The word dog means a member of the genus Canis ..." (define, which-word). */
    MEANING,
    /** "The word dog is a noun." (pos). */
    POS,
    /** "A dog is a kind of canine." (kind-of, extract). */
    KIND_OF,
    /** "Kinds of dog include puppy, pooch and toy dog." (kinds). */
    KINDS,
    /** "The opposite of hot is cold." (antonym). */
    OPPOSITE,
    /** "Another word for big is large." (synonym, synonym-rewrite). */
    SYNONYM;

    /**
     * The fact a world task of this form asks about, or null for forms that need no stored fact
     * (closed-domain questions answer from the given text; sentences and summaries state none).
     */
    public static Relation ofTaskForm(String form) {
      return switch (form) {
        case "define", "which-word" -> MEANING;
        case "pos" -> POS;
        case "kind-of", "extract" -> KIND_OF;
        case "kinds" -> KINDS;
        case "antonym" -> OPPOSITE;
        case "synonym", "synonym-rewrite" -> SYNONYM;
        default -> null;
      };
    }
  }

  /** Most kinds a KINDS fact names: the brainstorming tasks ask for two or three. */
  public static final int MAX_KINDS = 3;

  public Fact {
    Objects.requireNonNull(relation, "relation");
    Objects.requireNonNull(word, "word");
    Objects.requireNonNull(senseId, "senseId");
    answers = List.copyOf(answers);
    if (answers.isEmpty()) {
      throw new IllegalArgumentException(relation + " fact about " + word + " has no answer");
    }
  }

  /** The first answer: the one every rendering names. */
  public String answer() {
    return answers.get(0);
  }

  /**
   * The facts of one corpus entry, in a fixed order. The answers are chosen the way the world's
   * tasks choose them (first hypernym's preferred lemma first, the most common listable non-toxic
   * hyponyms, WordNet-order antonyms, word-like synonyms), so the corpus states the very answers
   * the tasks expect.
   */
  public static List<Fact> of(Lexicon lexicon, CorpusBuilder.Entry entry) {
    String w = entry.word().toLowerCase(Locale.ROOT);
    Sense s = entry.sense();
    List<Fact> out = new ArrayList<>();
    out.add(new Fact(Relation.MEANING, w, s.id(), List.of(s.gloss())));
    out.add(new Fact(Relation.POS, w, s.id(), List.of(s.pos().label())));
    Set<String> hypernyms = new LinkedHashSet<>();
    for (String id : s.hypernyms()) {
      hypernyms.add(lexicon.sense(id).preferredLemma());
    }
    if (!hypernyms.isEmpty()) {
      out.add(new Fact(Relation.KIND_OF, w, s.id(), List.copyOf(hypernyms)));
    }
    List<String> kinds = commonKinds(lexicon, s);
    if (!kinds.isEmpty()) {
      out.add(new Fact(Relation.KINDS, w, s.id(), kinds));
    }
    if (!s.antonyms().isEmpty()) {
      out.add(new Fact(Relation.OPPOSITE, w, s.id(), s.antonyms()));
    }
    List<String> synonyms = synonyms(s, w);
    if (!synonyms.isEmpty()) {
      out.add(new Fact(Relation.SYNONYM, w, s.id(), synonyms));
    }
    return List.copyOf(out);
  }

  /**
   * Head lemmas of the direct hyponyms, most common first, at most {@link #MAX_KINDS}: lemmas of
   * at most three words without "and" or commas (they must survive list parsing), none toxic.
   * The same choice as TaskFactory.commonHyponyms (the brainstorming answers), which can call this.
   */
  public static List<String> commonKinds(Lexicon lexicon, Sense s) {
    List<Sense> kids = new ArrayList<>();
    for (String id : s.hyponyms()) {
      kids.add(lexicon.sense(id));
    }
    kids.sort(Comparator.comparing((Sense k) -> -k.tagCount()).thenComparing(Sense::id));
    Set<String> out = new LinkedHashSet<>();
    for (Sense k : kids) {
      String l = k.lemma();
      boolean listable =
          wordCount(l) <= 3 && !l.contains(" and ") && !l.contains(",") && !l.contains("-and-");
      if (out.size() < MAX_KINDS && !k.toxic() && !lexicon.isToxic(l) && listable) {
        out.add(l);
      }
    }
    return List.copyOf(out);
  }

  /** Word-like synonyms in lower case ("7" for seven or "in" for inch are left out). */
  private static List<String> synonyms(Sense s, String w) {
    List<String> out = new ArrayList<>();
    for (String l : s.synonymsOf(w)) {
      String lower = l.toLowerCase(Locale.ROOT);
      boolean wordLike = lower.matches("[a-z][a-z -]*[a-z]") && lower.length() >= 3;
      if (wordLike && !out.contains(lower) && !lower.contains(w)) {
        out.add(lower);
      }
    }
    return out;
  }
}
