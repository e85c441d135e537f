package org.rlhf4j.data;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A data file holds a record that cannot be read. The message has the form {@code file:line:
 * field 'x': reason} (or {@code file:line: reason} when no single field is to blame, e.g. malformed
 * JSON; {@code file: reason} when no line is, e.g. an empty file).
 */
public final class DataFormatException extends IOException {
  private static final long serialVersionUID = 1L;

  private final transient Path file;
  private final int line;
  private final String field;
  private final String reason;

  /**
   * @param line 1-based line number, or 0 when the problem concerns the whole file
   * @param field the JSON field to blame, or null
   */
  public DataFormatException(Path file, int line, String field, String reason) {
    super(format(file, line, field, reason));
    this.file = file;
    this.line = line;
    this.field = field;
    this.reason = reason;
  }

  private static String format(Path file, int line, String field, String reason) {
    StringBuilder message = new StringBuilder(String.valueOf(file));
    if (line > 0) {
      message.append(':').append(line);
    }
    message.append(": ");
    if (field != null) {
      message.append("field '").append(field).append("': ");
    }
    return message.append(reason).toString();
  }

  public Path file() {
    return file;
  }

  /** 1-based line number, 0 when the error concerns the whole file. */
  public int line() {
    return line;
  }

  /** The JSON field name to blame, or null. */
  public String field() {
    return field;
  }

  /** The reason without the location prefix. */
  public String reason() {
    return reason;
  }
}
