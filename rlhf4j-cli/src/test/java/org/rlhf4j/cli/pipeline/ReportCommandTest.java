package org.rlhf4j.cli.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rlhf4j.cli.Rlhf4j;

/** {@code rlhf4j report --results DIR}. */
class ReportCommandTest {
  @TempDir Path dir;

  /** Exit code and captured output of one in-process command line. */
  record Run(int code, String out, String err) {}

  static Run run(String... args) {
    PrintStream out = System.out;
    PrintStream err = System.err;
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
      int code = Rlhf4j.execute(args);
      return new Run(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
  }

  @Test
  void rebuildsReportAndPrintsTable() throws Exception {
    // Claims and stage times only (the charts are ReportTest's business; this keeps the test fast):
    // the report says what is missing instead of plotting.
    Results s = ReportTest.sample();
    Results r = new Results(s.config(), s.stages(), null, s.baseline(), null, null, null, null, s.claims());
    r.write(dir.resolve("results.json"));
    Run run = run("report", "--results", dir.toString());
    assertEquals(0, run.code(), run.err());
    assertTrue(run.out().contains("InstructGPT claim") && run.out().contains("holds?"), run.out());
    assertTrue(run.out().contains("ppo-ptx-small") && run.out().contains("14 min 35 s"), run.out());
    assertTrue(run.out().contains("report.html"));
    String html = Files.readString(dir.resolve("report.html"));
    for (Results.Claim c : s.claims()) {
      assertTrue(html.contains(Report.escape(c.claim())));
    }
    assertTrue(html.contains("No training curves recorded."));
    assertTrue(html.contains("No model evaluations recorded."));
  }

  @Test
  void missingResultsIsAClearError() {
    Run run = run("report", "--results", dir.resolve("nowhere").toString());
    assertEquals(1, run.code());
    assertTrue(run.err().contains("results.json") && run.err().contains("nowhere"), run.err());
    assertFalse(run.err().contains("Exception"), run.err());
  }

  @Test
  void malformedResultsNamesTheFile() throws Exception {
    Files.writeString(dir.resolve("results.json"), "{\"models\": {\"x\": {\"win_rate\": \"high\"}}");
    Run run = run("report", "--results", dir.toString());
    assertEquals(1, run.code());
    assertTrue(run.err().contains("malformed results file") && run.err().contains("results.json"), run.err());
    assertTrue(run.err().contains("line"), run.err());
    assertFalse(Files.exists(dir.resolve("report.html")));

    Files.writeString(dir.resolve("results.json"), "");
    run = run("report", "--results", dir.toString());
    assertEquals(1, run.code());
    assertTrue(run.err().contains("malformed results file"), run.err());
  }

  @Test
  void resultsOptionIsRequired() {
    Run run = run("report");
    assertEquals(2, run.code());
    assertTrue(run.err().contains("--results"), run.err());
  }
}
