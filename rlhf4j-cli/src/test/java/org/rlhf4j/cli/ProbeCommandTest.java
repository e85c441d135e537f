package org.rlhf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code rlhf4j probe} on the tiny test model and corpus: it runs, scores and writes every item. */
class ProbeCommandTest {

  @Test
  void probesAModelAndMeasuresACorpus() throws Exception {
    Path out = Cli.root().resolve("probe.jsonl");
    Cli.Result r = Cli.run("probe", "--model", Cli.base().toString(), "--corpus", Cli.corpus().toString(),
        "--common-words", "200", "--per-relation", "3", "--max-new-tokens", "4", "--device", "cpu",
        "--threads", "1", "--out", out.toString());
    assertEquals(0, r.code(), r.all());
    assertTrue(r.out().contains("ranked first"), r.out());
    assertTrue(r.out().contains("asked facts") && r.out().contains("bits estimate"), r.out());
    List<String> lines = Files.readAllLines(out);
    assertEquals(15, lines.size(), "3 items x 5 relations");
    assertTrue(lines.get(0).contains("\"completion\"") && lines.get(0).contains("\"correct\""));
  }

  @Test
  void needsAModelOrACorpus() {
    assertNotEquals(0, Cli.run("probe").code());
  }
}
