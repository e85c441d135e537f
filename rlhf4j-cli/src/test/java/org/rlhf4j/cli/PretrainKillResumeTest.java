package org.rlhf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rlhf4j.core.checkpoint.Checkpoint;

/**
 * Issue 3's promise, end to end: {@code rlhf4j pretrain} killed with SIGKILL after its first
 * checkpoint and rerun with {@code --resume} produces the same loss curve as an uninterrupted run.
 * Every run is a separate JVM (the killed one must be; the others are too, so all three start from
 * the same engine state with one libtorch thread and are comparable value for value).
 */
class PretrainKillResumeTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int STEPS = 24;

  @TempDir Path dir;

  private List<String> command(Path out, boolean resume) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Dai.djl.offline=true",
        "-cp", System.getProperty("java.class.path"),
        Rlhf4j.class.getName(),
        "pretrain", "--preset", "tiny", "--corpus", Cli.corpus().toString(), "--tokenizer", Cli.tokenizer().toString(),
        "--out", out.toString(), "--steps", String.valueOf(STEPS), "--batch", "4", "--micro-batch", "2",
        "--context", "32", "--warmup", "2", "--eval-every", "4", "--checkpoint-every", "3", "--threads", "1"));
    if (resume) {
      cmd.add("--resume");
    }
    return cmd;
  }

  private Process start(Path out, boolean resume, String log) throws IOException {
    return new ProcessBuilder(command(out, resume))
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve(log).toFile())
        .start();
  }

  private int runToEnd(Path out, boolean resume, String log) throws Exception {
    Process p = start(out, resume, log);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "pretrain did not finish: " + Files.readString(dir.resolve(log)));
    return p.exitValue();
  }

  /** step -> (train/loss, val/loss) lines of a run's metrics log, in order. */
  private static List<String> lossCurve(Path run) throws IOException {
    List<String> out = new ArrayList<>();
    for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
      JsonNode n = JSON.readTree(line);
      out.add(n.get("step").asLong() + " " + n.path("train/loss").asDouble(Double.NaN) + " "
          + n.path("val/loss").asDouble(Double.NaN));
    }
    return out;
  }

  @Test
  void sigkillThenResumeGivesTheUninterruptedLossCurve() throws Exception {
    Path killed = dir.resolve("killed");
    Process p = start(killed, false, "killed.log");
    Path ckpt = killed.resolve("checkpoint");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (!Checkpoint.hasResumeState(ckpt) && p.isAlive() && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertTrue(p.isAlive(), "the run ended before it could be killed: " + Files.readString(dir.resolve("killed.log")));
    assertTrue(Checkpoint.hasResumeState(ckpt), "no checkpoint within 120 s: " + Files.readString(dir.resolve("killed.log")));
    p.destroyForcibly(); // SIGKILL: no shutdown hooks, no flushing
    p.waitFor(30, TimeUnit.SECONDS);
    assertFalse(Files.exists(killed.resolve("final")), "the killed run had already finished");
    String state = Files.readString(ckpt.resolve(Checkpoint.TRAINER_STATE_FILE));

    assertEquals(0, runToEnd(killed, true, "resumed.log"), Files.readString(dir.resolve("resumed.log")));
    Path clean = dir.resolve("clean");
    assertEquals(0, runToEnd(clean, false, "clean.log"), Files.readString(dir.resolve("clean.log")));

    List<String> expected = lossCurve(clean);
    assertEquals(STEPS / 4 + 1, expected.size(), expected.toString()); // validation every 4 steps, plus the log line at step 10
    assertEquals(expected, lossCurve(killed), "killed at " + state);
  }
}
