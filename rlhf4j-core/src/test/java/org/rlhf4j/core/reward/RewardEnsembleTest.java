package org.rlhf4j.core.reward;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class RewardEnsembleTest {

  // Three members scoring two responses: per response the scores are {1, 2, 6} and {-1, -1, -1}.
  private static final RewardFunction A = (p, r) -> new double[] {1, -1};
  private static final RewardFunction B = (p, r) -> new double[] {2, -1};
  private static final RewardFunction C = (p, r) -> new double[] {6, -1};
  private static final List<String> TWO = List.of("x", "y");

  @Test
  void meanMinAndUncertaintyWeightedMatchHandWorkedValues() throws Exception {
    // Response 1: mean 3, min 1, population variance ((1-3)^2 + (2-3)^2 + (6-3)^2) / 3 = 14/3.
    assertArrayEquals(new double[] {3, -1},
        new RewardEnsemble(List.of(A, B, C), RewardEnsemble.Aggregation.MEAN, 0).score(TWO, TWO), 1e-12);
    assertArrayEquals(new double[] {1, -1},
        new RewardEnsemble(List.of(A, B, C), RewardEnsemble.Aggregation.MIN, 0).score(TWO, TWO), 1e-12);
    assertArrayEquals(new double[] {3 - 0.5 * 14.0 / 3, -1},
        new RewardEnsemble(List.of(A, B, C), RewardEnsemble.Aggregation.UNCERTAINTY_WEIGHTED, 0.5).score(TWO, TWO),
        1e-12);
  }

  @Test
  void oneMemberIsThatMember() throws Exception {
    for (RewardEnsemble.Aggregation a : RewardEnsemble.Aggregation.values()) {
      assertArrayEquals(new double[] {6, -1}, new RewardEnsemble(List.of(C), a, 3).score(TWO, TWO), 0);
    }
  }

  @Test
  void rejectsEmptyEnsembleNegativeLambdaAndWrongLengths() {
    assertThrows(IllegalArgumentException.class,
        () -> new RewardEnsemble(List.of(), RewardEnsemble.Aggregation.MEAN, 0));
    assertThrows(IllegalArgumentException.class,
        () -> new RewardEnsemble(List.of(A), RewardEnsemble.Aggregation.UNCERTAINTY_WEIGHTED, -1));
    RewardFunction shortMember = (p, r) -> new double[] {1};
    assertThrows(IllegalStateException.class,
        () -> new RewardEnsemble(List.of(A, shortMember), RewardEnsemble.Aggregation.MEAN, 0).score(TWO, TWO));
  }
}
