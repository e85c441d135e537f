package org.rlhf4j.data;

/**
 * A record field failed validation. Carries the JSON field name (snake_case, as written in the
 * files) so that {@link Jsonl} can report {@code file:line: field 'x': reason}.
 */
public final class InvalidFieldException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String field;
  private final String reason;

  public InvalidFieldException(String field, String reason) {
    super("field '" + field + "': " + reason);
    this.field = field;
    this.reason = reason;
  }

  /** The JSON field name, e.g. {@code prompt_id}. */
  public String field() {
    return field;
  }

  /** The reason without the field prefix. */
  public String reason() {
    return reason;
  }
}
