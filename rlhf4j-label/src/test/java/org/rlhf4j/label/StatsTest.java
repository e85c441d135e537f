package org.rlhf4j.label;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.rlhf4j.data.Ranking;

class StatsTest {
  private static final List<String> FOUR = List.of("a", "b", "c", "d");

  @Test
  void wilsonMatchesReferenceValues() {
    // Reference: Wilson (1927) interval, e.g. statsmodels proportion_confint(method="wilson").
    double[] half = Stats.wilson(50, 100, 1.96);
    assertEquals(0.4038, half[0], 1e-4);
    assertEquals(0.5962, half[1], 1e-4);
    double[] zero = Stats.wilson(0, 10, 1.96);
    assertEquals(0.0, zero[0], 1e-12);
    assertEquals(0.2775, zero[1], 1e-4);
    double[] all = Stats.wilson(10, 10, 1.96);
    assertEquals(0.7225, all[0], 1e-4);
    assertEquals(1.0, all[1], 1e-12);
  }

  @Test
  void winRateCountsTiesAsHalf() {
    Stats.WinRate w = Stats.winRate(2, 6, 2);
    assertEquals(0.7, w.rateB(), 1e-12);
    assertTrue(w.low() < 0.7 && w.high() > 0.7, Arrays.toString(new double[] {w.low(), w.high()}));
    assertEquals(10, w.n());
  }

  @Test
  void pairwiseAgreement() {
    Ranking r = Ranking.ofOrder(null, "q", FOUR, 0, 1, 2, 3);
    assertEquals(1.0, Stats.pairwiseAgreement(r, r));
    assertEquals(0.0, Stats.pairwiseAgreement(r, Ranking.ofOrder(null, "q", FOUR, 3, 2, 1, 0)));
    // Swapping the last two flips 1 of 6 pairs.
    assertEquals(5 / 6.0, Stats.pairwiseAgreement(r, Ranking.ofOrder(null, "q", FOUR, 0, 1, 3, 2)), 1e-12);
    // Tying 2 and 3 disagrees on that pair only.
    Ranking tied = new Ranking(null, "q", FOUR, List.of(List.of(0), List.of(1), List.of(2, 3)), null, null);
    assertEquals(5 / 6.0, Stats.pairwiseAgreement(r, tied), 1e-12);
  }

  @Test
  void labelsPerHourUsesCappedActiveTime() {
    assertEquals(60.0, Stats.labelsPerHour(List.of(60_000L, 60_000L)), 1e-9);
    // A 2-hour pause counts as 10 minutes.
    assertEquals(2 * 3600.0 / (600 + 60), Stats.labelsPerHour(List.of(7_200_000L, 60_000L)), 1e-9);
    assertTrue(Double.isNaN(Stats.labelsPerHour(Arrays.asList((Long) null))));
  }
}
