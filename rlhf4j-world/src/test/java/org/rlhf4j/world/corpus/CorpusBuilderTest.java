package org.rlhf4j.world.corpus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CorpusBuilderTest {

  static Lexicon lexicon;
  static final CorpusConfig SMALL = CorpusConfig.defaults().withCommonWords(400);

  @BeforeAll
  static void load() throws Exception {
    lexicon = Lexicon.wordNet();
  }

  @Test
  void deterministicForASeedAndDifferentForAnother() {
    Corpus a = CorpusBuilder.build(lexicon, SMALL);
    Corpus b = CorpusBuilder.build(lexicon, SMALL);
    assertEquals(a, b);
    Corpus c = CorpusBuilder.build(lexicon, SMALL.withSeed(7));
    assertNotEquals(a.train(), c.train());
  }

  @Test
  void validationSplitIsBySynset() {
    List<CorpusBuilder.Entry> entries = CorpusBuilder.select(lexicon, SMALL);
    long validSenses =
        entries.stream().filter(e -> CorpusBuilder.isValidation(e.sense().id(), SMALL)).count();
    Corpus corpus = CorpusBuilder.build(lexicon, SMALL);
    // Every rendering of a sense lands on the same side.
    int perSense = SMALL.renderings() + SMALL.dialogues();
    assertEquals(validSenses * perSense, corpus.valid().size());
    assertEquals((entries.size() - validSenses) * perSense, corpus.train().size());
    double share = validSenses / (double) entries.size();
    assertTrue(share > 0.02 && share < 0.09, "validation share " + share);
    assertEquals(entries.size(), corpus.stats().senses());
  }

  @Test
  void containsTheFactsTheTasksAskAbout() {
    CorpusConfig config = CorpusConfig.defaults().withCommonWords(1500).withRepetition(4, 2);
    Corpus corpus = CorpusBuilder.build(lexicon, config);
    String all = String.join("\n", corpus.train()) + "\n" + String.join("\n", corpus.valid());
    // dog: definition, kind-of, POS are all present in some rendering.
    assertTrue(all.contains("a member of the genus Canis"));
    assertTrue(all.contains("dog is a kind of canine") || all.contains("dog is a type of canine")
        || all.contains("every dog is a canine"));
    assertTrue(
        all.contains("opposite of hot is cold")
            || all.contains("Hot is the opposite of cold")
            || all.contains("Hot and cold are antonyms"));
    // No instruction format in pretraining text: the base model stays a text continuer.
    assertTrue(!all.contains("Instruction:") && !all.contains("Response:"));
    // The toxic lexicon is present so the base model has seen it.
    assertTrue(all.contains("offensive term for"));
    Set<String> docs = new HashSet<>(corpus.train());
    assertTrue(docs.size() > corpus.train().size() * 0.95, "renderings mostly differ");
  }

  @Test
  void repetitionIsConfigurableAndCyclesThroughForms() {
    CorpusBuilder.Entry dog = entry("dog");
    for (int renderings : List.of(1, 3, 6)) {
      CorpusConfig config = SMALL.withRepetition(renderings, 0);
      List<String> docs = CorpusBuilder.documents(lexicon, dog, config, new Random(1));
      assertEquals(renderings, docs.size());
      // Every prose document states every fact; R renderings give min(R, forms) forms.
      FactCoverage coverage = new FactCoverage(docs);
      for (Fact f : Fact.of(lexicon, dog)) {
        FactCoverage.Count c = coverage.count(f);
        assertEquals(renderings, c.documents(), f + " in every document");
        assertTrue(c.forms() >= Math.min(renderings, 5), f + ": " + c.forms() + " forms");
      }
    }
    assertEquals(4, CorpusBuilder.documents(lexicon, dog, SMALL.withRepetition(1, 3),
        new Random(1)).size());
  }

  @Test
  void theWordIsNeverCapitalisedAtTheStartOfAStatement() {
    // "Dog is a kind of canine" would teach the token "Dog"; questions use " dog" (issue 20).
    Random rng = new Random(3);
    int checked = 0;
    for (CorpusBuilder.Entry e : CorpusBuilder.select(lexicon, SMALL)) {
      String capital = Character.toUpperCase(e.word().charAt(0)) + e.word().substring(1) + " ";
      if (capital.equals(e.word() + " ")) {
        continue;
      }
      Set<String> examples = new HashSet<>();
      for (String ex : e.sense().examples()) {
        examples.add(English.sentence(ex));
      }
      for (String doc : CorpusBuilder.documents(lexicon, e, SMALL, rng)) {
        for (String sentence : doc.split("(?<=[.?!\"])\\s+")) {
          String s = sentence.replaceFirst("^(For example|You can say|Here is an example): ", "");
          // Only a capitalised word that is not named again later ("One kind of digit is a one"
          // names it in lower case too).
          if (s.startsWith(capital)
              && !English.words(s.substring(capital.length())).contains(e.word())) {
            assertTrue(examples.contains(s), "'" + s + "' in: " + doc);
          }
          checked++;
        }
      }
    }
    assertTrue(checked > 10_000, "checked " + checked);
  }

  @Test
  void statesOneFactInEachRelationsForms() {
    String all = String.join("\n", CorpusBuilder.documents(lexicon, entry("hot"),
        SMALL.withRepetition(12, 8), new Random(5)));
    for (String form : List.of("The opposite of hot is cold", "The antonym of hot is cold",
        "The words hot and cold are opposites", "The word hot is the opposite of cold",
        "What is the opposite of hot?")) {
      assertTrue(all.contains(form), form + " missing from:\n" + all);
    }
  }

  private static CorpusBuilder.Entry entry(String word) {
    return new CorpusBuilder.Entry(word, lexicon.sensesOf(word).get(0));
  }

  @Test
  void writesOneDocumentPerLineAtomically(@TempDir Path dir) throws Exception {
    Corpus corpus = CorpusBuilder.build(lexicon, SMALL);
    corpus.write(dir);
    assertEquals(corpus.train(), Corpus.readDocuments(dir.resolve(Corpus.TRAIN_FILE)));
    assertEquals(corpus.valid(), Corpus.readDocuments(dir.resolve(Corpus.VALID_FILE)));
    try (var files = Files.list(dir)) {
      assertEquals(2, files.count(), "no temp files left behind");
    }
    assertEquals(
        corpus.stats().trainChars() + corpus.train().size(),
        Files.size(dir.resolve(Corpus.TRAIN_FILE)));
  }

  @Test
  void rejectsBadConfig() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new CorpusConfig(1, 10, 1, 1, 0, 1, 1.0, false));
    assertTrue(e.getMessage().contains("validFraction"));
    assertThrows(IllegalArgumentException.class, () -> SMALL.withCommonWords(0));
  }

  @Test
  void gerundRule() {
    assertEquals("traveling", CorpusBuilder.gerund("travel"));
    assertEquals("moving", CorpusBuilder.gerund("move"));
    assertEquals("dying", CorpusBuilder.gerund("die"));
    assertEquals("going out", CorpusBuilder.gerund("go out"));
  }
}
