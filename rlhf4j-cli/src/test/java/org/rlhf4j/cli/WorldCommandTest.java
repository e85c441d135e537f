package org.rlhf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@code rlhf4j world agreement}: training pool first, then held-out, as percentages. */
class WorldCommandTest {
  private static final Pattern LINE = Pattern.compile("(training|held-out) labelers: (\\d+\\.\\d)% pairwise agreement \\((\\d+) pairs\\)");

  @Test
  void agreementPrintsBothPoolsInOrder() {
    Cli.Result r = Cli.run("world", "agreement", "--prompts", "20", "--seed", "7");
    assertEquals(0, r.code(), r.all());
    List<String> lines = r.out().lines().filter(l -> !l.isBlank()).toList();
    assertEquals(2, lines.size(), r.out());
    String[] pools = {"training", "held-out"};
    for (int i = 0; i < 2; i++) {
      Matcher m = LINE.matcher(lines.get(i));
      assertTrue(m.matches(), lines.get(i));
      assertEquals(pools[i], m.group(1));
      double pct = Double.parseDouble(m.group(2));
      assertTrue(pct > 0 && pct <= 100, lines.get(i));
      assertTrue(Integer.parseInt(m.group(3)) > 0);
    }
  }

  @Test
  void badPromptCountIsRefused() {
    Cli.Result r = Cli.run("world", "agreement", "--prompts", "0");
    assertEquals(1, r.code());
    assertTrue(r.err().contains("--prompts must be >= 1"), r.err());
  }
}
