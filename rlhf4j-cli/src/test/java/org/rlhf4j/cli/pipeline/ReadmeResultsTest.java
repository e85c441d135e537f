package org.rlhf4j.cli.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The README's result tables are exactly what {@code rlhf4j report --markdown} renders from the
 * committed results file, and that file came from a run of committed code (issue 14: a README
 * figure that no clean run produced). To refresh both after a pipeline run, see docs/results.md.
 */
class ReadmeResultsTest {
  private static final String REFRESH = "cp runs/default/results.json " + MarkdownReport.COMMITTED_RESULTS
      + " && ./rlhf4j report --results " + MarkdownReport.COMMITTED_RESULTS + " --update-readme README.md";

  static Path repositoryRoot() {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isRegularFile(p.resolve("README.md")) && Files.isDirectory(p.resolve("rlhf4j-cli"))) {
        return p;
      }
    }
    throw new IllegalStateException("no repository root (README.md beside rlhf4j-cli) above " + Path.of("").toAbsolutePath());
  }

  @Test
  void readmeTablesAreRenderedFromTheCommittedResults() throws IOException {
    Path root = repositoryRoot();
    Results results = ReportCommandAccess.read(root.resolve(MarkdownReport.COMMITTED_RESULTS));
    String readme = Files.readString(root.resolve("README.md"));
    assertEquals(MarkdownReport.tables(results), MarkdownReport.section(readme),
        "README.md's results section differs from what " + MarkdownReport.COMMITTED_RESULTS + " renders; run: " + REFRESH);
  }

  @Test
  void theCommittedResultsCameFromACleanTree() throws IOException {
    Results results = ReportCommandAccess.read(repositoryRoot().resolve(MarkdownReport.COMMITTED_RESULTS));
    Results.Provenance p = results.provenance();
    assertNotNull(p, "the committed results record no provenance: copy a results.json from a current pipeline run");
    assertEquals(Boolean.FALSE, p.dirty(), "the committed results came from a tree with uncommitted changes (commit "
        + p.commit() + "): commit first, run the pipeline, then " + REFRESH);
  }

  /** Results.read with the file named in the error. */
  private static final class ReportCommandAccess {
    static Results read(Path file) throws IOException {
      if (!Files.isRegularFile(file)) {
        throw new IOException("no committed results file " + file + "; run: " + REFRESH);
      }
      return Results.read(file);
    }
  }
}
