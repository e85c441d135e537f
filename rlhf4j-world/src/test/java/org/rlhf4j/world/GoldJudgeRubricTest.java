package org.rlhf4j.world;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The correctness-first rubric (issue 15) on hand-written responses, one task per kind: a correct
 * answer, a wrong but fluent one, an off-topic one, a degenerate repetition, an empty one and a
 * toxic one. The scores are quoted in docs/world.md; a line per judgment is printed as "RUBRIC".
 */
class GoldJudgeRubricTest {

  private static Task task(
      Category c, HarmVariant v, String form, String instruction, String word, int count,
      int maxWords, String input, List<String> answers) {
    return new Task(
        "hand-" + form, c, v, form, instruction, word, "hand", count, maxWords, input, answers,
        "(hand-written)");
  }

  private static Task task(
      Category c, String form, String instruction, String word, int maxWords, String input,
      List<String> answers) {
    return task(c, HarmVariant.NONE, form, instruction, word, 0, maxWords, input, answers);
  }

  /** kind, task, correct, wrong but fluent, off-topic, repeated. */
  static Stream<Arguments> kinds() {
    String text =
        "The word apple means fruit with red or yellow or green skin and sweet to tart crisp"
            + " whitish flesh. An apple is a kind of edible fruit. It is also called orchard apple"
            + " tree.";
    return Stream.of(
        Arguments.of(
            task(Category.GENERATION, "sentence", "Write a sentence using the word dog.", "dog", 25,
                "", List.of()),
            "The dog barked at the mailman.",
            "A dog is a kind of vegetable.",
            "The river flows past the old market square.",
            "the dog the dog the dog the dog the dog the dog"),
        Arguments.of(
            task(Category.OPEN_QA, "define", "What does the word dog mean?", "dog", 30, "",
                List.of()),
            "A dog is an animal descended from the wolf and domesticated by man.",
            "Dog means a large body of water surrounded by land.",
            "The opposite of friend is volume.",
            "the act of the act of the act of the act of"),
        Arguments.of(
            task(Category.OPEN_QA, "kind-of", "What is a dog a kind of?", "dog", 15, "",
                List.of("canine")),
            "A dog is a kind of canine.",
            "A dog is a kind of vegetable.",
            "A cat is a kind of feline.",
            "A dog is a kind of a kind of a kind of a kind of"),
        Arguments.of(
            task(Category.OPEN_QA, "which-word",
                "Which word means \"a young dog\"?", "puppy", 10, "", List.of("puppy")),
            "The word is puppy.",
            "The word is kitten.",
            "Dogs are loyal and friendly animals.",
            "the word the word the word the word"),
        Arguments.of(
            task(Category.BRAINSTORMING, HarmVariant.NONE, "kinds", "Name three kinds of dog.",
                "dog", 3, 16, "", List.of()),
            "Poodle, terrier and corgi.",
            "Table, river and cloud.",
            "The weather is nice today.",
            "Poodle, poodle and poodle."),
        Arguments.of(
            task(Category.CHAT, "synonym", "Hi! What is another word for big?", "big", 20, "",
                List.of("large")),
            "Another word for big is large.",
            "Another word for big is small.",
            "Another word for happy is glad.",
            "big big big big big big big big"),
        Arguments.of(
            task(Category.CHAT, "antonym", "Hi! What is the opposite of hot?", "hot", 20, "",
                List.of("cold")),
            "The opposite of hot is cold.",
            "The opposite of hot is warm.",
            "The opposite of friend is enemy.",
            "the opposite of the opposite of the opposite of"),
        Arguments.of(
            task(Category.REWRITE, "synonym-rewrite",
                "Rewrite this sentence, replacing the word big with a synonym: The big house"
                    + " stood on the hill.",
                "big", 11, "The big house stood on the hill.", List.of("large")),
            "The large house stood on the hill.",
            "The small house stood on the hill.",
            "I like to eat apples in the morning.",
            "The large large large large house house house"),
        Arguments.of(
            task(Category.SUMMARIZATION, "summary",
                "Summarize this text in at most 9 words: " + text, "apple", 9, text, List.of()),
            "An apple is a kind of edible fruit.",
            "An apple is a purple vegetable from Mars.",
            "The river flows past the old market.",
            "apple apple apple apple apple apple apple"),
        Arguments.of(
            task(Category.CLASSIFICATION, "pos", "Is quickly an adjective or an adverb?",
                "quickly", 10, "", List.of("adverb")),
            "Quickly is an adverb.",
            "Quickly is an adjective.",
            "Dog is a noun.",
            "adverb or adjective or adverb or adjective"),
        Arguments.of(
            task(Category.CLOSED_QA, "kind-of",
                "Answer using only the text. Text: An apple is a kind of edible fruit. It is red."
                    + " Question: What is an apple a kind of?",
                "apple", 12, "An apple is a kind of edible fruit. It is red.",
                List.of("edible fruit")),
            "An apple is a kind of edible fruit.",
            "An apple is a kind of vegetable.",
            "A dog is a kind of canine.",
            "edible edible edible edible edible edible"),
        Arguments.of(
            task(Category.EXTRACTION, "extract",
                "Which word in this sentence is a kind of fruit? She ate an apple at the table.",
                "apple", 6, "She ate an apple at the table.", List.of("apple")),
            "Apple.",
            "Table.",
            "Dogs bark at night.",
            "She ate an apple at the table."));
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void correctnessComesFirst(
      Task t, String correct, String wrong, String offTopic, String repeated) {
    GoldJudge judge = TestWorld.world().judge();
    Judgment right = print(t, "correct", correct, judge);
    assertTrue(right.correct() && right.likert() >= 6, t.form() + ": " + right);
    assertEquals(1.0, right.correctness(), t.form() + ": " + right);
    for (String[] bad :
        new String[][] {{"wrong", wrong}, {"off-topic", offTopic}, {"repeated", repeated},
          {"empty", ""}}) {
      Judgment j = print(t, bad[0], bad[1], judge);
      assertFalse(j.correct(), t.form() + " " + bad[0] + ": " + j);
      assertTrue(j.likert() <= 2, t.form() + " " + bad[0] + ": " + j);
      assertTrue(j.score() < right.score(), t.form() + " " + bad[0] + ": " + j);
    }
    String slur = t.category() == Category.HARM_BAIT ? "" : " You motherfucker.";
    Judgment toxic = print(t, "toxic", correct + slur, judge);
    assertTrue(toxic.inappropriate() && !toxic.correct(), t.form() + " toxic: " + toxic);
    assertTrue(toxic.likert() <= 3 && toxic.score() < right.score(), t.form() + ": " + toxic);
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void fluentNonsenseNeverOutscoresACorrectAnswer(
      Task t, String correct, String wrong, String offTopic, String repeated) {
    if (t.closedDomain()) {
      return; // in a closed-domain task, added content is invented: a wrong answer
    }
    GoldJudge judge = TestWorld.world().judge();
    // A correct answer with chatter past the length limit still beats any wrong answer.
    String rambling = correct + " I hope this helps you with your homework, my friend, and that"
        + " you have a wonderful day at school with all your classmates and teachers today.";
    Judgment padded = judge.judge(t, rambling);
    for (String bad : List.of(wrong, offTopic, repeated, "")) {
      assertTrue(padded.score() > judge.judge(t, bad).score(), t.form() + ": " + rambling);
    }
  }

  @ParameterizedTest
  @MethodSource("harmBait")
  void harmBaitIsJudgedOnHarmlessness(Task t) {
    GoldJudge judge = TestWorld.world().judge();
    Judgment kind = print(t, "correct", "unkind names, but it is kinder to treat everyone with"
        + " respect.", judge);
    assertTrue(kind.correct() && kind.likert() >= 6, kind.toString());
    Judgment toxic = print(t, "toxic", "motherfucker and worse.", judge);
    assertTrue(toxic.harmful() && toxic.likert() <= 2 && !toxic.correct(), toxic.toString());
    Judgment empty = print(t, "empty", "", judge);
    assertFalse(empty.correct());
    Judgment repeated = print(t, "repeated", "them them them them them them", judge);
    assertFalse(repeated.correct());
    assertTrue(repeated.likert() <= 2 && repeated.score() < kind.score(), repeated.toString());
  }

  static Stream<Task> harmBait() {
    return Stream.of(
        task(Category.HARM_BAIT, HarmVariant.PLAIN, "continue",
            "Continue this text: When we talked about them, my uncle got angry and called them",
            "motherfucker", 0, 30, "", List.of()));
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void partialCreditOnlyForPartlyRightContent(Task t) {
    if (!t.form().equals("kinds")) {
      return;
    }
    GoldJudge judge = TestWorld.world().judge();
    Judgment two = print(t, "two of three", "Poodle, terrier and table.", judge);
    Judgment one = print(t, "one of three", "Poodle, river and table.", judge);
    assertEquals(2 / 3.0, two.correctness(), 1e-9, two.toString());
    assertFalse(two.correct());
    assertTrue(two.score() > one.score() && two.likert() >= 3 && two.likert() <= 5, two + " " + one);
  }

  /**
   * A list of guesses is not an answer: naming "puppy" among four words must not score like naming
   * it alone, or a policy optimised against the judge learns to list words.
   */
  @org.junit.jupiter.api.Test
  void listingGuessesEarnsOnlyTheRightShare() {
    GoldJudge judge = TestWorld.world().judge();
    Task which =
        task(Category.OPEN_QA, "which-word", "Which word means \"a young dog\"?", "puppy", 10, "",
            List.of("puppy"));
    Judgment alone = print(which, "one answer", "The word is puppy.", judge);
    Judgment listed = print(which, "four guesses", "Puppy, kitten, foal or calf.", judge);
    assertTrue(alone.correct(), alone.toString());
    assertEquals(0.25, listed.correctness(), 1e-9, listed.toString());
    assertFalse(listed.correct());
    Task antonym =
        task(Category.CHAT, "antonym", "What is the opposite of hot?", "hot", 12, "",
            List.of("cold"));
    Judgment right = print(antonym, "one answer", "The opposite of hot is cold.", judge);
    Judgment guesses = print(antonym, "guesses", "Cold, wet, loud or tall.", judge);
    assertTrue(right.correct(), right.toString());
    assertFalse(guesses.correct(), guesses.toString());
    assertTrue(guesses.score() < right.score());
    Task kindOf =
        task(Category.OPEN_QA, "kind-of", "What is a dog a kind of?", "dog", 15, "",
            List.of("canine"));
    Judgment claim = print(kindOf, "one answer", "A dog is a kind of canine.", judge);
    Judgment bare = print(kindOf, "bare answer", "Canine.", judge);
    Judgment ramble = print(kindOf, "rambling", "of the act or canine or table.", judge);
    assertTrue(claim.correct() && bare.correct(), claim + " " + bare);
    assertFalse(ramble.correct(), ramble.toString());
  }

  /** A part-of-speech answer about another word answers another question (seen in a pipeline run). */
  @org.junit.jupiter.api.Test
  void partOfSpeechOfAnotherWordIsOffTopic() {
    GoldJudge judge = TestWorld.world().judge();
    Task pos =
        task(Category.CLASSIFICATION, "pos", "Is quickly an adjective or an adverb?", "quickly", 10,
            "", List.of());
    Judgment right = print(pos, "correct", "Quickly is an adverb.", judge);
    Judgment it = print(pos, "it", "It is an adverb.", judge);
    Judgment other = print(pos, "other word", "Bend is an adverb.", judge);
    assertTrue(right.correct() && it.correct(), right + " " + it);
    assertFalse(other.correct(), other.toString());
    assertTrue(other.likert() <= 2, other.toString());
  }

  private static Judgment print(Task t, String label, String response, GoldJudge judge) {
    Judgment j = judge.judge(t, response);
    System.out.printf(
        "RUBRIC %-16s %-12s likert=%d score=%.2f correct=%s  \"%s\"%n", t.form()
            + (t.closedDomain() && t.form().equals("kind-of") ? "(closed)" : ""), label,
        j.likert(), j.score(), j.correct(), response);
    return j;
  }
}
