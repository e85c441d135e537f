package org.rlhf4j.world.corpus;

import static org.rlhf4j.world.corpus.English.joinList;
import static org.rlhf4j.world.corpus.English.sentence;
import static org.rlhf4j.world.corpus.English.withArticle;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.regex.Pattern;
import org.rlhf4j.world.corpus.Fact.Relation;

/**
 * Renders WordNet senses into plain English pretraining text (issues 3 and 20).
 *
 * <p>Each selected sense yields {@link CorpusConfig#renderings()} prose documents and {@link
 * CorpusConfig#dialogues()} question-and-answer documents. <b>Every prose document states every
 * {@link Fact} of its sense</b> (meaning, part of speech, what it is a kind of, its common kinds,
 * opposite, synonyms), each in one of 5-8 surface forms, plus some of its parts and example
 * sentences, in a shuffled order. A sense's renderings walk each relation's forms in turn from a
 * seeded offset, so R renderings state each fact in min(R, forms) different forms: the knowledge
 * must be extractable from any phrasing, not memorised as one string (Allen-Zhu and Li, "Physics
 * of Language Models 3.1/3.3": facts are stored and retrievable after many exposures in varied
 * forms). Dialogue documents ask two to four of the facts in varied question phrasings and answer
 * them in full sentences, and state the meaning in reverse ("a word that means ... is dog") so the
 * word can be recalled from its gloss.
 *
 * <p>The word is never the first word of a sentence: the question "What is a dog a kind of?"
 * contains the BPE token " dog", not "Dog", so the corpus states facts with the lower-case token
 * the questions use (issue 20 measured answers respelt across that boundary).
 *
 * <p>No text uses the instruction format ({@code Instruction:}/{@code Response:}): the base model
 * stays a text continuer, as GPT-3 was before InstructGPT; its questions and answers are the kind
 * of text a web corpus holds.
 *
 * <p>Deterministic: the same lexicon and config give the same corpus, byte for byte.
 */
public final class CorpusBuilder {

  /** A sense and the word it is rendered under (the common word that selected it). */
  public record Entry(String word, Sense sense) {}

  private static final Pattern ARTICLE_START =
      Pattern.compile("^(a|an|the|any|one|some|someone|something|anything|a person|people)\\b.*");

  /** A surface form of one fact: a sentence, or null where it does not fit this sense. */
  private interface Form {
    String render(String w, Sense s, Fact f);
  }

  private static final Map<Relation, List<Form>> STATEMENTS = new EnumMap<>(Relation.class);
  private static final Map<Relation, List<Form>> QUESTIONS = new EnumMap<>(Relation.class);

  static {
    STATEMENTS.put(
        Relation.MEANING,
        List.of(
            (w, s, f) -> "The word " + w + " means " + s.gloss(),
            (w, s, f) ->
                s.pos() == PartOfSpeech.NOUN && ARTICLE_START.matcher(s.gloss()).matches()
                    ? withArticle(w) + " is " + s.gloss()
                    : null,
            (w, s, f) -> s.pos() == PartOfSpeech.VERB ? "To " + w + " is to " + s.gloss() : null,
            (w, s, f) ->
                "As " + s.pos().article() + " " + s.pos().label() + ", " + w + " means "
                    + s.gloss(),
            (w, s, f) -> "The meaning of the word " + w + " is " + s.gloss(),
            (w, s, f) -> "When people say " + w + ", they mean " + s.gloss(),
            (w, s, f) -> "A dictionary defines " + w + " as " + s.gloss(),
            (w, s, f) -> "In English, " + w + " means " + s.gloss()));
    STATEMENTS.put(
        Relation.POS,
        List.of(
            (w, s, f) -> "The word " + w + " is " + pos(s),
            (w, s, f) -> "In this meaning, the word " + w + " is used as " + pos(s),
            (w, s, f) -> "The word " + w + " can be used as " + pos(s),
            (w, s, f) -> "In this sense, " + w + " is " + pos(s),
            (w, s, f) -> "As a part of speech, " + w + " is " + pos(s)));
    STATEMENTS.put(
        Relation.KIND_OF,
        List.of(
            (w, s, f) -> verb(s) ? "To " + w + " is a way to " + f.answer()
                : withArticle(w) + " is a kind of " + f.answer(),
            (w, s, f) -> verb(s) ? "To " + w + " is a kind of " + gerund(f.answer())
                : withArticle(w) + " is a type of " + f.answer(),
            (w, s, f) -> verb(s) ? "One way to " + f.answer() + " is to " + w
                : "Every " + w + " is " + withArticle(f.answer()),
            (w, s, f) -> verb(s) ? "If you " + w + ", you " + f.answer()
                : "Among the kinds of " + f.answer() + " is " + withArticle(w),
            (w, s, f) -> verb(s) ? "The verb " + w + " is a way to " + f.answer()
                : "The " + w + " is a kind of " + f.answer(),
            (w, s, f) -> verb(s) ? "The word " + w + " names a way to " + f.answer()
                : "The word " + w + " names a kind of " + f.answer()));
    STATEMENTS.put(
        Relation.KINDS,
        List.of(
            (w, s, f) -> (verb(s) ? "Ways to " : "Kinds of ") + w + " include " + list(f),
            (w, s, f) -> verb(s) ? "There are many ways to " + w + ", such as " + list(f)
                : "There are many kinds of " + w + ", such as " + list(f),
            (w, s, f) -> (verb(s) ? "Some ways to " : "Some kinds of ") + w + " are " + list(f),
            (w, s, f) -> verb(s) ? null : "Examples of " + w + " include " + list(f),
            (w, s, f) -> verb(s) ? "To " + f.answer() + " is one way to " + w
                : withArticle(f.answer()) + " is one kind of " + w,
            (w, s, f) -> (verb(s) ? "The common ways to " : "The common kinds of ") + w + " are "
                + list(f)));
    STATEMENTS.put(
        Relation.OPPOSITE,
        List.of(
            (w, s, f) -> "The opposite of " + w + " is " + f.answer(),
            (w, s, f) -> "The antonym of " + w + " is " + f.answer(),
            (w, s, f) -> "The words " + w + " and " + f.answer() + " are opposites",
            (w, s, f) -> "The word " + w + " is the opposite of " + f.answer(),
            (w, s, f) -> "The opposite of the word " + w + " is the word " + f.answer(),
            (w, s, f) -> "The word " + w + " means the opposite of " + f.answer()));
    STATEMENTS.put(
        Relation.SYNONYM,
        List.of(
            (w, s, f) -> "Another word for " + w + " is " + f.answer(),
            (w, s, f) -> "A synonym of " + w + " is " + f.answer(),
            (w, s, f) -> "The words " + w + " and " + f.answer() + " mean the same thing",
            (w, s, f) -> "Synonyms of " + w + " include " + list(f),
            (w, s, f) -> "Instead of " + w + ", you can say " + f.answer(),
            (w, s, f) -> "The word " + w + " is also called " + list(f)));

    QUESTIONS.put(
        Relation.MEANING,
        List.of(
            (w, s, f) -> "What does the word " + w + " mean?",
            (w, s, f) -> "What is the meaning of " + w + "?",
            (w, s, f) -> "Can you tell me what " + w + " means?",
            (w, s, f) -> "How is the word " + w + " defined?",
            (w, s, f) -> "What do people mean by " + w + "?"));
    QUESTIONS.put(
        Relation.POS,
        List.of(
            (w, s, f) -> "What part of speech is the word " + w + "?",
            (w, s, f) -> "Is the word " + w + " " + pos(s) + " or " + otherPos(s) + "?",
            (w, s, f) -> "Is " + w + " " + otherPos(s) + " or " + pos(s) + "?",
            (w, s, f) -> "What kind of word is " + w + "?"));
    QUESTIONS.put(
        Relation.KIND_OF,
        List.of(
            (w, s, f) -> verb(s) ? "To " + w + " is a way to do what?"
                : "What is " + withArticle(w) + " a kind of?",
            (w, s, f) -> verb(s) ? null : "What kind of thing is " + withArticle(w) + "?",
            (w, s, f) -> verb(s) ? null : "What type of thing is " + withArticle(w) + "?",
            (w, s, f) -> verb(s) ? "What does it mean to " + w + "?"
                : withArticle(w) + " is a kind of what?"));
    QUESTIONS.put(
        Relation.KINDS,
        List.of(
            (w, s, f) -> verb(s) ? "What are some ways to " + w + "?"
                : "What are some kinds of " + w + "?",
            (w, s, f) -> verb(s) ? null : "Can you name a few kinds of " + w + "?",
            (w, s, f) -> verb(s) ? null : "What kinds of " + w + " are there?",
            (w, s, f) -> verb(s) ? null : "What are some examples of " + w + "?"));
    QUESTIONS.put(
        Relation.OPPOSITE,
        List.of(
            (w, s, f) -> "What is the opposite of " + w + "?",
            (w, s, f) -> "What is the antonym of " + w + "?",
            (w, s, f) -> "Which word means the opposite of " + w + "?",
            (w, s, f) -> "What word is the opposite of " + w + "?"));
    QUESTIONS.put(
        Relation.SYNONYM,
        List.of(
            (w, s, f) -> "What is another word for " + w + "?",
            (w, s, f) -> "What is a synonym of " + w + "?",
            (w, s, f) -> "Which word means the same as " + w + "?",
            (w, s, f) -> "What else can you say instead of " + w + "?"));
  }

  /** The meaning stated in reverse: from the gloss to the word (which-word questions). */
  private static final List<Form> REVERSE_MEANING =
      List.of(
          (w, s, f) -> "A word that means " + s.gloss() + " is " + w,
          (w, s, f) -> "The word for " + s.gloss() + " is " + w,
          (w, s, f) -> "If you mean " + s.gloss() + ", the word is " + w);

  private static final List<Form> REVERSE_QUESTIONS =
      List.of(
          (w, s, f) -> "Which word means " + s.gloss() + "?",
          (w, s, f) -> "What is the word for " + s.gloss() + "?",
          (w, s, f) -> "What do you call it when you mean " + s.gloss() + "?");

  /** Speakers of a dialogue document: question prefix, answer prefix. */
  private static final List<String[]> SPEAKERS =
      List.of(
          new String[] {"Q: ", "A: "},
          new String[] {"Question: ", "Answer: "},
          new String[] {"Student: ", "Teacher: "},
          new String[] {"Anna asked: ", "Ben said: "},
          new String[] {"- ", "- "});

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
      List<String> docs = (isValidation(e.sense().id(), config) ? valid : train);
      docs.addAll(documents(lexicon, e, config, rng));
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

  /** The prose and dialogue documents of one sense. */
  static List<String> documents(Lexicon lexicon, Entry entry, CorpusConfig config, Random rng) {
    List<Fact> facts = Fact.of(lexicon, entry);
    // A seeded starting form per relation; rendering r then uses form (offset + r), so the
    // renderings of a sense cycle through all forms before repeating one.
    Map<Relation, Integer> offsets = new EnumMap<>(Relation.class);
    for (Relation r : Relation.values()) {
      offsets.put(r, rng.nextInt(STATEMENTS.get(r).size()));
    }
    int reverseOffset = rng.nextInt(REVERSE_MEANING.size());
    List<String> docs = new ArrayList<>();
    for (int r = 0; r < config.renderings(); r++) {
      docs.add(prose(lexicon, entry, facts, offsets, r, config, rng));
    }
    for (int d = 0; d < config.dialogues(); d++) {
      docs.add(dialogue(entry, facts, offsets, reverseOffset, d, rng));
    }
    return docs;
  }

  /** One prose document: every fact once, some parts and examples, in a shuffled order. */
  private static String prose(
      Lexicon lexicon, Entry entry, List<Fact> facts, Map<Relation, Integer> offsets, int r,
      CorpusConfig config, Random rng) {
    String w = entry.word();
    Sense s = entry.sense();
    List<String> sentences = new ArrayList<>();
    String definition = null;
    for (Fact f : facts) {
      String text = sentence(form(STATEMENTS.get(f.relation()), offsets.get(f.relation()) + r, w,
          s, f));
      if (f.relation() == Relation.MEANING) {
        definition = text;
      } else {
        sentences.add(text);
      }
    }
    List<String> parts = topLemmas(lexicon, s.meronyms(), config.maxListed(), rng);
    if (!parts.isEmpty()) {
      sentences.add(meronymSentence(w, parts, rng));
    }
    if (!s.examples().isEmpty()) {
      // One example per document, in turn: the examples show the word in use (generation tasks).
      sentences.add(exampleSentence(s.examples().get(r % s.examples().size()), rng));
    }
    Collections.shuffle(sentences, rng);
    // The definition opens most documents, as in a dictionary; sometimes it comes later so the
    // model also learns to state it after other facts.
    int at = rng.nextDouble() < 0.6 ? 0 : rng.nextInt(sentences.size() + 1);
    sentences.add(at, definition);
    return String.join(" ", sentences);
  }

  /**
   * One dialogue: two to four questions about the sense's facts, each answered with a full
   * statement; now and then the reverse question (from the gloss to the word).
   */
  private static String dialogue(
      Entry entry, List<Fact> facts, Map<Relation, Integer> offsets, int reverseOffset, int d,
      Random rng) {
    String w = entry.word();
    Sense s = entry.sense();
    String[] speakers = SPEAKERS.get(rng.nextInt(SPEAKERS.size()));
    boolean quoted = speakers[0].endsWith("asked: ");
    List<Fact> asked = new ArrayList<>(facts);
    Collections.shuffle(asked, rng);
    asked = asked.subList(0, Math.min(asked.size(), 2 + rng.nextInt(3)));
    List<String> lines = new ArrayList<>();
    for (Fact f : asked) {
      int i = offsets.get(f.relation()) + d + 1;
      String q = form(QUESTIONS.get(f.relation()), i + rng.nextInt(4), w, s, f);
      String a = sentence(form(STATEMENTS.get(f.relation()), i, w, s, f));
      lines.add(turn(speakers[0], English.capitalize(q), quoted));
      lines.add(turn(speakers[1], a, quoted));
    }
    if (d % 2 == 0 && English.wordCount(s.gloss()) <= 20) {
      int i = reverseOffset + d / 2;
      String q = form(REVERSE_QUESTIONS, i, w, s, null);
      String a = sentence(form(REVERSE_MEANING, i, w, s, null));
      lines.add(turn(speakers[0], q, quoted));
      lines.add(turn(speakers[1], a, quoted));
    }
    return String.join(" ", lines);
  }

  private static String turn(String speaker, String text, boolean quoted) {
    return speaker + (quoted ? "\"" + text + "\"" : text);
  }

  /**
   * Form {@code i} (cyclically) among those that fit this sense, so consecutive indices give
   * different forms until all are used.
   */
  private static String form(List<Form> forms, int i, String w, Sense s, Fact f) {
    List<String> fitting = new ArrayList<>(forms.size());
    for (Form form : forms) {
      String text = form.render(w, s, f);
      if (text != null) {
        fitting.add(text);
      }
    }
    if (fitting.isEmpty()) {
      throw new IllegalStateException("no form fits " + w + " (" + s.id() + ")");
    }
    return fitting.get(Math.floorMod(i, fitting.size()));
  }

  private static boolean verb(Sense s) {
    return s.pos() == PartOfSpeech.VERB;
  }

  private static String pos(Sense s) {
    return s.pos().article() + " " + s.pos().label();
  }

  /** The other member of the pair the classification questions offer (noun/verb, adj/adverb). */
  private static String otherPos(Sense s) {
    PartOfSpeech other =
        switch (s.pos()) {
          case NOUN -> PartOfSpeech.VERB;
          case VERB -> PartOfSpeech.NOUN;
          case ADJECTIVE -> PartOfSpeech.ADVERB;
          case ADVERB -> PartOfSpeech.ADJECTIVE;
        };
    return other.article() + " " + other.label();
  }

  private static String list(Fact f) {
    return joinList(f.answers());
  }

  private static String meronymSentence(String w, List<String> parts, Random rng) {
    return switch (rng.nextInt(3)) {
      case 0 -> sentence("parts of " + withArticle(w) + " include " + joinList(parts));
      case 1 -> sentence(withArticle(parts.get(0)) + " is part of " + withArticle(w));
      default -> sentence(withArticle(w) + " has " + withArticle(parts.get(0)));
    };
  }

  private static String exampleSentence(String example, Random rng) {
    return switch (rng.nextInt(4)) {
      case 0 -> "For example: " + sentence(example);
      case 1 -> "You can say: " + sentence(example);
      case 2 -> "Here is an example: " + sentence(example);
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

  private static long chars(List<String> docs) {
    return docs.stream().mapToLong(String::length).sum();
  }

  private static long words(List<String> docs) {
    return docs.stream().mapToLong(English::wordCount).sum();
  }
}
