package org.rlhf4j.data;

import java.util.List;

/** Validation helpers shared by the record compact constructors. */
final class Fields {
  private Fields() {}

  /** Required and must contain a non-whitespace character. */
  static String requireText(String value, String field) {
    if (value == null) {
      throw new InvalidFieldException(field, "is required");
    }
    if (value.isBlank()) {
      throw new InvalidFieldException(field, "must not be blank");
    }
    return value;
  }

  /** Required, but may be empty (a model can legitimately emit an empty response). */
  static String requirePresent(String value, String field) {
    if (value == null) {
      throw new InvalidFieldException(field, "is required");
    }
    return value;
  }

  /** Optional: null stays null, but a present value must not be blank. */
  static String optionalText(String value, String field) {
    if (value != null && value.isBlank()) {
      throw new InvalidFieldException(field, "must not be blank when present (omit it instead)");
    }
    return value;
  }

  static <T> List<T> requireNoNulls(List<T> values, String field) {
    if (values == null) {
      throw new InvalidFieldException(field, "is required");
    }
    for (int i = 0; i < values.size(); i++) {
      if (values.get(i) == null) {
        throw new InvalidFieldException(field, "element " + i + " is null");
      }
    }
    return List.copyOf(values);
  }
}
