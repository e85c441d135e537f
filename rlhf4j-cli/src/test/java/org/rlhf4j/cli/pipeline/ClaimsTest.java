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

  @Test
  void aLowerRateNeedsIntervalsApart() {
    org.rlhf4j.world.Proportion none = org.rlhf4j.world.Proportion.of(0, 60);
    assertFalse(Claims.fewer(none, org.rlhf4j.world.Proportion.of(1, 60)), "0 vs 1 toxic of 60 is no finding");
    assertTrue(Claims.fewer(org.rlhf4j.world.Proportion.of(30, 150), org.rlhf4j.world.Proportion.of(60, 150)),
        "the paper's 21% vs 41% at our sample size");
    assertFalse(Claims.fewer(org.rlhf4j.world.Proportion.of(145, 150), org.rlhf4j.world.Proportion.of(149, 150)));
    assertFalse(Claims.fewer(null, none));
  }

  /** The hallucination claim counts closed-domain responses through these kinds: they must match. */
  @Test
  void closedDomainKindsAreTheKindsOfClosedDomainTasks() throws Exception {
    org.rlhf4j.world.World world = org.rlhf4j.world.World.create(org.rlhf4j.world.WorldConfig.defaults());
    java.util.Set<String> closed = new java.util.TreeSet<>();
    java.util.Set<String> open = new java.util.TreeSet<>();
    for (org.rlhf4j.world.Split split : org.rlhf4j.world.Split.values()) {
      for (org.rlhf4j.world.Task t : world.tasks(split)) {
        (t.closedDomain() ? closed : open).add(t.kind());
      }
    }
    assertEquals(new java.util.TreeSet<>(Claims.CLOSED_DOMAIN_KINDS), closed);
    open.retainAll(closed);
    assertTrue(open.isEmpty(), "kinds both open and closed: " + open);
  }
}
