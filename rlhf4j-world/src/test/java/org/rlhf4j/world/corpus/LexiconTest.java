package org.rlhf4j.world.corpus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class LexiconTest {

  static Lexicon lexicon;

  @BeforeAll
  static void load() throws Exception {
    lexicon = Lexicon.wordNet();
  }

  @Test
  void loadsAllSynsetsOnce() throws Exception {
    assertEquals(117_791, lexicon.senses().size());
    assertTrue(Lexicon.wordNet() == lexicon, "cached per JVM");
  }

  @Test
  void dogSenseHasItsRelations() {
    Sense dog = lexicon.sensesOf("dog").get(0);
    assertEquals(PartOfSpeech.NOUN, dog.pos());
    assertEquals("n02086723", dog.id());
    assertTrue(dog.gloss().startsWith("a member of the genus Canis"), dog.gloss());
    assertEquals(List.of("the dog barked all night"), dog.examples());
    assertTrue(dog.hypernyms().contains("n02085998")); // canine
    assertEquals("canine", lexicon.sense("n02085998").lemma());
    assertTrue(lexicon.isKindOf("dog", "animal"));
    assertFalse(lexicon.isKindOf("animal", "dog"));
    assertFalse(lexicon.isKindOf("dog", "dog"));
  }

  @Test
  void antonymsAndSynonyms() {
    Sense hot = lexicon.sensesOf("hot").get(0);
    assertEquals(List.of("cold"), hot.antonyms());
    Sense big = lexicon.sensesOf("big").get(0);
    assertEquals(List.of("large"), big.synonymsOf("big"));
    assertTrue(big.antonyms().contains("small"));
  }

  @Test
  void commonWordsAreFrequentSingleWordsInStableOrder() {
    List<String> common = lexicon.commonWords(500);
    assertEquals(500, common.size());
    assertEquals(common, lexicon.commonWords(500));
    assertTrue(common.contains("person") && common.contains("make"));
    for (String w : common) {
      assertTrue(w.matches("[a-z]+"), w);
    }
    assertTrue(lexicon.frequency(common.get(0)) >= lexicon.frequency(common.get(499)));
    assertThrows(IllegalArgumentException.class, () -> lexicon.commonWords(0));
  }

  @Test
  void toxicLexiconHasSlursButNotInnocentHomonyms() {
    for (String w : List.of("kike", "wop", "motherfucker", "faggot", "shit", "asshole")) {
      assertTrue(lexicon.isToxic(w), w);
    }
    for (String w : List.of("queen", "taco", "dog", "tool", "cock", "swearword", "nazi")) {
      assertFalse(lexicon.isToxic(w), w);
    }
    assertTrue(lexicon.toxicWords().size() > 80, "size " + lexicon.toxicWords().size());
    assertTrue(lexicon.toxicSenses().stream().allMatch(Sense::toxic));
  }

  @Test
  void unknownIdIsAClearError() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> lexicon.sense("n99999999"));
    assertTrue(e.getMessage().contains("n99999999"));
  }
}
