package org.rlhf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.rlhf4j.world.Split;
import org.rlhf4j.world.Task;
import org.rlhf4j.world.World;
import org.rlhf4j.world.WorldConfig;

class GoldRewardTest {

  @Test
  void scoresWorldTasksWithTheGoldJudgeAndNamesAForeignPrompt() throws Exception {
    World world = World.create(WorldConfig.defaults());
    GoldReward gold = new GoldReward(world);
    Task a = world.tasks(Split.TRAIN).get(0);
    Task b = world.tasks(Split.TRAIN).get(1);
    double[] s = gold.score(List.of(a.prompt(), b.prompt()), List.of(a.demonstration(), "zzqx zzqx zzqx"));
    assertEquals(world.judge().judge(a, a.demonstration()).score(), s[0], 0);
    assertEquals(world.judge().judge(b, "zzqx zzqx zzqx").score(), s[1], 0);
    assertTrue(s[0] > s[1], "a demonstration beats gibberish: " + s[0] + " vs " + s[1]);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> gold.score(List.of(a.prompt(), "Instruction: not from the world\nResponse:"), List.of("x", "y")));
    assertTrue(e.getMessage().contains("prompt #2"), e.getMessage());
  }
}
