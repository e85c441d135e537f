package org.rlhf4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RankingTest {
  private static final List<String> FOUR = List.of("r0", "r1", "r2", "r3");

  private static Ranking ranking(List<String> responses, List<List<Integer>> groups) {
    return new Ranking("p1", "Say hi", responses, groups, null, null);
  }

  @Test
  void pairsOfStrictOrderAreAllChooseTwo() {
    for (int k = 2; k <= 9; k++) {
      List<String> responses = new ArrayList<>();
      int[] order = new int[k];
      for (int i = 0; i < k; i++) {
        responses.add("r" + i);
        order[i] = k - 1 - i;
      }
      Ranking r = Ranking.ofOrder("p", "x", responses, order);
      assertEquals(k * (k - 1) / 2, r.pairs().size(), "K=" + k);
      assertEquals(k, r.k());
    }
  }

  @Test
  void pairsSkipTiedPairsAndPointFromBetterToWorse() {
    Ranking r = ranking(FOUR, List.of(List.of(2), List.of(0, 3), List.of(1)));
    List<int[]> pairs = r.pairs();
    // C(4,2) = 6 minus the one tied pair (0,3).
    assertEquals(5, pairs.size());
    List<String> rendered = pairs.stream().map(p -> p[0] + ">" + p[1]).toList();
    assertEquals(List.of("2>0", "2>3", "2>1", "0>1", "3>1"), rendered);
    assertArrayEquals(new int[] {1, 2, 0, 1}, r.groupOf());
  }

  @Test
  void pairsWithTwoTiedGroups() {
    List<String> six = List.of("a", "b", "c", "d", "e", "f");
    Ranking r = ranking(six, List.of(List.of(0, 1, 2), List.of(3, 4, 5)));
    // 15 pairs minus 3 + 3 tied.
    assertEquals(9, r.pairs().size());
  }

  @Test
  void identicalResponsesRankedApartAreFlagged() {
    assertTrue(Ranking.ofOrder(null, "p", List.of("a", "b", "a"), 0, 1, 2).ranksIdenticalResponsesApart());
    assertTrue(Ranking.fromComparison(new Comparison(null, "p", "same", "same", null)).ranksIdenticalResponsesApart());
    // Identical responses tied together carry no contradiction.
    assertFalse(new Ranking(null, "p", List.of("a", "a", "b"), List.of(List.of(0, 1), List.of(2)), null, null)
        .ranksIdenticalResponsesApart());
    assertFalse(Ranking.ofOrder(null, "p", List.of("a", "b"), 1, 0).ranksIdenticalResponsesApart());
  }

  @Test
  void duplicateIndexIsNamed() {
    InvalidFieldException e =
        assertThrows(
            InvalidFieldException.class,
            () -> ranking(FOUR, List.of(List.of(2), List.of(0, 2), List.of(1, 3))));
    assertEquals("ranking", e.field());
    assertTrue(e.reason().contains("duplicate index 2"), e.reason());
  }

  @Test
  void outOfRangeIndex() {
    InvalidFieldException e =
        assertThrows(
            InvalidFieldException.class,
            () -> ranking(FOUR, List.of(List.of(0, 1), List.of(2, 4))));
    assertEquals("ranking", e.field());
    assertTrue(e.reason().contains("index 4") && e.reason().contains("out of range"), e.reason());
    assertThrows(
        InvalidFieldException.class, () -> ranking(FOUR, List.of(List.of(-1, 0, 1), List.of(2, 3))));
  }

  @Test
  void missingIndex() {
    InvalidFieldException e =
        assertThrows(
            InvalidFieldException.class, () -> ranking(FOUR, List.of(List.of(0), List.of(1, 3))));
    assertTrue(e.reason().contains("missing index [2]"), e.reason());
  }

  @Test
  void allTiedIsRejected() {
    InvalidFieldException e =
        assertThrows(
            InvalidFieldException.class, () -> ranking(FOUR, List.of(List.of(0, 1, 2, 3))));
    assertTrue(e.reason().contains("at least 2 tie groups"), e.reason());
  }

  @Test
  void emptyGroupIsRejected() {
    assertThrows(
        InvalidFieldException.class,
        () -> ranking(FOUR, List.of(List.of(0, 1), List.of(), List.of(2, 3))));
  }

  @Test
  void responseCountBounds() {
    InvalidFieldException e =
        assertThrows(
            InvalidFieldException.class, () -> ranking(List.of("only"), List.of(List.of(0))));
    assertEquals("responses", e.field());
    List<String> ten = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      ten.add("r" + i);
    }
    assertThrows(
        InvalidFieldException.class,
        () -> ranking(ten, List.of(List.of(0, 1, 2, 3, 4), List.of(5, 6, 7, 8, 9))));
  }

  @Test
  void fromComparisonIsKTwo() {
    Ranking r = Ranking.fromComparison(new Comparison("p7", "q", "good", "bad", "ann"));
    assertEquals(List.of("good", "bad"), r.responses());
    assertEquals(1, r.pairs().size());
    assertArrayEquals(new int[] {0, 1}, r.pairs().get(0));
    assertEquals("p7", r.promptId());
    assertEquals("ann", r.labeler());
  }

  @Test
  void listsAreDefensivelyCopied() {
    List<String> responses = new ArrayList<>(FOUR);
    Ranking r = Ranking.ofOrder("p", "x", responses, 0, 1, 2, 3);
    responses.set(0, "changed");
    assertEquals("r0", r.responses().get(0));
  }
}
