package org.rlhf4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class RecordsTest {
  @Test
  void promptRequiresIdAndText() {
    assertEquals("id", assertThrows(InvalidFieldException.class, () -> new Prompt(null, "x")).field());
    assertEquals(
        "prompt", assertThrows(InvalidFieldException.class, () -> new Prompt("1", "  ")).field());
    assertEquals(
        "category",
        assertThrows(InvalidFieldException.class, () -> new Prompt("1", "x", "")).field());
  }

  @Test
  void demonstrationRequiresResponse() {
    InvalidFieldException e =
        assertThrows(InvalidFieldException.class, () -> new Demonstration("p", " "));
    assertEquals("response", e.field());
    assertEquals("field 'response': must not be blank", e.getMessage());
  }

  @Test
  void likertRange() {
    for (int bad : new int[] {0, 8, -3}) {
      InvalidFieldException e =
          assertThrows(
              InvalidFieldException.class,
              () -> new Rating(null, "p", "r", null, bad, false, false, false, false, true, null));
      assertEquals("likert", e.field());
    }
    for (int good = 1; good <= 7; good++) {
      assertEquals(
          good,
          new Rating(null, "p", "r", "m", good, true, false, false, false, true, "ann").likert());
    }
  }

  @Test
  void pairJudgmentWinner() {
    InvalidFieldException e =
        assertThrows(
            InvalidFieldException.class,
            () -> new PairJudgment(null, "p", "a", "ra", "b", "rb", "C", null));
    assertEquals("winner", e.field());
    assertEquals("tie", new PairJudgment(null, "p", "a", "ra", "b", "rb", "tie", null).winner());
  }

  @Test
  void comparisonAllowsEmptyResponsesButNotNull() {
    assertEquals("", new Comparison("p", "", "x").chosen());
    assertEquals(
        "rejected",
        assertThrows(InvalidFieldException.class, () -> new Comparison("p", "x", null)).field());
  }
}
