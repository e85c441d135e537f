package org.rlhf4j.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Test harness: runs the CLI in-process with stdout and stderr captured, and builds the one tiny
 * base model every stage test starts from (pretrained once per test JVM, 2 steps).
 */
final class Cli {
  private Cli() {}

  /** Exit code and captured output of one command line. */
  record Result(int code, String out, String err) {
    String all() {
      return out + err;
    }
  }

  /** Runs {@code rlhf4j args...}; the output is echoed afterwards so failures can be read in the log. */
  static synchronized Result run(String... args) {
    return runWithInput("", args);
  }

  /** Runs {@code rlhf4j args...} with {@code stdin} as its standard input (piped, not a terminal). */
  static synchronized Result runWithInput(String stdin, String... args) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    InputStream oldIn = System.in;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code;
    try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
      System.setOut(o);
      System.setErr(e);
      System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
      code = Rlhf4j.execute(args);
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
      System.setIn(oldIn);
    }
    Result r = new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    oldOut.println("$ rlhf4j " + String.join(" ", args) + "  -> exit " + code);
    oldOut.print(r.out());
    oldOut.print(r.err());
    return r;
  }

  private static Path root;
  private static Path base;

  /** A directory for the whole test JVM, deleted at exit. */
  static synchronized Path root() throws IOException {
    if (root == null) {
      root = Files.createTempDirectory("rlhf4j-cli-test");
      Path r = root;
      Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(r)));
    }
    return root;
  }

  /** The tiny test tokenizer (512 tokens, distinct pad and EOS), copied out of the core test jar. */
  static synchronized Path tokenizer() throws IOException {
    Path t = root().resolve("tokenizer.json");
    if (!Files.exists(t)) {
      copyResource("/tokenizer/tiny/tokenizer.json", t);
    }
    return t;
  }

  /** A corpus directory (train.txt, valid.txt) made from the tiny tokenizer's training text. */
  static synchronized Path corpus() throws IOException {
    Path dir = root().resolve("corpus");
    if (!Files.exists(dir.resolve("valid.txt"))) {
      Files.createDirectories(dir);
      copyResource("/tokenizer/tiny/train.txt", dir.resolve("train.txt"));
      // The last few documents double as validation text: enough for a loss, nothing more.
      var lines = Files.readAllLines(dir.resolve("train.txt"));
      Files.write(dir.resolve("valid.txt"), lines.subList(Math.max(0, lines.size() - 4), lines.size()));
    }
    return dir;
  }

  /** A TINY-preset model pretrained for 2 steps through the CLI: the base of every stage test. */
  static synchronized Path base() throws IOException {
    if (base == null) {
      Path out = root().resolve("pretrain");
      Result r = run("pretrain", "--preset", "tiny", "--corpus", corpus().toString(), "--tokenizer", tokenizer().toString(),
          "--out", out.toString(), "--steps", "2", "--batch", "2", "--micro-batch", "2", "--context", "32",
          "--warmup", "1", "--eval-every", "2", "--checkpoint-every", "2", "--threads", "1");
      if (r.code() != 0) {
        throw new IllegalStateException("pretraining the tiny base model failed: " + r.all());
      }
      base = out.resolve("final");
    }
    return base;
  }

  static void copyResource(String name, Path to) throws IOException {
    try (InputStream in = Cli.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IOException("test resource " + name + " not found (rlhf4j-core test jar)");
      }
      Files.copy(in, to, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  static void delete(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort at JVM exit
    }
  }
}
