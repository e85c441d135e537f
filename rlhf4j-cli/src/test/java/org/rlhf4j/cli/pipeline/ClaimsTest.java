package org.rlhf4j.cli.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ClaimsTest {

  private static Results.ModelEval bench(double perplexity, double accuracy) {
    return new Results.ModelEval("r", 1L, null, null, null, null, null, null, null, null, null,
        Map.of("perplexity", perplexity, "multiple-choice", accuracy), null, null);
  }

  @Test
  void taxHoldsWhenPtxClosesMostOfTheLogGapToTheBase() {
    // log gap ln(6400/400) = ln 16; ptx at 800 leaves ln 2 of it: 75% recovered.
    Results.Claim c = Claims.alignmentTax(Map.of(
        "small-base", bench(400, 0.30), "small-sft", bench(5000, 0.31),
        "small-ppo", bench(6400, 0.29), "small-ppo-ptx", bench(800, 0.30)));
    assertTrue(c.holds(), c.ours());
    assertTrue(c.ours().contains("recovers 75%"), c.ours());
    assertTrue(c.ours().contains("PPO 29.0%"), c.ours());
  }

  @Test
  void taxDoesNotHoldWhenPtxRecoversLessThanHalf() {
    // ptx at 3200 recovers ln 2 of ln 16: 25%.
    Results.Claim c = Claims.alignmentTax(Map.of(
        "small-base", bench(400, 0.30), "small-ppo", bench(6400, 0.29), "small-ppo-ptx", bench(3200, 0.30)));
    assertFalse(c.holds(), c.ours());
    assertTrue(c.ours().contains("recovers 25%"), c.ours());
  }

  @Test
  void noTaxMeansTheClaimDoesNotHold() {
    Results.Claim c = Claims.alignmentTax(Map.of(
        "small-base", bench(400, 0.30), "small-ppo", bench(390, 0.29), "small-ppo-ptx", bench(380, 0.30)));
    assertFalse(c.holds(), c.ours());
  }

  @Test
  void missingModelsReadNotAvailable() {
    Results.Claim c = Claims.alignmentTax(Map.of("small-base", bench(400, 0.30)));
    assertFalse(c.holds());
    assertEquals("n/a", c.ours());
  }

  @Test
  void aPreferenceNeedsItsWholeIntervalAboveOneHalf() {
    assertTrue(Claims.preferred(new Results.Interval(0.584, 0.540, 0.626, 500)));
    assertFalse(Claims.preferred(new Results.Interval(0.530, 0.487, 0.573, 500)), "point estimate above 50% only");
    assertFalse(Claims.preferred(new Results.Interval(0.45, 0.41, 0.49, 500)));
    assertFalse(Claims.preferred(null));
  }
}
