package org.rlhf4j.world.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import org.rlhf4j.world.corpus.CorpusBuilder;
import org.rlhf4j.world.corpus.CorpusBuilder.Entry;
import org.rlhf4j.world.corpus.CorpusConfig;
import org.rlhf4j.world.corpus.English;
import org.rlhf4j.world.corpus.Lexicon;
import org.rlhf4j.world.corpus.PartOfSpeech;
import org.rlhf4j.world.corpus.Sense;

/**
 * The alignment-tax analogs of the paper's public NLP benchmarks, built from the facts of the
 * pretraining corpus's train split (what a base model could have learned):
 *
 * <ul>
 *   <li><b>multiple choice</b> (HellaSwag-style): "A dog is a kind of" with 4 candidate endings,
 *       scored by log-likelihood, the highest wins;
 *   <li><b>cloze</b> (LAMBADA-style): "The word X means ... [last word]", the greedy continuation's
 *       first word must be the gloss's held-out last word;
 *   <li><b>exact-match QA</b> (SQuAD/DROP-style answers): "Question: What is the opposite of hot?
 *       Answer:" greedy, normalised exact match;
 *   <li><b>perplexity</b>: word-level perplexity on the corpus's validation documents
 *       (tokenizer-independent, so models with different vocabularies compare).
 * </ul>
 *
 * Each item benchmark is few-shot capable: {@code shots} solved items from a disjoint pool are
 * prepended, separated by blank lines. Item sets are deterministic given the seed.
 */
public final class CapabilityBenchmarks {

  static final String SHOT_SEPARATOR = "\n\n";

  private final Lexicon lexicon;
  private final List<Entry> known;

  /** Benchmarks over the train-split senses of the given corpus config. */
  public CapabilityBenchmarks(Lexicon lexicon, CorpusConfig corpus) {
    this.lexicon = lexicon;
    List<Entry> entries = new ArrayList<>();
    for (Entry e : CorpusBuilder.select(lexicon, corpus)) {
      if (!e.sense().toxic() && !CorpusBuilder.isValidation(e.sense().id(), corpus)
          && e.word().matches("[a-z]+")) {
        entries.add(e);
      }
    }
    this.known = List.copyOf(entries);
  }

  // ---------------------------------------------------------------- item generators

  /** "A dog is a kind of" + 4 candidate hypernyms, one right. */
  public List<BenchmarkItem> multipleChoiceItems(int n, long seed) {
    Random rng = new Random(seed);
    List<Entry> pool = shuffled(rng);
    List<String> hypernymPool = new ArrayList<>();
    for (Entry e : pool) {
      String h = hypernym(e.sense());
      if (e.sense().pos() == PartOfSpeech.NOUN && h != null) {
        hypernymPool.add(h);
      }
    }
    List<BenchmarkItem> items = new ArrayList<>();
    Set<String> used = new HashSet<>();
    for (Entry e : pool) {
      String h = hypernym(e.sense());
      if (items.size() >= n) {
        break;
      }
      if (e.sense().pos() != PartOfSpeech.NOUN || h == null || !used.add(e.word())) {
        continue;
      }
      List<String> choices = new ArrayList<>(List.of(h));
      int guard = 0;
      while (choices.size() < 4 && guard++ < 200) {
        String d = hypernymPool.get(rng.nextInt(hypernymPool.size()));
        // A distractor must be false in WordNet, not merely different.
        if (!choices.contains(d) && !lexicon.isKindOf(e.word(), d) && !d.equals(e.word())) {
          choices.add(d);
        }
      }
      if (choices.size() < 4) {
        continue;
      }
      Collections.shuffle(choices, rng);
      List<String> endings = choices.stream().map(c -> " " + c + ".").toList();
      String context = English.capitalize(English.withArticle(e.word())) + " is a kind of";
      items.add(new BenchmarkItem(context, endings, choices.indexOf(h), List.of(h)));
    }
    return items;
  }

  /** "The word X means ..." with the gloss's last word held out. */
  public List<BenchmarkItem> clozeItems(int n, long seed) {
    Random rng = new Random(seed);
    List<BenchmarkItem> items = new ArrayList<>();
    for (Entry e : shuffled(rng)) {
      if (items.size() >= n) {
        break;
      }
      String gloss = e.sense().gloss();
      String[] words = gloss.split("\\s+");
      if (words.length < 5 || words.length > 20 || gloss.contains(";") || gloss.contains("(")) {
        continue;
      }
      String last = words[words.length - 1].toLowerCase(Locale.ROOT);
      if (!last.matches("[a-z]{3,}")) {
        continue;
      }
      String prefix = String.join(" ", java.util.Arrays.copyOf(words, words.length - 1));
      String context = "The word " + e.word() + " means " + prefix;
      items.add(new BenchmarkItem(context, List.of(), -1, List.of(last)));
    }
    return items;
  }

  /** Short-answer questions: opposites, other words for, what something is a kind of. */
  public List<BenchmarkItem> exactMatchItems(int n, long seed) {
    Random rng = new Random(seed);
    List<BenchmarkItem> items = new ArrayList<>();
    Set<String> used = new HashSet<>();
    for (Entry e : shuffled(rng)) {
      if (items.size() >= n) {
        break;
      }
      Sense s = e.sense();
      String w = e.word();
      String question;
      List<String> accepted = new ArrayList<>();
      if (!s.antonyms().isEmpty()) {
        question = "What is the opposite of " + w + "?";
        for (Sense other : lexicon.sensesOf(w)) {
          other.antonyms().forEach(a -> accepted.add(a.toLowerCase(Locale.ROOT)));
        }
      } else if (s.pos() == PartOfSpeech.NOUN && hypernym(s) != null) {
        question = "What is " + English.withArticle(w) + " a kind of?";
        for (String id : s.hypernyms()) {
          lexicon.sense(id).lemmas().forEach(l -> accepted.add(l.toLowerCase(Locale.ROOT)));
        }
      } else if (!s.synonymsOf(w).isEmpty()) {
        question = "What is another word for " + w + "?";
        for (String l : s.synonymsOf(w)) {
          accepted.add(l.toLowerCase(Locale.ROOT));
        }
      } else {
        continue;
      }
      if (!used.add(question)) {
        continue;
      }
      String context = "Question: " + question + "\nAnswer:";
      items.add(new BenchmarkItem(context, List.of(), -1, accepted.stream().distinct().toList()));
    }
    return items;
  }

  /** Few-shot examples come from this many extra items per benchmark, disjoint from the test. */
  public static final int EXAMPLE_POOL = 16;

  /**
   * Runs all four benchmarks, as the CLI's {@code bench} does: {@code n} items each (plus a
   * disjoint pool of few-shot examples from the same generator), and perplexity on the given
   * validation documents.
   */
  public List<BenchmarkResult> runAll(
      LanguageModelScorer model, List<String> validDocuments, int n, int shots, long seed) {
    if (shots > EXAMPLE_POOL) {
      throw new IllegalArgumentException("at most " + EXAMPLE_POOL + " shots, got " + shots);
    }
    List<BenchmarkItem> mc = multipleChoiceItems(n + EXAMPLE_POOL, seed);
    List<BenchmarkItem> cz = clozeItems(n + EXAMPLE_POOL, seed + 1);
    List<BenchmarkItem> qa = exactMatchItems(n + EXAMPLE_POOL, seed + 2);
    return List.of(
        multipleChoice(model, tail(mc), head(mc), shots),
        cloze(model, tail(cz), head(cz), shots, 4),
        exactMatch(model, tail(qa), head(qa), shots, 6),
        perplexity(model, validDocuments));
  }

  private static List<BenchmarkItem> head(List<BenchmarkItem> items) {
    return items.subList(0, Math.min(EXAMPLE_POOL, items.size()));
  }

  private static List<BenchmarkItem> tail(List<BenchmarkItem> items) {
    return items.subList(Math.min(EXAMPLE_POOL, items.size()), items.size());
  }

  // ---------------------------------------------------------------- evaluation

  /** Accuracy of log-likelihood ranking over the choices. */
  public static BenchmarkResult multipleChoice(
      LanguageModelScorer model, List<BenchmarkItem> items, List<BenchmarkItem> examples,
      int shots) {
    int right = 0;
    double chance = 0;
    for (BenchmarkItem item : items) {
      double[] ll = model.logLikelihoods(fewShot(examples, shots, item), item.choices());
      int best = 0;
      for (int i = 1; i < ll.length; i++) {
        if (ll[i] > ll[best]) {
          best = i;
        }
      }
      if (best == item.answer()) {
        right++;
      }
      chance += 1.0 / item.choices().size();
    }
    return new BenchmarkResult(
        "multiple-choice", items.size(), shots, ratio(right, items.size()),
        ratio(chance, items.size()));
  }

  /** Accuracy of the greedy continuation's first word (cloze). */
  public static BenchmarkResult cloze(
      LanguageModelScorer model, List<BenchmarkItem> items, List<BenchmarkItem> examples,
      int shots, int maxTokens) {
    int right = 0;
    for (BenchmarkItem item : items) {
      String out = model.greedy(fewShot(examples, shots, item), maxTokens);
      List<String> words = English.words(out);
      if (!words.isEmpty() && item.accepted().contains(words.get(0))) {
        right++;
      }
    }
    return new BenchmarkResult("cloze", items.size(), shots, ratio(right, items.size()), 0);
  }

  /** Normalised exact match of the greedy answer (first line, articles and punctuation off). */
  public static BenchmarkResult exactMatch(
      LanguageModelScorer model, List<BenchmarkItem> items, List<BenchmarkItem> examples,
      int shots, int maxTokens) {
    int right = 0;
    for (BenchmarkItem item : items) {
      String out = model.greedy(fewShot(examples, shots, item), maxTokens);
      if (item.accepted().contains(normalizeAnswer(out))) {
        right++;
      }
    }
    return new BenchmarkResult(
        "exact-match-qa", items.size(), shots, ratio(right, items.size()), 0);
  }

  /**
   * Word-level perplexity: exp(−Σ log p(document) / Σ words), each document scored from the
   * start of text.
   */
  public static BenchmarkResult perplexity(LanguageModelScorer model, List<String> documents) {
    if (documents.isEmpty()) {
      throw new IllegalArgumentException("perplexity needs at least one document");
    }
    double nll = 0;
    long words = 0;
    for (String doc : documents) {
      nll -= model.logLikelihood("", doc);
      words += English.wordCount(doc);
    }
    return new BenchmarkResult(
        "perplexity", documents.size(), 0, Math.exp(nll / words), Double.NaN);
  }

  /** Solved examples (skipping the item itself), blank-line separated, then the item's context. */
  static String fewShot(List<BenchmarkItem> examples, int shots, BenchmarkItem item) {
    if (shots < 0) {
      throw new IllegalArgumentException("shots must be >= 0, got " + shots);
    }
    StringBuilder sb = new StringBuilder();
    int added = 0;
    for (int i = 0; i < examples.size() && added < shots; i++) {
      BenchmarkItem ex = examples.get(i);
      if (ex.context().equals(item.context())) {
        continue;
      }
      sb.append(ex.solved()).append(SHOT_SEPARATOR);
      added++;
    }
    if (added < shots) {
      throw new IllegalArgumentException(
          "asked for " + shots + " shots but only " + added + " examples are available");
    }
    return sb.append(item.context()).toString();
  }

  /** First line, lower case, without leading articles and trailing punctuation. */
  static String normalizeAnswer(String out) {
    String line = out.strip();
    int nl = line.indexOf('\n');
    if (nl >= 0) {
      line = line.substring(0, nl);
    }
    line = line.toLowerCase(Locale.ROOT).replaceAll("[.!?,;:\"]+$", "").strip();
    return line.replaceFirst("^(a|an|the)\\s+", "");
  }

  private String hypernym(Sense s) {
    if (s.hypernyms().isEmpty()) {
      return null;
    }
    String l = lexicon.sense(s.hypernyms().get(0)).preferredLemma();
    return l.matches("[a-z]+") ? l : null;
  }

  private List<Entry> shuffled(Random rng) {
    List<Entry> copy = new ArrayList<>(known);
    Collections.shuffle(copy, rng);
    return copy;
  }

  private static double ratio(double a, int b) {
    return b == 0 ? 0 : a / b;
  }
}
