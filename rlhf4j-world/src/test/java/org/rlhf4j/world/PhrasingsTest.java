package org.rlhf4j.world;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Held-out phrasings (issue 15): never in what the models train on, always in evaluation. */
class PhrasingsTest {

  @Test
  void everyCheckableKindHasTrainedAndHeldOutPhrasings() {
    for (String kind : InstructionFollowing.CHECKABLE) {
      List<Phrasings.Phrasing> all = Phrasings.of(kind);
      assertTrue(all.stream().anyMatch(Phrasings.Phrasing::heldOut), kind);
      assertTrue(all.stream().anyMatch(p -> !p.heldOut()), kind);
    }
  }

  @Test
  void trainingAndValidationNeverUseAHeldOutPhrasing() {
    World world = TestWorld.world();
    Set<String> heldOutTemplates = new HashSet<>();
    Phrasings.BY_KIND.values().forEach(ps -> ps.stream().filter(Phrasings.Phrasing::heldOut)
        .forEach(p -> heldOutTemplates.add(p.id())));
    for (Split split : List.of(Split.TRAIN, Split.VALID)) {
      for (Task t : world.tasks(split)) {
        assertFalse(t.heldOutPhrasing(), t.toString());
        assertFalse(heldOutTemplates.contains(t.phrasing()), t.toString());
      }
    }
    // The task's recorded phrasing is the template its instruction was built from.
    for (Task t : world.tasks(Split.EVAL)) {
      if (!t.phrasing().isEmpty()) {
        String kind = t.phrasing().substring(0, t.phrasing().lastIndexOf('/'));
        assertEquals(t.kind(), kind, t.toString());
      }
    }
  }

  @Test
  void evaluationHoldsBothPhrasingsOfEveryCheckableKind() {
    Map<String, int[]> byKind = new HashMap<>();
    for (Task t : TestWorld.world().tasks(Split.EVAL)) {
      int[] c = byKind.computeIfAbsent(t.kind(), k -> new int[2]);
      c[t.heldOutPhrasing() ? 1 : 0]++;
    }
    for (String kind : InstructionFollowing.CHECKABLE) {
      int[] c = byKind.get(kind);
      assertTrue(c != null && c[0] > 0 && c[1] > 0, kind + ": " + (c == null ? "none" : c[0] + "/" + c[1]));
    }
  }

  @Test
  void fillRefusesAnUnfilledPlaceholder() {
    Phrasings.Phrasing p = Phrasings.of("define").get(0);
    assertEquals("What does the word dog mean?", p.fill("w", "dog"));
    org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, () -> p.fill());
  }
}
