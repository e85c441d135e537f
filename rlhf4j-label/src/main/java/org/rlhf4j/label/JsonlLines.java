package org.rlhf4j.label;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;

/**
 * Reads uploaded JSONL one line at a time from a stream, so an upload is never held whole as a
 * string or split into an array of lines (issue 16: uploads took about 30× their size in memory).
 * Blank lines are skipped; line numbers count from 1.
 */
final class JsonlLines {
  @FunctionalInterface
  interface Handler {
    void accept(int line, String text) throws IOException;
  }

  private JsonlLines() {}

  /** Calls {@code handler} for each non-blank line; returns how many lines it saw. */
  static int forEach(Reader in, Handler handler) throws IOException {
    BufferedReader reader = in instanceof BufferedReader b ? b : new BufferedReader(in, 64 * 1024);
    int count = 0;
    int line = 0;
    for (String text = reader.readLine(); text != null; text = reader.readLine()) {
      line++;
      if (!text.isBlank()) {
        handler.accept(line, text);
        count++;
      }
    }
    return count;
  }
}
