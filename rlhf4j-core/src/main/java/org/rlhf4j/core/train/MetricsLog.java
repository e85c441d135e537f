package org.rlhf4j.core.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Append-only JSONL metrics file, one object per logged step. On resume, lines past the resumed
 * step are dropped (they belong to work that was lost with the kill), so the file always
 * describes one consistent run.
 */
public final class MetricsLog {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final Path file;

  public MetricsLog(Path file) {
    this.file = file;
  }

  public Path file() {
    return file;
  }

  /** Appends one line and flushes it to disk. */
  public void append(Map<String, ?> metrics) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    String line = JSON.writeValueAsString(metrics) + "\n";
    Files.writeString(file, line, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }

  /** Keeps only lines whose {@code step} is at most {@code step} (atomic rewrite). */
  public void truncateAfter(long step) throws IOException {
    if (!Files.exists(file)) {
      return;
    }
    StringBuilder kept = new StringBuilder();
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      if (line.isBlank()) {
        continue;
      }
      JsonNode n;
      try {
        n = JSON.readTree(line);
      } catch (IOException e) {
        continue; // a line torn by a kill mid-write
      }
      if (n.path(Metrics.STEP).asLong(Long.MAX_VALUE) <= step) {
        kept.append(line).append('\n');
      }
    }
    org.rlhf4j.data.AtomicWrites.writeString(file, kept.toString());
  }

  /** Every logged line, parsed (for reports and tests). */
  public List<Map<String, Double>> read() throws IOException {
    List<Map<String, Double>> rows = new ArrayList<>();
    if (!Files.exists(file)) {
      return rows;
    }
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      if (line.isBlank()) {
        continue;
      }
      JsonNode n = JSON.readTree(line);
      Map<String, Double> row = new LinkedHashMap<>();
      n.fields().forEachRemaining(e -> {
        if (e.getValue().isNumber()) {
          row.put(e.getKey(), e.getValue().asDouble());
        }
      });
      rows.add(row);
    }
    return rows;
  }
}
