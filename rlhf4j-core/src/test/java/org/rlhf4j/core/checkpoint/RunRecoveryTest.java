package org.rlhf4j.core.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rlhf4j.core.model.GptConfig;

/** Kill points of a save simulated by renames, and broken weights refused on load (issue 16). */
class RunRecoveryTest {
  private static final GptConfig MODEL = GptConfig.of(97, 32, 2, 2, 16, 0, 1);

  @TempDir Path root;
  private NDManager manager;

  @BeforeEach
  void open() {
    manager = NDManager.newBaseManager();
  }

  @AfterEach
  void close() {
    manager.close();
  }

  private Map<String, NDArray> parameters() {
    Map<String, NDArray> p = new LinkedHashMap<>();
    Checkpoint.expectedShapes(MODEL, false)
        .forEach((name, shape) -> p.put(name, manager.randomNormal(0, 0.2f, shape, DataType.FLOAT32)));
    return p;
  }

  @Test
  void trainerStateIsReadFromTheAsideCopyAfterAKillBetweenTheRenames() throws IOException {
    Path ckpt = root.resolve("checkpoint");
    Checkpoint.save(ckpt, HfConfig.of(MODEL), parameters(), null, DataType.FLOAT32,
        new Checkpoint.ResumeState("{\"step\": 3}", Map.of()));
    // The first rename of the next save: checkpoint/ moved aside, the new one not yet in place.
    AtomicFiles.moveAtomically(ckpt, AtomicFiles.tempSibling(ckpt, "old"));
    assertFalse(Files.exists(ckpt));
    assertTrue(Checkpoint.hasResumeState(ckpt));
    assertEquals("{\"step\": 3}", Checkpoint.readTrainerState(ckpt).orElseThrow());
    // The next save puts a new checkpoint in place and clears the aside copy.
    Checkpoint.save(ckpt, HfConfig.of(MODEL), parameters(), null, DataType.FLOAT32,
        new Checkpoint.ResumeState("{\"step\": 6}", Map.of()));
    assertEquals("{\"step\": 6}", Checkpoint.readTrainerState(ckpt).orElseThrow());
    assertTrue(Checkpoint.siblings(ckpt, "old").isEmpty());
  }

  @Test
  void noTrainerStateWithoutACheckpoint() throws IOException {
    assertTrue(Checkpoint.readTrainerState(root.resolve("none")).isEmpty());
  }

  /** PPO's directory swap: every kill point leaves a complete checkpoint, even two kills in a row. */
  @Test
  void directorySwapSurvivesEveryKillPoint() throws IOException {
    Path target = root.resolve("checkpoint");
    Path aside = root.resolve(".checkpoint-old");
    Path fresh = root.resolve(".checkpoint-new");
    Files.createDirectories(target);
    Files.writeString(target.resolve("state.json"), "1");

    // Kill 1: after checkpoint/ was moved aside, before the new one was renamed in.
    Files.createDirectories(fresh);
    Files.writeString(fresh.resolve("state.json"), "2");
    AtomicFiles.moveAtomically(target, aside);
    // Resume recovers the aside copy.
    AtomicFiles.recoverDirectory(target, aside);
    assertEquals("1", Files.readString(target.resolve("state.json")));
    assertFalse(Files.exists(aside));

    // Kill 1 again, then the resumed run saves: the aside copy must not be deleted while
    // checkpoint/ is absent (the old code did, and a second kill lost both).
    AtomicFiles.moveAtomically(target, aside);
    AtomicFiles.deleteRecursively(fresh);
    Files.createDirectories(fresh);
    Files.writeString(fresh.resolve("state.json"), "3");
    AtomicFiles.replaceDirectory(fresh, target, aside);
    assertEquals("3", Files.readString(target.resolve("state.json")));
    assertFalse(Files.exists(aside));
    assertFalse(Files.exists(fresh));
  }

  @Test
  void nanOrInfiniteWeightsAreRefusedNamingFileAndTensor() throws IOException {
    for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY}) {
      Path dir = root.resolve("broken-" + bad);
      Map<String, NDArray> p = parameters();
      float[] values = p.get("h.1.attn.c_proj.bias").toFloatArray();
      values[5] = bad;
      p.put("h.1.attn.c_proj.bias", manager.create(values));
      Checkpoint.save(dir, HfConfig.of(MODEL), p, null);
      CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.load(dir, manager));
      assertTrue(e.getMessage().contains("model.safetensors") && e.getMessage().contains("h.1.attn.c_proj.bias")
          && e.getMessage().contains(Float.isNaN(bad) ? "NaN" : "infinite"), e.getMessage());
    }
    Path good = root.resolve("good");
    Checkpoint.save(good, HfConfig.of(MODEL), parameters(), null);
    assertEquals(Checkpoint.expectedShapes(MODEL, false).size(), Checkpoint.load(good, manager).parameters().size());
  }
}
