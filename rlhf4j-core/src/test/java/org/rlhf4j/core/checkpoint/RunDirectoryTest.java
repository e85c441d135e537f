package org.rlhf4j.core.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The run lifecycle's rules, without a trainer (issue 16); the CLI side is RunLifecycleTest. */
class RunDirectoryTest {
  @TempDir Path root;

  private RunDirectory.Spec spec(String stage, String lr, Path data) {
    return new RunDirectory.Spec(stage, Map.of("--lr", lr, "--seed", "1"), Map.of("--data", List.of(data)));
  }

  @Test
  void resumeRefusesChangedSettingsInputsAndStage() throws IOException {
    Path data = Files.writeString(root.resolve("data.jsonl"), "{}\n");
    Path out = root.resolve("run");
    RunDirectory first = RunDirectory.open(out, spec("sft", "1e-4", data), false, false);
    assertFalse(first.resuming());
    assertTrue(Files.isRegularFile(out.resolve(RunDirectory.RUN_FILE)));

    assertTrue(RunDirectory.open(out, spec("sft", "1e-4", data), true, true).resuming());
    IllegalArgumentException notResumed =
        assertThrows(IllegalArgumentException.class, () -> RunDirectory.open(out, spec("sft", "1e-4", data), false, true));
    assertTrue(notResumed.getMessage().contains("--resume"), notResumed.getMessage());
    IllegalArgumentException lr =
        assertThrows(IllegalArgumentException.class, () -> RunDirectory.open(out, spec("sft", "2e-4", data), true, true));
    assertTrue(lr.getMessage().contains("--lr was 1e-4, now 2e-4"), lr.getMessage());
    IllegalArgumentException stage =
        assertThrows(IllegalArgumentException.class, () -> RunDirectory.open(out, spec("dpo", "1e-4", data), true, true));
    assertTrue(stage.getMessage().contains("holds a sft run"), stage.getMessage());

    Files.writeString(data, "{}\n{}\n");
    IllegalArgumentException changed =
        assertThrows(IllegalArgumentException.class, () -> RunDirectory.open(out, spec("sft", "1e-4", data), true, true));
    assertTrue(changed.getMessage().contains("--data " + data) && changed.getMessage().contains("sha256"),
        changed.getMessage());
  }

  @Test
  void finishedRunIsRefusedEvenWithResume() throws IOException {
    Path data = Files.writeString(root.resolve("data.jsonl"), "{}\n");
    Path out = root.resolve("run");
    RunDirectory.open(out, spec("reward", "1e-5", data), false, false).finish();
    for (boolean resume : new boolean[] {false, true}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> RunDirectory.open(out, spec("reward", "1e-5", data), resume, true));
      assertTrue(e.getMessage().contains("finished run"), e.getMessage());
    }
  }

  @Test
  void everyOutputOfOursFoundWithoutARunRecordIsRefused() throws IOException {
    Path data = Files.writeString(root.resolve("data.jsonl"), "{}\n");
    for (String name : RunDirectory.OUTPUTS) {
      Path out = Files.createDirectories(root.resolve("out-" + name.replace('.', '_')));
      Files.writeString(out.resolve(name), "someone else's");
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> RunDirectory.open(out, spec("pretrain", "1", data), false, false));
      assertTrue(e.getMessage().startsWith(out.resolve(name).toString()), e.getMessage());
      assertEquals("someone else's", Files.readString(out.resolve(name)));
    }
    Path file = Files.writeString(root.resolve("a-file"), "x");
    assertThrows(IllegalArgumentException.class, () -> RunDirectory.open(file, spec("pretrain", "1", data), false, false));
  }

  @Test
  void directoryFingerprintCoversNamesAndContentsButNotHiddenLeftovers() throws IOException {
    Path dir = Files.createDirectories(root.resolve("ckpt"));
    Files.writeString(dir.resolve("config.json"), "{}");
    String before = RunDirectory.fingerprint(dir);
    Files.writeString(dir.resolve(".config.json.tmp-1234"), "half");
    assertEquals(before, RunDirectory.fingerprint(dir));
    Files.writeString(dir.resolve("config.json"), "{ }");
    assertFalse(before.equals(RunDirectory.fingerprint(dir)));
    assertEquals("missing", RunDirectory.fingerprint(root.resolve("nope")));
  }
}
