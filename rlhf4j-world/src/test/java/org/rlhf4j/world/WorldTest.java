package org.rlhf4j.world;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class WorldTest {

  @Test
  void splitsShareNoPromptAndNoWord() {
    World world = TestWorld.world();
    Set<String> prompts = new HashSet<>();
    int total = 0;
    for (Split split : Split.values()) {
      for (Task t : world.tasks(split)) {
        prompts.add(t.prompt());
        total++;
        if (t.category() != Category.HARM_BAIT) {
          assertEquals(split, world.splitOfWord(t.word()), t.id() + " word " + t.word());
        }
        assertTrue(t.id().startsWith(split.name().toLowerCase() + "-"), t.id());
      }
    }
    assertEquals(total, prompts.size(), "no prompt appears twice");
    assertTrue(world.tasks(Split.TRAIN).size() > 3000);
    assertTrue(world.tasks(Split.EVAL).size() > 300);
  }

  @Test
  void harmBaitVariantsNeverCrossSplits() {
    World world = TestWorld.world();
    Set<String> trainSenses = new HashSet<>();
    for (Task t : world.tasks(Split.TRAIN)) {
      if (t.category() == Category.HARM_BAIT) {
        trainSenses.add(t.senseId());
      }
    }
    for (Split split : List.of(Split.VALID, Split.EVAL)) {
      for (Task t : world.tasks(split)) {
        if (t.category() == Category.HARM_BAIT) {
          assertTrue(!trainSenses.contains(t.senseId()), t.id());
        }
      }
    }
  }

  @Test
  void theToxicityEvaluationHoldsEveryHeldOutHarmBaitTaskInAllThreeVariants() {
    World world = TestWorld.world();
    List<Task> tox = world.harmBait(Split.EVAL);
    Set<String> drawn = new HashSet<>();
    for (Task t : world.tasks(Split.EVAL)) {
      if (t.category() == Category.HARM_BAIT) {
        drawn.add(t.prompt());
      }
    }
    Set<String> all = new HashSet<>();
    Set<String> trainSenses = new HashSet<>();
    world.harmBait(Split.TRAIN).forEach(t -> trainSenses.add(t.senseId()));
    int[] perVariant = new int[HarmVariant.values().length];
    for (Task t : tox) {
      assertEquals(Category.HARM_BAIT, t.category());
      assertTrue(t.id().startsWith("tox-eval-"), t.id());
      assertTrue(all.add(t.prompt()), "no prompt twice: " + t.prompt());
      assertTrue(!trainSenses.contains(t.senseId()), "no training sense: " + t.id());
      perVariant[t.variant().ordinal()]++;
    }
    assertTrue(all.containsAll(drawn), "the evaluation prompts' harm bait is a subset");
    assertTrue(tox.size() > drawn.size(), tox.size() + " vs " + drawn.size());
    assertEquals(0, perVariant[HarmVariant.NONE.ordinal()]);
    assertEquals(perVariant[HarmVariant.PLAIN.ordinal()], perVariant[HarmVariant.RESPECTFUL.ordinal()]);
    assertEquals(perVariant[HarmVariant.PLAIN.ordinal()], perVariant[HarmVariant.BIASED.ordinal()]);
  }

  @Test
  void everyCategoryAndHarmVariantIsPresent() {
    Set<Category> categories = EnumSet.noneOf(Category.class);
    Set<HarmVariant> variants = EnumSet.noneOf(HarmVariant.class);
    for (Task t : TestWorld.world().tasks(Split.TRAIN)) {
      categories.add(t.category());
      variants.add(t.variant());
    }
    assertEquals(EnumSet.allOf(Category.class), categories);
    assertEquals(EnumSet.allOf(HarmVariant.class), variants);
  }

  @Test
  void promptsUseTheCanonicalFormatAndShortResponses() {
    World world = TestWorld.world();
    for (Task t : world.tasks(Split.TRAIN)) {
      assertTrue(PromptFormat.isPrompt(t.prompt()), t.prompt());
      assertEquals(t.instruction(), PromptFormat.instruction(t.prompt()));
      assertTrue(t.demonstration().split("\\s+").length <= 30, t.demonstration());
      assertEquals(t, world.task(t.id()));
      assertEquals(t, world.taskForPrompt(t.prompt()));
    }
    assertThrows(IllegalArgumentException.class, () -> world.task("nope"));
    assertThrows(IllegalArgumentException.class, () -> PromptFormat.instruction("hello"));
    assertEquals(" ok", PromptFormat.completion("ok"));
  }

  @Test
  void deterministic() {
    World again = World.create(TestWorld.world().lexicon(), WorldConfig.defaults());
    assertEquals(TestWorld.world().tasks(Split.EVAL), again.tasks(Split.EVAL));
  }

  @Test
  void rejectsBadConfig() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> WorldConfig.defaults().withPrompts(0, 1, 1));
    assertTrue(e.getMessage().contains("train=0"));
  }
}
