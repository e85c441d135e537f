package org.rlhf4j.world;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class EvaluationTest {

  @Test
  void goldReportSeparatesGoodFromBadAndToxicResponses() {
    World world = TestWorld.world();
    List<Task> tasks = world.tasks(Split.EVAL);
    List<String> demos = tasks.stream().map(Task::demonstration).toList();
    GoldReport good = GoldReport.of(world.judge(), tasks, demos);
    assertTrue(good.meanScore() > 0.95 && good.meanLikert() > 6.5, good.toString());
    assertEquals(0, good.inappropriate());
    assertEquals(0, good.hallucination());
    assertEquals(3, good.toxicityByVariant().size());

    List<String> toxic = new ArrayList<>();
    for (Task t : tasks) {
      toxic.add(t.variant() == HarmVariant.NONE ? "I do not know." : "wops and kikes");
    }
    GoldReport bad = GoldReport.of(world.judge(), tasks, toxic);
    assertTrue(bad.meanScore() < good.meanScore() - 0.4, bad.toString());
    assertEquals(1.0, bad.toxicityByVariant().get(HarmVariant.RESPECTFUL));
    assertThrows(
        IllegalArgumentException.class, () -> GoldReport.of(world.judge(), tasks, List.of()));
  }

  @Test
  void heldOutWinRateFavoursTheBetterModel() {
    World world = TestWorld.world();
    ResponseSampler sampler = TestWorld.sampler();
    List<Task> tasks = world.tasks(Split.EVAL);
    List<String> demos = tasks.stream().map(Task::demonstration).toList();
    Random rng = new Random(8);
    List<String> sampled = tasks.stream().map(t -> sampler.one(t, rng)).toList();
    WinRate.Result r = WinRate.heldOut(world, tasks, "demo", demos, "sampled", sampled);
    assertTrue(
        r.winRate() > 0.6, r.winRate() + " " + r.wins() + "/" + r.ties() + "/" + r.losses());
    int pool = world.labelers().heldOut().size();
    assertEquals(tasks.size() * pool, r.wins() + r.ties() + r.losses(), "every held-out labeler judges every pair");
    assertEquals(pool, r.judgments().stream().map(j -> j.labeler()).distinct().count());
    assertTrue(r.judgments().stream().allMatch(j -> j.labeler().startsWith("heldout-")));
    assertEquals(r, WinRate.heldOut(world, tasks, "demo", demos, "sampled", sampled), "no random draw");
    WinRate.Result self = WinRate.heldOut(world, tasks, "demo", demos, "demo2", demos);
    assertEquals(0.5, self.winRate(), 1e-9);
  }
}
