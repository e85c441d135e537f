package org.rlhf4j.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.rlhf4j.cli.pipeline.MarkdownReport;
import org.rlhf4j.cli.pipeline.Report;
import org.rlhf4j.cli.pipeline.Results;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code rlhf4j report}: rebuilds the HTML report from a results directory and prints the table;
 * or renders the README's result tables as Markdown, to stdout or into the README's marked section.
 */
@Command(name = "report", mixinStandardHelpOptions = true,
    description = {"Rebuild DIR/report.html from DIR/results.json and print the claims table.",
        "--markdown prints the README's result tables instead; --update-readme writes them into a README between "
            + MarkdownReport.BEGIN + " and " + MarkdownReport.END + "."})
final class ReportCommand implements Callable<Integer> {
  /** The results file inside a results directory. */
  static final String RESULTS_FILE = "results.json";
  /** The report file written beside it. */
  static final String REPORT_FILE = "report.html";

  @Option(names = "--results", required = true, paramLabel = "DIR",
      description = "results directory (holds results.json, as written by `rlhf4j pipeline --out DIR`)")
  Path dir;

  @Option(names = "--html", paramLabel = "FILE", description = "where to write the report (default DIR/report.html)")
  Path html;

  @Option(names = "--markdown", description = "print the claims and model tables as Markdown (no HTML is written)")
  boolean markdown;

  @Option(names = "--update-readme", paramLabel = "FILE",
      description = "replace the marked results section of FILE (e.g. README.md) with the Markdown tables (no HTML is written)")
  Path readme;

  @Override
  public Integer call() throws Exception {
    Path file = Files.isRegularFile(dir) && dir.getFileName().toString().endsWith(".json") ? dir : dir.resolve(RESULTS_FILE);
    Results results = read(file);
    if (markdown || readme != null) {
      String tables = MarkdownReport.tables(results);
      if (markdown) {
        System.out.print(tables);
      }
      if (readme != null) {
        String before = Files.readString(readme);
        String after;
        try {
          after = MarkdownReport.replaceSection(before, tables);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(readme + ": " + e.getMessage(), e);
        }
        if (!after.equals(before)) {
          org.rlhf4j.data.AtomicWrites.writeString(readme, after);
        }
        System.err.println(readme + ": results section " + (after.equals(before) ? "already up to date" : "updated")
            + " from " + file);
      }
      return 0;
    }
    Path out = html != null ? html : file.resolveSibling(REPORT_FILE);
    Report.writeHtml(results, out);
    System.out.print(Report.consoleTable(results));
    System.out.println();
    System.out.println("report: " + out.toAbsolutePath().normalize());
    return 0;
  }

  /** Reads results.json with an error that names the file and says what is wrong. */
  static Results read(Path file) throws IOException {
    if (!Files.exists(file)) {
      throw new IOException("no results file " + file + " (run `rlhf4j pipeline --out DIR` first)");
    }
    try {
      Results r = Results.read(file);
      if (r == null) {
        throw new IOException("malformed results file " + file + ": empty document");
      }
      return r;
    } catch (JsonProcessingException e) {
      throw new IOException("malformed results file " + file + ": " + e.getOriginalMessage()
          + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr()
              + ", column " + e.getLocation().getColumnNr() + ")"), e);
    }
  }
}
