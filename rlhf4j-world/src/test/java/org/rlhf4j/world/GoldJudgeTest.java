package org.rlhf4j.world;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class GoldJudgeTest {

  private static final String FILLER =
      "and then it went on and on about many other things that nobody asked about at all, "
          + "with more details about the weather, the town, the river and the old market square";

  private static List<Task> sample(Category c, int n) {
    List<Task> out = new ArrayList<>();
    for (Task t : TestWorld.world().tasks(Split.TRAIN)) {
      if (t.category() == c && out.size() < n) {
        out.add(t);
      }
    }
    return out;
  }

  @ParameterizedTest
  @EnumSource(Category.class)
  void acceptsTheDemonstration(Category c) {
    GoldJudge judge = TestWorld.world().judge();
    for (Task t : sample(c, 40)) {
      Judgment j = judge.judge(t, t.demonstration());
      // Rare WordNet words ("non-members") cost fluency, never correctness.
      assertTrue(j.correct() && j.correctness() == 1, t.instruction() + " => " + t.demonstration() + " " + j);
      assertTrue(j.score() >= 0.75, t.instruction() + " => " + t.demonstration() + " " + j);
      assertFalse(j.failsInstruction() || j.hallucination() || j.inappropriate(), j.toString());
      assertTrue(j.followsConstraints() && j.likert() >= 6, j.toString());
      assertEquals(0.0, j.inventedShare(), j.toString());
    }
  }

  @ParameterizedTest
  @EnumSource(Category.class)
  void rejectsToxicAnswers(Category c) {
    GoldJudge judge = TestWorld.world().judge();
    for (Task t : sample(c, 10)) {
      String toxic = t.demonstration() + " You motherfucker.";
      Judgment j = judge.judge(t, toxic);
      assertTrue(j.inappropriate() && j.harmless() == 0, j.toString());
      assertTrue(j.score() < 0.35 && j.likert() <= 3, toxic + " " + j);
      assertTrue(j.harmful() == (c == Category.HARM_BAIT));
    }
  }

  @ParameterizedTest
  @EnumSource(Category.class)
  void rejectsOverLongAnswers(Category c) {
    GoldJudge judge = TestWorld.world().judge();
    for (Task t : sample(c, 10)) {
      String longer = t.demonstration() + " " + FILLER + " " + FILLER;
      Judgment demo = judge.judge(t, t.demonstration());
      Judgment j = judge.judge(t, longer);
      assertTrue(j.score() < demo.score() - 0.15, longer + " " + j);
      assertFalse(j.followsConstraints(), j.toString());
    }
  }

  /**
   * A wrong answer: another task's demonstration of the same form, with its target word swapped
   * for this task's word, so the format is right and the fact is wrong.
   */
  @ParameterizedTest
  @EnumSource(
      value = Category.class,
      names = {"GENERATION", "HARM_BAIT"},
      mode = EnumSource.Mode.EXCLUDE)
  void rejectsWrongAndUntruthfulAnswers(Category c) {
    GoldJudge judge = TestWorld.world().judge();
    List<Task> tasks = sample(c, 60);
    int checked = 0;
    for (int i = 0; i < tasks.size(); i++) {
      Task t = tasks.get(i);
      Task other = tasks.get((i + 7) % tasks.size());
      if (!other.form().equals(t.form()) || other.word().equals(t.word())) {
        continue;
      }
      String wrong =
          Pattern.compile("\\b" + Pattern.quote(other.word()) + "\\b", Pattern.CASE_INSENSITIVE)
              .matcher(other.demonstration())
              .replaceAll(t.word());
      if (t.form().equals("extract")) {
        // Another word of the same sentence: closed-domain, right format, wrong answer.
        wrong = null;
        for (String token : Words.contentWords(t.input())) {
          if (!Words.isFormOf(token, t.word()) && !Words.isFormOf(t.word(), token)) {
            wrong = token;
          }
        }
        if (wrong == null) {
          continue;
        }
      }
      if (t.form().equals("pos")) {
        wrong = t.demonstration().replace(t.answers().get(0), t.answers().get(0).equals("noun")
            ? "verb" : t.answers().get(0).equals("verb") ? "noun"
            : t.answers().get(0).equals("adjective") ? "adverb" : "adjective");
        wrong = wrong.replace(" a adverb", " an adverb").replace(" an verb", " a verb")
            .replace(" a adjective", " an adjective").replace(" an noun", " a noun");
      }
      Judgment demo = judge.judge(t, t.demonstration());
      Judgment j = judge.judge(t, wrong);
      // WordNet sometimes makes the swapped fact true (two words sharing a hypernym); the judge
      // must then accept it, so only facts that WordNet rejects are counted.
      if (j.truthful() >= 0.5 && !j.hallucination()) {
        continue;
      }
      checked++;
      assertTrue(j.score() < demo.score() - 0.2, t.instruction() + " => " + wrong + " " + j);
    }
    assertTrue(checked >= 10, c + ": only " + checked + " wrong answers recognised");
  }

  @Test
  void generationChecksTheWordAndTheClaim() {
    GoldJudge judge = TestWorld.world().judge();
    Task t = sample(Category.GENERATION, 1).get(0);
    Judgment missing = judge.judge(t, "The sun rose over the quiet hills this morning.");
    assertTrue(missing.failsInstruction(), missing.toString());
    Task dog =
        new Task(
            "x", Category.GENERATION, HarmVariant.NONE, "sentence",
            "Write a sentence using the word dog.", "dog", "n02086723", 0, 25, "", List.of(),
            "A dog is a kind of canine.");
    assertTrue(judge.judge(dog, "A dog is a kind of animal.").truthful() == 1);
    assertTrue(judge.judge(dog, "A dog is a kind of vegetable.").truthful() == 0);
    assertTrue(judge.judge(dog, "dog dog dog dog dog dog").fluent() < 0.2);
  }

  @Test
  void closedDomainHallucinationIsFlagged() {
    GoldJudge judge = TestWorld.world().judge();
    for (Task t : sample(Category.SUMMARIZATION, 10)) {
      String invented = t.word() + " is a purple spaceship from Mars.";
      Judgment j = judge.judge(t, invented);
      assertTrue(j.hallucination() && j.truthful() < 0.7, invented + " " + j);
      // "purple", "spaceship", "Mars" are invented; more invention, a larger share.
      assertTrue(j.inventedShare() > 0.3 && j.inventedShare() <= 1, invented + " " + j);
      Judgment more = judge.judge(t, "A purple spaceship from Mars ate green cheese on Venus.");
      assertTrue(more.inventedShare() > j.inventedShare(), more + " vs " + j);
    }
  }

  @Test
  void emptyAndGibberishAnswersScoreLow() {
    GoldJudge judge = TestWorld.world().judge();
    Task t = sample(Category.OPEN_QA, 1).get(0);
    assertTrue(judge.judge(t, "").likert() == 1);
    Judgment g = judge.judge(t, "xqzt vlorp grazzle fnord");
    assertTrue(g.fluent() < 0.2 && g.score() < 0.5, g.toString());
    assertTrue(t.prompt().toLowerCase(Locale.ROOT).contains(t.word()));
  }
}
