package org.rlhf4j.cli.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's tables rendered from results: {@code report --markdown} and {@code --update-readme}. */
class MarkdownReportTest {
  @TempDir Path dir;

  private static Results sample() {
    return ReportTest.sample().withProvenance(new Results.Provenance("abc123", false, "f00d"));
  }

  @Test
  void rendersClaimsModelsAndProvenance() {
    String md = MarkdownReport.tables(sample());
    Results r = sample();
    for (Results.Claim c : r.claims()) {
      assertTrue(md.contains("| " + MarkdownReport.cell(c.claim()) + " | " + MarkdownReport.cell(c.paper()) + " | "
          + MarkdownReport.cell(c.ours()) + " | " + (c.holds() ? "yes" : "no") + " |"), c.claim() + "\n" + md);
    }
    for (var e : r.models().entrySet()) {
      assertTrue(md.contains("| " + e.getKey()), e.getKey());
      if (!e.getKey().equals(r.baseline())) {
        assertTrue(md.contains(Report.winRate(e.getValue().winRate())), e.getKey());
      }
    }
    assertTrue(md.contains("commit `abc123` (clean tree), code fingerprint `f00d`"), md);
    assertEquals(md, MarkdownReport.tables(sample()), "deterministic: no timestamps");
    assertEquals("a \\| b c", MarkdownReport.cell("a | b\nc"));
  }

  @Test
  void replacesOnlyTheMarkedSection() {
    String readme = "# title\n\n" + MarkdownReport.BEGIN + "\nold tables\n" + MarkdownReport.END + "\n\nprose\n";
    String updated = MarkdownReport.replaceSection(readme, "new\n");
    assertEquals("# title\n\n" + MarkdownReport.BEGIN + "\nnew\n" + MarkdownReport.END + "\n\nprose\n", updated);
    assertEquals("new\n", MarkdownReport.section(updated));
    assertThrows(IllegalArgumentException.class, () -> MarkdownReport.section("no markers"));
    assertThrows(IllegalArgumentException.class,
        () -> MarkdownReport.section(MarkdownReport.END + "\n" + MarkdownReport.BEGIN + "\n"));
  }

  @Test
  void reportCommandPrintsMarkdownAndUpdatesAReadme() throws Exception {
    Results r = sample();
    r.write(dir.resolve("results.json"));
    Path readme = dir.resolve("README.md");
    Files.writeString(readme, "intro\n" + MarkdownReport.BEGIN + "\nstale\n" + MarkdownReport.END + "\nend\n");

    ReportCommandTest.Run out = ReportCommandTest.run("report", "--results", dir.toString(), "--markdown");
    assertEquals(0, out.code(), out.err());
    assertEquals(MarkdownReport.tables(r), out.out());

    out = ReportCommandTest.run("report", "--results", dir.resolve("results.json").toString(), "--update-readme",
        readme.toString());
    assertEquals(0, out.code(), out.err());
    assertTrue(out.err().contains("updated"), out.err());
    assertEquals(MarkdownReport.tables(r), MarkdownReport.section(Files.readString(readme)));
    assertTrue(Files.readString(readme).startsWith("intro\n") && Files.readString(readme).endsWith("end\n"));
    assertTrue(!Files.exists(dir.resolve("report.html")), "--markdown and --update-readme write no HTML");

    // A changed figure makes the README stale, which is what ReadmeResultsTest catches.
    Results changed = r.withProvenance(new Results.Provenance("def456", true, "f00d"));
    assertNotEquals(MarkdownReport.tables(changed), MarkdownReport.section(Files.readString(readme)));

    Files.writeString(readme, "no markers\n");
    out = ReportCommandTest.run("report", "--results", dir.toString(), "--update-readme", readme.toString());
    assertEquals(1, out.code());
    assertTrue(out.err().contains("README.md") && out.err().contains(MarkdownReport.BEGIN), out.err());
  }
}
