package org.rlhf4j.cli.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Constructor;
import java.lang.reflect.RecordComponent;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PipelineConfigTest {

  /** A copy of {@code c} with one setting replaced. */
  private static PipelineConfig with(PipelineConfig c, String name, Object value) throws Exception {
    RecordComponent[] rc = PipelineConfig.class.getRecordComponents();
    Object[] args = new Object[rc.length];
    Class<?>[] types = new Class<?>[rc.length];
    for (int i = 0; i < rc.length; i++) {
      types[i] = rc[i].getType();
      args[i] = rc[i].getName().equals(name) ? value : rc[i].getAccessor().invoke(c);
    }
    Constructor<PipelineConfig> ctor = PipelineConfig.class.getDeclaredConstructor(types);
    return ctor.newInstance(args);
  }

  @Test
  void everySettingButTheNameBelongsToAStage() {
    Set<String> used = new HashSet<>();
    PipelineConfig.STAGE_SETTINGS.values().forEach(used::addAll);
    for (RecordComponent c : PipelineConfig.class.getRecordComponents()) {
      if (!c.getName().equals("name")) {
        assertTrue(used.contains(c.getName()), c.getName() + " is read by no stage's cache key");
      }
    }
    PipelineConfig std = PipelineConfig.standard();
    PipelineConfig.STAGE_SETTINGS.keySet().forEach(std::stageKey); // every name resolves
  }

  @Test
  void aPpoSettingInvalidatesPpoButNotSftOrTheRewardModel() throws Exception {
    PipelineConfig a = PipelineConfig.standard();
    PipelineConfig b = with(a, "ppoLr", 3e-4);
    for (String stage : List.of("ppo", "ppo-ptx", "ppo-nokl")) {
      assertNotEquals(a.stageKey(stage), b.stageKey(stage), stage);
    }
    for (String stage : List.of("sft-small", "sft-large", "rankings", "reward", "dpo", "best-of-n", "evaluate")) {
      assertEquals(a.stageKey(stage), b.stageKey(stage), stage);
    }
  }

  @Test
  void theSeedAndTheResponseLengthReachEveryStageThatSamples() throws Exception {
    PipelineConfig a = PipelineConfig.standard();
    PipelineConfig seed = with(a, "seed", 7L);
    for (String stage : PipelineConfig.STAGE_SETTINGS.keySet()) {
      assertNotEquals(a.stageKey(stage), seed.stageKey(stage), stage);
    }
    PipelineConfig len = with(a, "maxNewTokens", 48);
    for (String stage : List.of("rankings", "ppo", "ppo-ptx", "best-of-n", "expert-iteration", "evaluate")) {
      assertNotEquals(a.stageKey(stage), len.stageKey(stage), stage);
    }
  }

  @Test
  void unknownStageIsAnError() {
    assertThrows(IllegalArgumentException.class, () -> PipelineConfig.standard().stageKey("nope"));
  }
}
