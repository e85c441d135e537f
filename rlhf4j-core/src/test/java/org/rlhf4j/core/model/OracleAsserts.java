package org.rlhf4j.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import java.nio.file.Path;

/** Shared comparisons and fixture lookup of the oracle tests. */
public final class OracleAsserts {
  private OracleAsserts() {}

  /** A test resource directory or file by name. */
  public static Path resource(String name) throws Exception {
    return Path.of(OracleAsserts.class.getResource("/" + name).toURI());
  }

  /** Same shape and max |expected - actual| below {@code tol}. */
  public static void assertClose(NDArray expected, NDArray actual, float tol, String what) {
    assertEquals(expected.getShape(), actual.getShape(), what + " shape");
    float diff = expected.toType(DataType.FLOAT32, false).sub(actual).abs().max().getFloat();
    assertTrue(diff < tol, what + ": max |diff| " + diff + " >= " + tol);
  }
}
