package org.rlhf4j.world.corpus;

import static org.rlhf4j.world.corpus.English.withArticle;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.regex.Pattern;
import org.rlhf4j.world.corpus.Fact.Relation;

/**
 * A fixed fact-completion probe for base models (issue 20): "A dog is a kind of", "Kinds of shape
 * include", "The opposite of hot is", "Another word for big is", "The word dog is", each to be
 * continued greedily with a fact the corpus states.
 *
 * <p>Items come from the corpus's train split (facts the model was shown), chosen by a seeded
 * shuffle of the selected senses, so the same corpus config and seed give the same items
 * whatever the corpus's repetition: an old and a new rendering of one selection are probed on the
 * same facts. A continuation is right when its first sentence names an accepted answer as whole
 * words: a lemma of a direct hypernym, of a direct hyponym, an antonym, a synonym, or a part of
 * speech the word has.
 */
public final class FactProbe {

  /** One prompt and the answers that make its continuation right (lower case). */
  public record Item(Relation relation, String word, String senseId, String prompt,
      List<String> answers) {
    public Item {
      answers = List.copyOf(answers);
    }

    /** Whether the continuation's first sentence names one of the answers. */
    public boolean correct(String continuation) {
      String first = FIRST_SENTENCE.split(continuation.strip(), 2)[0].toLowerCase(Locale.ROOT);
      for (String a : answers) {
        if (Pattern.compile("(?<![a-z])" + Pattern.quote(a) + "(?![a-z])").matcher(first).find()) {
          return true;
        }
      }
      return false;
    }
  }

  /** The relations probed, in report order. */
  public static final List<Relation> RELATIONS =
      List.of(Relation.KIND_OF, Relation.KINDS, Relation.OPPOSITE, Relation.SYNONYM,
          Relation.POS);

  private static final Pattern FIRST_SENTENCE = Pattern.compile("[.?!\\n]");
  private static final Pattern LOWER_WORD = Pattern.compile("[a-z]+");

  private FactProbe() {}

  /**
   * Up to {@code perRelation} items of each probed relation, each about a different word, from
   * the train-split non-toxic senses of the corpus config.
   */
  public static List<Item> items(Lexicon lexicon, CorpusConfig config, int perRelation,
      long seed) {
    if (perRelation < 1) {
      throw new IllegalArgumentException("perRelation must be >= 1, got " + perRelation);
    }
    List<CorpusBuilder.Entry> entries = new ArrayList<>();
    for (CorpusBuilder.Entry e : CorpusBuilder.select(lexicon, config)) {
      if (!e.sense().toxic() && !CorpusBuilder.isValidation(e.sense().id(), config)
          && LOWER_WORD.matcher(e.word()).matches()) {
        entries.add(e);
      }
    }
    java.util.Collections.shuffle(entries, new Random(seed));
    Map<Relation, List<Item>> byRelation = new EnumMap<>(Relation.class);
    Map<Relation, Set<String>> words = new EnumMap<>(Relation.class);
    for (Relation r : RELATIONS) {
      byRelation.put(r, new ArrayList<>());
      words.put(r, new LinkedHashSet<>());
    }
    for (CorpusBuilder.Entry e : entries) {
      for (Fact f : Fact.of(lexicon, e)) {
        List<Item> bucket = byRelation.get(f.relation());
        if (bucket == null || bucket.size() >= perRelation || !words.get(f.relation()).add(f.word())) {
          continue;
        }
        Item item = item(lexicon, e.sense(), f);
        if (item != null) {
          bucket.add(item);
        }
      }
    }
    List<Item> out = new ArrayList<>();
    for (Relation r : RELATIONS) {
      out.addAll(byRelation.get(r));
    }
    return List.copyOf(out);
  }

  private static Item item(Lexicon lexicon, Sense s, Fact f) {
    String w = f.word();
    boolean verb = s.pos() == PartOfSpeech.VERB;
    return switch (f.relation()) {
      case KIND_OF -> new Item(f.relation(), w, s.id(),
          verb ? "To " + w + " is a way to" : English.capitalize(withArticle(w)) + " is a kind of",
          lemmas(lexicon, s.hypernyms()));
      case KINDS -> verb ? null : new Item(f.relation(), w, s.id(), "Kinds of " + w + " include",
          lemmas(lexicon, s.hyponyms()));
      case OPPOSITE -> new Item(f.relation(), w, s.id(), "The opposite of " + w + " is",
          lower(s.antonyms()));
      case SYNONYM -> new Item(f.relation(), w, s.id(), "Another word for " + w + " is",
          lower(s.synonymsOf(w)));
      case POS -> new Item(f.relation(), w, s.id(), "The word " + w + " is",
          lexicon.partsOfSpeech(w).stream().map(PartOfSpeech::label).toList());
      case MEANING -> null;
    };
  }

  private static List<String> lemmas(Lexicon lexicon, List<String> ids) {
    Set<String> out = new LinkedHashSet<>();
    for (String id : ids) {
      out.addAll(lower(lexicon.sense(id).lemmas()));
    }
    return List.copyOf(out);
  }

  private static List<String> lower(List<String> xs) {
    return xs.stream().map(x -> x.toLowerCase(Locale.ROOT)).distinct().toList();
  }
}
