package org.rlhf4j.world.corpus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.rlhf4j.world.corpus.Fact.Relation;

class FactProbeTest {

  static Lexicon lexicon;
  static final CorpusConfig CONFIG = CorpusConfig.defaults().withCommonWords(600);

  @BeforeAll
  static void load() throws Exception {
    lexicon = Lexicon.wordNet();
  }

  @Test
  void itemsAreFixedPerSeedAndIndependentOfRepetition() {
    List<FactProbe.Item> items = FactProbe.items(lexicon, CONFIG, 20, 1);
    assertEquals(items, FactProbe.items(lexicon, CONFIG.withRepetition(2, 0), 20, 1));
    assertNotEquals(items, FactProbe.items(lexicon, CONFIG, 20, 2));
    for (Relation r : FactProbe.RELATIONS) {
      List<FactProbe.Item> of = items.stream().filter(i -> i.relation() == r).toList();
      assertEquals(20, of.size(), r.name());
      Set<String> words = new HashSet<>();
      for (FactProbe.Item i : of) {
        assertTrue(words.add(i.word()), "one item per word: " + i.word());
        assertFalse(i.answers().isEmpty(), i.prompt());
        assertFalse(CorpusBuilder.isValidation(i.senseId(), CONFIG), "train-split facts only");
      }
    }
    assertThrows(IllegalArgumentException.class, () -> FactProbe.items(lexicon, CONFIG, 0, 1));
  }

  @Test
  void scoresTheFirstSentenceOfAContinuation() {
    Sense dog = lexicon.sensesOf("dog").get(0);
    Fact kindOf =
        Fact.of(lexicon, new CorpusBuilder.Entry("dog", dog)).stream()
            .filter(f -> f.relation() == Relation.KIND_OF)
            .findFirst()
            .orElseThrow();
    assertEquals("canine", kindOf.answer());
    FactProbe.Item item =
        new FactProbe.Item(Relation.KIND_OF, "dog", dog.id(), "A dog is a kind of",
            List.of("canine", "canid", "domestic animal"));
    assertTrue(item.correct(" canine. It barks."));
    assertTrue(item.correct(" domestic animal that barks"));
    assertFalse(item.correct(" business."), "the issue's example of a wrong completion");
    assertFalse(item.correct(" pet. A canine is"), "only the first sentence counts");
    assertFalse(item.correct(" canines"), "whole words only: the corpus names the lemma");
  }
}
