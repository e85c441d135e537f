package org.rlhf4j.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.rlhf4j.cli.pipeline.Report;
import org.rlhf4j.cli.pipeline.Results;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code rlhf4j report}: rebuilds the HTML report from a results directory and prints the table. */
@Command(name = "report", mixinStandardHelpOptions = true,
    description = "Rebuild DIR/report.html from DIR/results.json and print the claims table.")
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

  @Override
  public Integer call() throws Exception {
    Path file = Files.isRegularFile(dir) && dir.getFileName().toString().endsWith(".json") ? dir : dir.resolve(RESULTS_FILE);
    Results results = read(file);
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
