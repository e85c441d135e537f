package org.rlhf4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rlhf4j.core.checkpoint.Checkpoint;
import org.rlhf4j.core.checkpoint.RunDirectory;
import org.rlhf4j.world.corpus.Corpus;

/** The run lifecycle through {@code rlhf4j pretrain} (issue 16): output checks, resume checks, a stuck save. */
class RunLifecycleTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  /** Runs a tiny pretraining; {@code extra} holds flags ({@code --resume}) or flag-value pairs that override. */
  private static Cli.Result pretrain(Path out, Path corpus, String... extra) throws IOException {
    java.util.Map<String, String> flags = new java.util.LinkedHashMap<>();
    for (String kv : List.of("--preset=tiny", "--steps=4", "--batch=2", "--micro-batch=2", "--context=16", "--warmup=1",
        "--eval-every=4", "--checkpoint-every=2", "--threads=1")) {
      flags.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
    }
    List<String> args = new ArrayList<>(List.of("pretrain", "--corpus", corpus.toString(),
        "--tokenizer", Cli.tokenizer().toString(), "--out", out.toString()));
    for (int i = 0; i < extra.length; i++) {
      if (extra[i].equals("--resume")) {
        args.add("--resume");
      } else {
        flags.put(extra[i], extra[++i]);
      }
    }
    flags.forEach((k, v) -> args.addAll(List.of(k, v)));
    return Cli.run(args.toArray(String[]::new));
  }

  /** Marks a finished run unfinished, as if it had been killed after its last checkpoint. */
  private static void unfinish(Path out) throws IOException {
    ObjectNode run = (ObjectNode) JSON.readTree(out.resolve(RunDirectory.RUN_FILE).toFile());
    run.put("finished", false);
    Files.writeString(out.resolve(RunDirectory.RUN_FILE), run.toString());
  }

  @Test
  void outputsThatAreNotOursAreRefusedBeforeAnyWork() throws IOException {
    Path out = Files.createDirectories(dir.resolve("mine"));
    Files.writeString(out.resolve("metrics.jsonl"), "my own notes\n");
    Cli.Result r = pretrain(out, Cli.corpus());
    assertEquals(1, r.code(), r.all());
    assertTrue(r.err().contains(out.resolve("metrics.jsonl").toString()) && r.err().contains("refusing"), r.err());
    assertEquals("my own notes\n", Files.readString(out.resolve("metrics.jsonl")));
    assertFalse(Files.exists(out.resolve("tokens")), "work started before the check");

    Path withFinal = Files.createDirectories(dir.resolve("with-final").resolve("final"));
    Cli.Result f = pretrain(withFinal.getParent(), Cli.corpus());
    assertEquals(1, f.code(), f.all());
    assertTrue(f.err().contains(withFinal.toString()), f.err());
  }

  @Test
  void finishedRunIsNeverContinuedAndResumeComparesSettingsAndInputs() throws IOException {
    Path out = dir.resolve("run");
    Cli.Result first = pretrain(out, Cli.corpus());
    assertEquals(0, first.code(), first.all());
    byte[] weights = Files.readAllBytes(out.resolve("final").resolve(Checkpoint.WEIGHTS_FILE));

    Cli.Result longer = pretrain(out, Cli.corpus(), "--resume", "--steps", "6");
    assertEquals(1, longer.code(), longer.all());
    assertTrue(longer.err().contains("finished run"), longer.err());
    assertArrayEquals(weights, Files.readAllBytes(out.resolve("final").resolve(Checkpoint.WEIGHTS_FILE)));

    unfinish(out);
    Cli.Result seed = pretrain(out, Cli.corpus(), "--resume", "--seed", "2");
    assertEquals(1, seed.code(), seed.all());
    assertTrue(seed.err().contains("--seed was 1, now 2"), seed.err());
    Cli.Result lr = pretrain(out, Cli.corpus(), "--resume", "--lr", "3e-3");
    assertTrue(lr.err().contains("--lr was 0.002, now 0.003"), lr.err());
    Cli.Result batch = pretrain(out, Cli.corpus(), "--resume", "--batch", "4");
    assertTrue(batch.err().contains("--batch was 2, now 4"), batch.err());

    Path other = Files.createDirectories(dir.resolve("other-corpus"));
    for (String f : List.of(Corpus.TRAIN_FILE, Corpus.VALID_FILE)) {
      Files.copy(Cli.corpus().resolve(f), other.resolve(f));
    }
    Files.writeString(other.resolve(Corpus.TRAIN_FILE), "one more document\n", java.nio.file.StandardOpenOption.APPEND);
    Cli.Result data = pretrain(out, other, "--resume");
    assertEquals(1, data.code(), data.all());
    assertTrue(data.err().contains("--corpus " + other) && data.err().contains("sha256"), data.err());
    assertArrayEquals(weights, Files.readAllBytes(out.resolve("final").resolve(Checkpoint.WEIGHTS_FILE)));
  }

  /** A save killed between its two renames: checkpoint/ absent, the complete old one aside. */
  @Test
  void resumesAfterAKillBetweenTheRenamesOfASave() throws IOException {
    Path out = dir.resolve("stuck");
    assertEquals(0, pretrain(out, Cli.corpus(), "--steps", "2").code());
    unfinish(out);
    org.rlhf4j.core.checkpoint.AtomicFiles.deleteRecursively(out.resolve("final"));
    Path ckpt = out.resolve("checkpoint");
    Files.move(ckpt, out.resolve(".checkpoint.old-" + UUID.randomUUID()));
    Cli.Result r = pretrain(out, Cli.corpus(), "--steps", "2", "--resume");
    assertEquals(0, r.code(), r.all());
    assertTrue(Checkpoint.exists(out.resolve("final")));
    assertTrue(r.out().contains("done: 2 steps"), r.out());
  }
}
