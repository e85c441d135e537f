package org.rlhf4j.world.corpus;

import static org.rlhf4j.world.corpus.English.capitalize;
import static org.rlhf4j.world.corpus.English.joinList;
import static org.rlhf4j.world.corpus.English.sentence;
import static org.rlhf4j.world.corpus.English.withArticle;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Renders WordNet senses into plain English pretraining text (issue 3).
 *
 * <p>Each selected sense becomes {@link CorpusConfig#renderings()} documents; a document is a few
 * sentences about one sense: its definition, part of speech, synonyms, antonyms, what it is a kind
 * of, some of its kinds and parts, and its example sentences. Every relation has several
 * templates, drawn with a seeded RNG, and the sentence order varies, so the model learns the
 * language and the facts rather than a table layout. There is no instruction/response text in the
 * corpus: the base model must stay a plain text continuer, as in the paper.
 *
 * <p>Deterministic: the same lexicon and config give the same corpus, byte for byte.
 */
public final class CorpusBuilder {

  /** A sense and the word it is rendered under (the common word that selected it). */
  public record Entry(String word, Sense sense) {}

  private static final Pattern ARTICLE_START =
      Pattern.compile("^(a|an|the|any|one|some|someone|something|anything|a person|people)\\b.*");

  private CorpusBuilder() {}

  /** Builds the corpus from the shared WordNet view. */
  public static Corpus build(CorpusConfig config) throws IOException {
    return build(Lexicon.wordNet(), config);
  }

  /** Builds the corpus from the given lexicon. */
  public static Corpus build(Lexicon lexicon, CorpusConfig config) {
    List<Entry> entries = select(lexicon, config);
    Random rng = new Random(config.seed());
    List<String> train = new ArrayList<>();
    List<String> valid = new ArrayList<>();
    for (Entry e : entries) {
      boolean isValid = isValidation(e.sense().id(), config);
      for (int r = 0; r < config.renderings(); r++) {
        String doc = render(lexicon, e, config, rng);
        (isValid ? valid : train).add(doc);
      }
    }
    // Shuffle so that neighbouring documents are unrelated: packed context windows then mix
    // topics instead of walking the alphabet of frequency ranks.
    Collections.shuffle(train, new Random(config.seed() ^ 0x5DEECE66DL));
    Collections.shuffle(valid, new Random(config.seed() ^ 0xB5297A4DL));
    CorpusStats stats =
        new CorpusStats(
            entries.size(),
            train.size(),
            valid.size(),
            chars(train),
            chars(valid),
            words(train),
            words(valid));
    return new Corpus(train, valid, stats);
  }

  /**
   * The senses the corpus renders, in a deterministic order: for each of the N most common words,
   * its most used senses (tag count above zero, at most {@code sensesPerWord}), each sense once,
   * under its most frequent lemma; then, if configured, the senses WordNet marks offensive.
   */
  public static List<Entry> select(Lexicon lexicon, CorpusConfig config) {
    Map<String, Entry> byId = new LinkedHashMap<>();
    for (String word : lexicon.commonWords(config.commonWords())) {
      int taken = 0;
      for (Sense s : lexicon.sensesOf(word)) {
        if (taken >= config.sensesPerWord() || s.tagCount() == 0) {
          break;
        }
        taken++;
        byId.putIfAbsent(s.id(), new Entry(word, s));
      }
    }
    if (config.includeToxic()) {
      for (Sense s : lexicon.toxicSenses()) {
        byId.putIfAbsent(s.id(), new Entry(s.lemma(), s));
      }
    }
    return List.copyOf(byId.values());
  }

  /**
   * Whether a synset belongs to the validation split: a hash of (seed, id) below the fraction.
   * All documents of one synset land on the same side, so validation measures facts not seen.
   */
  public static boolean isValidation(String senseId, CorpusConfig config) {
    long h = config.seed() * 0x9E3779B97F4A7C15L + senseId.hashCode();
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    double u = (h >>> 11) * 0x1.0p-53;
    return u < config.validFraction();
  }

  /** One document about one sense, templates and order drawn from {@code rng}. */
  static String render(Lexicon lexicon, Entry entry, CorpusConfig config, Random rng) {
    Sense s = entry.sense();
    String w = entry.word();
    List<String> sentences = new ArrayList<>();
    String definition = definition(w, s, rng);
    if (rng.nextDouble() < 0.5) {
      sentences.add(partOfSpeech(w, s, rng));
    }
    List<String> synonyms = distinct(s.synonymsOf(w), config.maxListed());
    if (!synonyms.isEmpty()) {
      sentences.add(synonymSentence(w, synonyms, rng));
    }
    for (String antonym : s.antonyms()) {
      sentences.add(antonymSentence(w, antonym, rng));
    }
    for (String id : s.hypernyms()) {
      sentences.add(hypernymSentence(w, s.pos(), lexicon.sense(id).preferredLemma(), rng));
    }
    List<String> kinds = topLemmas(lexicon, s.hyponyms(), config.maxListed(), rng);
    if (!kinds.isEmpty()) {
      sentences.add(hyponymSentence(w, s.pos(), kinds, rng));
    }
    List<String> parts = topLemmas(lexicon, s.meronyms(), config.maxListed(), rng);
    if (!parts.isEmpty()) {
      sentences.add(meronymSentence(w, parts, rng));
    }
    for (String example : s.examples().subList(0, Math.min(2, s.examples().size()))) {
      sentences.add(exampleSentence(example, rng));
    }
    Collections.shuffle(sentences, rng);
    // The definition opens most documents, as in a dictionary; sometimes it comes later so the
    // model also learns to state it after other facts.
    int at = rng.nextDouble() < 0.6 ? 0 : rng.nextInt(sentences.size() + 1);
    sentences.add(at, definition);
    return String.join(" ", sentences);
  }

  private static String definition(String w, Sense s, Random rng) {
    String g = s.gloss();
    switch (s.pos()) {
      case NOUN -> {
        if (ARTICLE_START.matcher(g).matches() && rng.nextBoolean()) {
          return sentence(withArticle(w) + " is " + g);
        }
      }
      case VERB -> {
        if (rng.nextBoolean()) {
          return sentence("to " + w + " is to " + g);
        }
      }
      case ADJECTIVE -> {
        if (rng.nextInt(3) == 0) {
          return sentence("something " + w + " is " + g);
        }
      }
      case ADVERB -> {}
    }
    return switch (rng.nextInt(4)) {
      case 0 -> sentence("the word " + quote(w) + " means " + g);
      case 1 -> sentence(w + " means " + g);
      case 2 -> sentence(w + ": " + g);
      default -> sentence(
          "as " + s.pos().article() + " " + s.pos().label() + ", " + w + " means " + g);
    };
  }

  private static String partOfSpeech(String w, Sense s, Random rng) {
    String pos = s.pos().article() + " " + s.pos().label();
    return switch (rng.nextInt(3)) {
      case 0 -> sentence(quote(w) + " is " + pos);
      case 1 -> sentence("the word " + w + " is " + pos);
      default -> sentence(w + " can be used as " + pos);
    };
  }

  private static String synonymSentence(String w, List<String> syn, Random rng) {
    return switch (rng.nextInt(4)) {
      case 0 -> sentence("synonyms of " + w + " include " + joinList(syn));
      case 1 -> sentence("another word for " + w + " is " + syn.get(0));
      case 2 -> sentence(w + " and " + syn.get(0) + " mean the same thing");
      default -> sentence(w + " is also called " + joinList(syn));
    };
  }

  private static String antonymSentence(String w, String antonym, Random rng) {
    return switch (rng.nextInt(3)) {
      case 0 -> sentence("the opposite of " + w + " is " + antonym);
      case 1 -> sentence(w + " is the opposite of " + antonym);
      default -> sentence(w + " and " + antonym + " are antonyms");
    };
  }

  private static String hypernymSentence(String w, PartOfSpeech pos, String h, Random rng) {
    if (pos == PartOfSpeech.VERB) {
      return switch (rng.nextInt(2)) {
        case 0 -> sentence("to " + w + " is a way to " + h);
        default -> sentence("to " + w + " is a kind of " + gerund(h));
      };
    }
    return switch (rng.nextInt(4)) {
      case 0 -> sentence(withArticle(w) + " is a kind of " + h);
      case 1 -> sentence(withArticle(w) + " is a type of " + h);
      case 2 -> sentence(capitalize(w) + " is a kind of " + h);
      default -> sentence("every " + w + " is " + withArticle(h));
    };
  }

  private static String hyponymSentence(
      String w, PartOfSpeech pos, List<String> kinds, Random rng) {
    if (pos == PartOfSpeech.VERB) {
      return sentence("ways to " + w + " include " + joinList(kinds));
    }
    return switch (rng.nextInt(3)) {
      case 0 -> sentence("kinds of " + w + " include " + joinList(kinds));
      case 1 -> sentence("there are many kinds of " + w + ", such as " + joinList(kinds));
      default -> sentence(withArticle(kinds.get(0)) + " is one kind of " + w);
    };
  }

  private static String meronymSentence(String w, List<String> parts, Random rng) {
    return switch (rng.nextInt(3)) {
      case 0 -> sentence("parts of " + withArticle(w) + " include " + joinList(parts));
      case 1 -> sentence(withArticle(parts.get(0)) + " is part of " + withArticle(w));
      default -> sentence(withArticle(w) + " has " + withArticle(parts.get(0)));
    };
  }

  private static String exampleSentence(String example, Random rng) {
    return switch (rng.nextInt(3)) {
      case 0 -> "For example: " + sentence(example);
      case 1 -> "You can say: " + sentence(example);
      default -> sentence(example);
    };
  }

  /** "travel" -> "traveling"; a rough rule, used only in one verb template. */
  static String gerund(String verb) {
    int space = verb.indexOf(' ');
    String head = space < 0 ? verb : verb.substring(0, space);
    String rest = space < 0 ? "" : verb.substring(space);
    String g;
    if (head.endsWith("ie")) {
      g = head.substring(0, head.length() - 2) + "ying";
    } else if (head.endsWith("e") && !head.endsWith("ee") && head.length() > 2) {
      g = head.substring(0, head.length() - 1) + "ing";
    } else {
      g = head + "ing";
    }
    return g + rest;
  }

  /**
   * Lemmas of the most common target senses first (they are the facts worth learning), then a
   * random one among the rest for variety.
   */
  private static List<String> topLemmas(Lexicon lexicon, List<String> ids, int max, Random rng) {
    if (ids.isEmpty()) {
      return List.of();
    }
    List<Sense> targets = new ArrayList<>();
    for (String id : ids) {
      targets.add(lexicon.sense(id));
    }
    targets.sort(Comparator.comparing((Sense t) -> -t.tagCount()).thenComparing(Sense::id));
    List<String> out = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    int common = Math.max(1, max - 1);
    for (Sense t : targets) {
      if (out.size() >= common) {
        break;
      }
      if (seen.add(t.lemma().toLowerCase(Locale.ROOT))) {
        out.add(t.lemma());
      }
    }
    if (out.size() < max && targets.size() > out.size()) {
      Sense extra = targets.get(out.size() + rng.nextInt(targets.size() - out.size()));
      if (seen.add(extra.lemma().toLowerCase(Locale.ROOT))) {
        out.add(extra.lemma());
      }
    }
    return out;
  }

  private static List<String> distinct(List<String> words, int max) {
    List<String> out = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (String word : words) {
      if (out.size() < max && seen.add(word.toLowerCase(Locale.ROOT))) {
        out.add(word);
      }
    }
    return out;
  }

  private static String quote(String w) {
    return "\"" + w + "\"";
  }

  private static long chars(List<String> docs) {
    return docs.stream().mapToLong(String::length).sum();
  }

  private static long words(List<String> docs) {
    return docs.stream().mapToLong(English::wordCount).sum();
  }
}
