package org.rlhf4j.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Keeps the rule of {@link Scalars}: no main class of this module calls
 * {@code NDArray.mul/div/pow/minimum/maximum} with a Java number (docs/known-issues.md). It reads
 * the compiled classes' constant pools, so it sees every call, however the source is written.
 */
class ScalarOperandGuardTest {
  private static final Set<String> FORBIDDEN = Set.of("mul", "div", "pow", "minimum", "maximum");
  private static final Set<String> OWNERS = Set.of("ai/djl/ndarray/NDArray", "ai/djl/pytorch/engine/PtNDArray");

  @Test
  void noMainClassPassesAJavaNumberToAnOperandThatAutogradSaves() throws Exception {
    Path classes = Path.of(Scalars.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    List<String> found = new ArrayList<>();
    int read = 0;
    try (Stream<Path> files = Files.walk(classes)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
        read++;
        try (InputStream in = Files.newInputStream(f)) {
          for (String call : numberCalls(in)) {
            found.add(classes.relativize(f) + ": " + call);
          }
        }
      }
    }
    assertTrue(read > 50, "read the main classes of rlhf4j-core from " + classes);
    assertEquals(List.of(), found, "use Scalars instead");
  }

  @Test
  void theScannerSeesSuchACall() throws Exception {
    try (InputStream in = ScalarsTest.class.getResourceAsStream("ScalarsTest.class")) {
      assertTrue(numberCalls(in).contains("ai/djl/ndarray/NDArray.mul(Ljava/lang/Number;)"), "ScalarsTest calls x.mul(3f)");
    }
  }

  /** Method references in a class file's constant pool to a forbidden NDArray op taking a Number. */
  static List<String> numberCalls(InputStream raw) throws IOException {
    DataInputStream in = new DataInputStream(raw);
    in.readInt(); // magic
    in.readUnsignedShort(); // minor
    in.readUnsignedShort(); // major
    int n = in.readUnsignedShort();
    Object[] pool = new Object[n]; // String for Utf8, int[] for references
    int[] tags = new int[n];
    for (int i = 1; i < n; i++) {
      int tag = in.readUnsignedByte();
      tags[i] = tag;
      switch (tag) {
        case 1 -> pool[i] = in.readUTF();
        case 7, 8, 16, 19, 20 -> pool[i] = new int[] {in.readUnsignedShort()};
        case 3, 4 -> in.readInt();
        case 5, 6 -> {
          in.readLong();
          i++; // eight-byte constants take two slots
        }
        case 9, 10, 11, 12, 17, 18 -> pool[i] = new int[] {in.readUnsignedShort(), in.readUnsignedShort()};
        case 15 -> {
          in.readUnsignedByte();
          in.readUnsignedShort();
        }
        default -> throw new IOException("unknown constant tag " + tag);
      }
    }
    List<String> out = new ArrayList<>();
    for (int i = 1; i < n; i++) {
      if (tags[i] == 10 || tags[i] == 11) {
        int[] ref = (int[]) pool[i];
        String owner = (String) pool[((int[]) pool[ref[0]])[0]];
        int[] nat = (int[]) pool[ref[1]];
        String name = (String) pool[nat[0]];
        String desc = (String) pool[nat[1]];
        if (OWNERS.contains(owner) && FORBIDDEN.contains(name) && desc.startsWith("(Ljava/lang/Number;)")) {
          out.add(owner + "." + name + "(Ljava/lang/Number;)");
        }
      }
    }
    return out;
  }
}
