package org.rlhf4j.world;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.rlhf4j.data.PairJudgment;
import org.rlhf4j.data.Rating;

class LabelerTest {

  @Test
  void agreementIsCalibratedToThePapersFigures() {
    Agreement.Report r = Agreement.measure(TestWorld.world(), TestWorld.sampler(), 400, 2022);
    System.out.print("AGREEMENT " + r.format());
    // Paper: 72.6 ± 1.5% (training labelers), 77.3 ± 1.3% (held-out labelers): inside both.
    assertTrue(Math.abs(r.training() - 0.726) <= 0.015, r.format());
    assertTrue(Math.abs(r.heldOut() - 0.773) <= 0.013, r.format());
    assertTrue(r.heldOut() > r.training(), r.format());
    assertTrue(r.format().startsWith("training labelers: "), r.format());
  }

  @Test
  void poolsAreDisjointWithEightAndFourLabelers() {
    LabelerPool pool = TestWorld.world().labelers();
    assertEquals(8, pool.training().size());
    assertEquals(4, pool.heldOut().size());
    Set<String> ids = new HashSet<>();
    pool.training().forEach(l -> ids.add(l.id()));
    pool.heldOut().forEach(l -> ids.add(l.id()));
    assertEquals(12, ids.size());
  }

  @Test
  void rankingsAreValidTieGroupsAndPreferDemonstrations() {
    World world = TestWorld.world();
    ResponseSampler sampler = TestWorld.sampler();
    Random rng = new Random(3);
    int demoTop = 0;
    int n = 200;
    for (int p = 0; p < n; p++) {
      Task t = world.tasks(Split.TRAIN).get(p);
      int k = 4 + rng.nextInt(6);
      List<String> responses = sampler.sample(t, k, rng);
      Labeler l = world.labelers().training().get(p % 8);
      List<List<Integer>> groups = l.rank(t, responses);
      List<Integer> all = new ArrayList<>();
      groups.forEach(all::addAll);
      all.sort(null);
      assertEquals(k, all.size());
      for (int i = 0; i < k; i++) {
        assertEquals(i, all.get(i));
      }
      int demo = responses.indexOf(t.demonstration());
      if (groups.get(0).contains(demo)) {
        demoTop++;
      }
      assertEquals(groups, l.rank(t, responses), "deterministic");
    }
    assertTrue(demoTop > n * 0.5, "demonstration ranked first in " + demoTop + "/" + n);
  }

  @Test
  void ratingsAndPairJudgmentsAreDataRecords() {
    World world = TestWorld.world();
    Task t = world.tasks(Split.EVAL).get(0);
    Labeler l = world.labelers().heldOut().get(0);
    Rating good = l.rate(t, t.demonstration(), "demo");
    Rating bad = l.rate(t, "", "empty");
    assertTrue(good.likert() > bad.likert(), good + " vs " + bad);
    PairJudgment pj = l.judgePair(t, "demo", t.demonstration(), "empty", "nothing nothing");
    assertEquals(PairJudgment.A, pj.winner(), t + " " + world.judge().judge(t, "nothing nothing"));
    assertEquals(l.id(), pj.labeler());
  }
}
