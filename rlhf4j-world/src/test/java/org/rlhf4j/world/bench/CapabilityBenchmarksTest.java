package org.rlhf4j.world.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.rlhf4j.world.corpus.CorpusConfig;
import org.rlhf4j.world.corpus.Lexicon;

class CapabilityBenchmarksTest {

  static CapabilityBenchmarks bench;
  static Lexicon lexicon;

  @BeforeAll
  static void setUp() throws Exception {
    lexicon = Lexicon.wordNet();
    bench = new CapabilityBenchmarks(lexicon, CorpusConfig.defaults());
  }

  /** Knows every answer: scores the right ending 0 and others -10; greedy returns the answer. */
  static final class Oracle implements LanguageModelScorer {
    final Map<String, String> answers = new HashMap<>();

    Oracle(List<List<BenchmarkItem>> sets) {
      for (List<BenchmarkItem> set : sets) {
        for (BenchmarkItem item : set) {
          answers.put(
              item.context(),
              item.choices().isEmpty()
                  ? " " + item.accepted().get(0)
                  : item.choices().get(item.answer()));
        }
      }
    }

    private String last(String context) {
      int i = context.lastIndexOf(CapabilityBenchmarks.SHOT_SEPARATOR);
      return i < 0 ? context : context.substring(i + CapabilityBenchmarks.SHOT_SEPARATOR.length());
    }

    @Override
    public double logLikelihood(String context, String continuation) {
      if (context.isEmpty()) {
        return -2.0 * continuation.split("\\s+").length; // perplexity e^2 per word
      }
      return continuation.equals(answers.get(last(context))) ? 0 : -10;
    }

    @Override
    public String greedy(String prompt, int maxTokens) {
      return answers.get(last(prompt)) + "\n";
    }
  }

  /** Knows nothing. */
  static final class RandomModel implements LanguageModelScorer {
    final Random rng = new Random(5);
    final List<String> words = lexicon.commonWords(500);

    @Override
    public double logLikelihood(String context, String continuation) {
      return -10 * rng.nextDouble();
    }

    @Override
    public String greedy(String prompt, int maxTokens) {
      return " " + words.get(rng.nextInt(words.size()));
    }
  }

  @Test
  void itemsAreWellFormedDistinctAndDeterministic() {
    List<BenchmarkItem> mc = bench.multipleChoiceItems(200, 1);
    assertEquals(200, mc.size());
    assertEquals(mc, bench.multipleChoiceItems(200, 1));
    Set<String> contexts = new HashSet<>();
    for (BenchmarkItem item : mc) {
      assertEquals(4, item.choices().size());
      assertEquals(4, new HashSet<>(item.choices()).size());
      assertTrue(contexts.add(item.context()));
      assertTrue(item.context().endsWith("is a kind of"), item.context());
      String word = item.context().replaceFirst("^(A|An) ", "").replace(" is a kind of", "");
      for (int i = 0; i < 4; i++) {
        String choice = item.choices().get(i).strip().replace(".", "");
        assertEquals(i == item.answer(), lexicon.isKindOf(word, choice), item.toString());
      }
    }
    assertEquals(200, bench.clozeItems(200, 2).size());
    assertEquals(200, bench.exactMatchItems(200, 3).size());
  }

  @Test
  void oracleScoresOneAndRandomScoresChance() {
    List<BenchmarkItem> mc = bench.multipleChoiceItems(316, 1);
    List<BenchmarkItem> cz = bench.clozeItems(316, 2);
    List<BenchmarkItem> qa = bench.exactMatchItems(316, 3);
    Oracle oracle = new Oracle(List.of(mc, cz, qa));
    List<BenchmarkItem> mcEx = mc.subList(0, 16);
    List<BenchmarkItem> mcTest = mc.subList(16, 316);
    for (int shots : new int[] {0, 3}) {
      assertEquals(1.0, CapabilityBenchmarks.multipleChoice(oracle, mcTest, mcEx, shots).value());
      assertEquals(
          1.0,
          CapabilityBenchmarks.cloze(oracle, cz.subList(16, 316), cz.subList(0, 16), shots, 4)
              .value());
      assertEquals(
          1.0,
          CapabilityBenchmarks.exactMatch(oracle, qa.subList(16, 316), qa.subList(0, 16), shots, 6)
              .value());
    }
    RandomModel random = new RandomModel();
    BenchmarkResult r = CapabilityBenchmarks.multipleChoice(random, mcTest, mcEx, 2);
    assertEquals(0.25, r.chance(), 1e-9);
    assertTrue(Math.abs(r.value() - 0.25) < 0.08, r.toString());
    assertTrue(
        CapabilityBenchmarks.exactMatch(random, qa.subList(16, 316), qa.subList(0, 16), 0, 6)
                .value()
            < 0.05);
    BenchmarkResult ppl = CapabilityBenchmarks.perplexity(oracle, List.of("a b c", "d e"));
    assertEquals(Math.exp(2), ppl.value(), 1e-9);
  }

  @Test
  void runAllReportsFourBenchmarks() {
    Oracle oracle =
        new Oracle(
            List.of(
                bench.multipleChoiceItems(66, 9),
                bench.clozeItems(66, 10),
                bench.exactMatchItems(66, 11)));
    List<BenchmarkResult> results = bench.runAll(oracle, List.of("one two three"), 50, 2, 9);
    assertEquals(List.of("multiple-choice", "cloze", "exact-match-qa", "perplexity"),
        results.stream().map(BenchmarkResult::name).toList());
    for (int i = 0; i < 3; i++) {
      assertEquals(1.0, results.get(i).value(), results.get(i).toString());
      assertEquals(50, results.get(i).items());
    }
  }

  @Test
  void fewShotPrependsSolvedExamples() {
    List<BenchmarkItem> qa = bench.exactMatchItems(5, 3);
    String prompt = CapabilityBenchmarks.fewShot(qa.subList(0, 3), 2, qa.get(4));
    assertTrue(prompt.startsWith(qa.get(0).solved() + "\n\n" + qa.get(1).solved() + "\n\n"));
    assertTrue(prompt.endsWith(qa.get(4).context()));
    assertThrows(
        IllegalArgumentException.class,
        () -> CapabilityBenchmarks.fewShot(qa.subList(0, 1), 2, qa.get(4)));
    assertEquals("cold", CapabilityBenchmarks.normalizeAnswer(" The cold.\nQuestion: x"));
  }
}
