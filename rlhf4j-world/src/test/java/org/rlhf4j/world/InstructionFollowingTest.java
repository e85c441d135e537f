package org.rlhf4j.world;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class InstructionFollowingTest {

  private static Task kindOf(String id, String word, String hypernym, boolean heldOut) {
    return new Task(
        id, Category.OPEN_QA, HarmVariant.NONE, "kind-of", "What is a " + word + " a kind of?",
        word, "hand", 0, 0 + 15, "", List.of(hypernym), "A " + word + " is a kind of " + hypernym
            + ".", heldOut ? "kind-of/2" : "kind-of/0", heldOut);
  }

  @Test
  void wilsonIntervalsMatchTheReference() {
    // Reference: statsmodels proportion_confint(k, n, method="wilson").
    Proportion p = Proportion.of(2, 3);
    assertEquals(0.2076596008020477, p.low(), 1e-12);
    assertEquals(0.9385080552796037, p.high(), 1e-12);
    Proportion half = Proportion.of(50, 100);
    assertEquals(0.4038315303659956, half.low(), 1e-12);
    assertEquals(0.5961684696340044, half.high(), 1e-12);
    assertEquals(0.0, Proportion.of(0, 10).low());
    assertEquals(0.2775327998628892, Proportion.of(0, 10).high(), 1e-12);
    assertThrows(IllegalArgumentException.class, () -> Proportion.of(1, 0));
  }

  @Test
  void countsCorrectnessMentionsAndCollapseByHand() {
    List<Task> tasks =
        List.of(
            kindOf("t0", "dog", "canine", false),
            kindOf("t1", "cat", "feline", false),
            kindOf("t2", "apple", "edible fruit", true),
            kindOf("t3", "oak", "tree", true));
    List<String> responses =
        List.of(
            "A dog is a kind of canine.", // right
            "A dog is a kind of canine.", // wrong word, off-topic
            "An apple is a kind of edible fruit.", // right
            "A kind of vegetable."); // wrong
    InstructionFollowing f = InstructionFollowing.of(TestWorld.world().judge(), tasks, responses);
    assertEquals(4, f.responses());
    assertEquals(2, f.correct().successes());
    assertEquals(4, f.correct().n());
    assertEquals(Proportion.of(2, 4), f.correctByKind().get("kind-of"));
    assertEquals(Proportion.of(1, 2), f.correctTrainedPhrasings());
    assertEquals(Proportion.of(1, 2), f.correctHeldOutPhrasings());
    // dog (yes), cat (no), apple (yes), oak (no).
    assertEquals(Proportion.of(2, 4), f.mentionsWord());
    assertEquals(0.5, f.topResponseShare());
    assertEquals("A dog is a kind of canine.", f.topResponse());
    assertEquals(0.75, f.distinctPerPrompt());
  }

  @Test
  void demonstrationsAreCorrectAndAConstantAnswerIsCollapsed() {
    World world = TestWorld.world();
    List<Task> eval = world.tasks(Split.EVAL);
    List<String> demos = eval.stream().map(Task::demonstration).toList();
    InstructionFollowing good = InstructionFollowing.of(world.judge(), eval, demos);
    assertTrue(good.correct().value() >= 0.95, good.correct().toString());
    assertTrue(good.correctHeldOutPhrasings().value() >= 0.95, good.toString());
    // Harm bait's plain and respectful variants share a demonstration: 0.8 distinct.
    assertTrue(good.topResponseShare() < 0.05 && good.distinctPerPrompt() > 0.75, good.toString());
    // The world's demonstrations answer without repeating the word only for which-word and
    // extraction-style answers: most name it.
    assertTrue(good.mentionsWord().value() > 0.8, good.mentionsWord().toString());

    List<String> constant = eval.stream().map(t -> "It is a noun.").toList();
    InstructionFollowing bad = InstructionFollowing.of(world.judge(), eval, constant);
    assertEquals(1.0, bad.topResponseShare());
    assertEquals(1.0 / eval.size(), bad.distinctPerPrompt(), 1e-12);
    assertTrue(bad.correct().value() < 0.15, bad.correct().toString());
    assertTrue(bad.correct().high() < good.correct().low());
    assertEquals(0, bad.mentionsWord().successes());
  }

  @Test
  void samplesAreTwelveFixedPromptsOfDifferentKindsWithBothPhrasings() {
    World world = TestWorld.world();
    List<Task> eval = world.tasks(Split.EVAL);
    List<Integer> idx = InstructionFollowing.sampleIndices(eval, InstructionFollowing.SAMPLES);
    assertEquals(12, idx.size());
    assertEquals(idx, InstructionFollowing.sampleIndices(eval, 12), "deterministic");
    Set<String> kinds = new HashSet<>();
    int heldOut = 0;
    for (int i : idx) {
      kinds.add(eval.get(i).kind());
      heldOut += eval.get(i).heldOutPhrasing() ? 1 : 0;
    }
    assertEquals(12, kinds.size(), kinds.toString());
    assertTrue(heldOut >= 4 && heldOut <= 8, "held-out phrasings among samples: " + heldOut);
    // Fewer kinds than samples: kinds are cycled, no prompt twice.
    List<Task> two = new ArrayList<>();
    for (Task t : eval) {
      if (t.kind().equals("pos") && two.size() < 5) {
        two.add(t);
      }
    }
    List<Integer> few = InstructionFollowing.sampleIndices(two, 12);
    assertEquals(5, few.size());
    assertEquals(5, new HashSet<>(few).size());
  }

  @Test
  void rejectsMismatchedInput() {
    GoldJudge judge = TestWorld.world().judge();
    assertThrows(IllegalArgumentException.class,
        () -> InstructionFollowing.of(judge, List.of(), List.of()));
    Task t = kindOf("t0", "dog", "canine", false);
    assertThrows(IllegalArgumentException.class,
        () -> InstructionFollowing.of(judge, List.of(t), List.of("a", "b")));
    InstructionFollowing one = InstructionFollowing.of(judge, List.of(t), List.of(""));
    assertFalse(one.samples().isEmpty());
    assertNull(one.correctHeldOutPhrasings());
  }
}
