package org.rlhf4j.core.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The lifecycle of one training run's output directory, called (not inherited) by every trainer
 * command before any work starts (issue 16).
 *
 * <ol>
 *   <li>{@link #open} validates {@code --out}: outputs a trainer would overwrite ({@code final/},
 *       {@code metrics.jsonl}, {@code run_config.json}, ...) are only accepted in a directory that
 *       holds our {@value #RUN_FILE}; a finished run is never continued or overwritten; a run with
 *       resumable state is only continued with {@code --resume}.
 *   <li>On {@code --resume}, the resolved settings and the SHA-256 of every input file (data,
 *       corpus, base checkpoint, tokenizer) are compared with those stored in {@value #RUN_FILE};
 *       the first difference is refused, naming the option and both values.
 *   <li>A new run writes {@value #RUN_FILE} once; {@link #finish} marks it finished.
 * </ol>
 */
public final class RunDirectory {
  /** The run record: stage, settings, input fingerprints, finished flag. */
  public static final String RUN_FILE = "run.json";

  /** What our trainers write under {@code --out}; someone else's copy must not be overwritten. */
  public static final List<String> OUTPUTS = List.of("checkpoint", "final", "best", "policy", "value",
      "metrics.jsonl", "run_config.json", "eval.json", ".checkpoint-old");

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * What identifies a run.
   *
   * @param stage the command, e.g. {@code pretrain}
   * @param settings resolved option values by option name ({@code --lr} to {@code 0.002})
   * @param inputs input files or directories by option name; each is fingerprinted
   */
  public record Spec(String stage, Map<String, String> settings, Map<String, List<Path>> inputs) {
    public Spec {
      settings = new LinkedHashMap<>(settings);
      inputs = new LinkedHashMap<>(inputs);
    }
  }

  private final Path out;
  private final ObjectNode record;
  private final boolean resuming;

  private RunDirectory(Path out, ObjectNode record, boolean resuming) {
    this.out = out;
    this.record = record;
    this.resuming = resuming;
  }

  /**
   * Validates {@code out} for {@code spec} and records the run (see the class comment).
   *
   * @param hasResumeState whether {@code out} holds the trainer's resumable state
   * @throws IllegalArgumentException naming the path or option when the run must not start
   */
  public static RunDirectory open(Path out, Spec spec, boolean resume, boolean hasResumeState) throws IOException {
    if (Files.exists(out, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(out)) {
      throw new IllegalArgumentException("--out " + out + " exists and is not a directory");
    }
    Path runFile = out.resolve(RUN_FILE);
    ObjectNode fresh = describe(spec);
    if (!Files.isRegularFile(runFile)) {
      for (String name : OUTPUTS) {
        Path p = out.resolve(name);
        if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
          throw new IllegalArgumentException(p + " exists but " + out + " holds no " + RUN_FILE
              + " of an rlhf4j run; refusing to overwrite it. Choose another --out or move it away");
        }
      }
      if (resume) {
        System.err.println("note: nothing to resume in " + out + "; starting a new run");
      }
      return start(out, fresh, false);
    }
    JsonNode stored = readRecord(runFile);
    String stage = stored.path("stage").asText();
    if (!stage.equals(spec.stage())) {
      throw new IllegalArgumentException(out + " holds a " + stage + " run (" + runFile + "), not a " + spec.stage()
          + " run; choose another --out");
    }
    // final/ without resumable state: killed after the trainer finished but before finish().
    if (stored.path("finished").asBoolean() || (!hasResumeState && Checkpoint.exists(out.resolve("final")))) {
      throw new IllegalArgumentException(out + " holds a finished run (" + stage + ", " + out.resolve("final")
          + "); it is never continued or overwritten. Choose another --out");
    }
    if (!hasResumeState) {
      if (resume) {
        System.err.println("note: nothing to resume in " + out + "; starting a new run");
      }
      return start(out, fresh, false);
    }
    if (!resume) {
      throw new IllegalArgumentException(
          out + " already holds a run; pass --resume to continue it or choose another --out");
    }
    String mismatch = firstDifference(stored, fresh);
    if (mismatch != null) {
      throw new IllegalArgumentException("cannot --resume the run in " + out + ": " + mismatch
          + " (stored in " + runFile + "). Resume with the same settings and inputs, or choose another --out");
    }
    return new RunDirectory(out, (ObjectNode) stored, true);
  }

  /** Whether this run continues one found in the directory. */
  public boolean resuming() {
    return resuming;
  }

  /** Marks the run finished: it will not be resumed or overwritten. */
  public void finish() throws IOException {
    record.put("finished", true);
    AtomicFiles.writeString(out.resolve(RUN_FILE), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(record));
  }

  private static RunDirectory start(Path out, ObjectNode fresh, boolean resuming) throws IOException {
    Files.createDirectories(out);
    AtomicFiles.writeString(out.resolve(RUN_FILE), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(fresh));
    return new RunDirectory(out, fresh, resuming);
  }

  private static JsonNode readRecord(Path runFile) throws IOException {
    try {
      JsonNode n = JSON.readTree(runFile.toFile());
      if (n == null || !n.isObject() || !n.path("stage").isTextual()) {
        throw new IllegalArgumentException(runFile + " is not an rlhf4j run record (no \"stage\")");
      }
      return n;
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalArgumentException(runFile + " is not valid JSON: " + e.getOriginalMessage(), e);
    }
  }

  private static ObjectNode describe(Spec spec) throws IOException {
    ObjectNode root = JSON.createObjectNode();
    root.put("stage", spec.stage());
    root.put("finished", false);
    ObjectNode settings = root.putObject("settings");
    spec.settings().forEach(settings::put);
    ObjectNode inputs = root.putObject("inputs");
    for (Map.Entry<String, List<Path>> e : spec.inputs().entrySet()) {
      var list = inputs.putArray(e.getKey());
      for (Path p : e.getValue()) {
        list.addObject().put("path", p.toString()).put("sha256", fingerprint(p));
      }
    }
    return root;
  }

  /** The first setting or input that differs, phrased for the user; null when none does. */
  static String firstDifference(JsonNode stored, JsonNode now) {
    JsonNode was = stored.path("settings");
    JsonNode is = now.path("settings");
    for (var it = is.fieldNames(); it.hasNext(); ) {
      String name = it.next();
      String before = was.has(name) ? was.get(name).asText() : "(not set)";
      if (!before.equals(is.get(name).asText())) {
        return name + " was " + before + ", now " + is.get(name).asText();
      }
    }
    for (var it = was.fieldNames(); it.hasNext(); ) {
      String name = it.next();
      if (!is.has(name)) {
        return name + " was " + was.get(name).asText() + ", now not set";
      }
    }
    JsonNode wasIn = stored.path("inputs");
    for (var it = now.path("inputs").fields(); it.hasNext(); ) {
      var e = it.next();
      JsonNode before = wasIn.path(e.getKey());
      JsonNode after = e.getValue();
      if (before.size() != after.size()) {
        return e.getKey() + " had " + before.size() + " inputs, now " + after.size();
      }
      for (int i = 0; i < after.size(); i++) {
        String h0 = before.get(i).path("sha256").asText();
        String h1 = after.get(i).path("sha256").asText();
        if (!h0.equals(h1)) {
          return e.getKey() + " " + after.get(i).path("path").asText() + " differs from the resumed run's "
              + before.get(i).path("path").asText() + " (sha256 " + abbreviate(h0) + " then, " + abbreviate(h1) + " now)";
        }
      }
    }
    return null;
  }

  private static String abbreviate(String hash) {
    return hash.length() > 12 ? hash.substring(0, 12) + "..." : hash;
  }

  /**
   * SHA-256 of a file, or of a directory's regular files (names and contents, sorted, hidden
   * entries such as interrupted saves skipped); {@code "missing"} for a path that does not exist.
   */
  public static String fingerprint(Path path) throws IOException {
    if (!Files.exists(path)) {
      return "missing";
    }
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    if (Files.isRegularFile(path)) {
      digest(sha, path);
    } else {
      List<Path> files;
      try (Stream<Path> walk = Files.walk(path)) {
        files = walk.filter(Files::isRegularFile).filter(p -> !hidden(path.relativize(p))).sorted().toList();
      }
      for (Path f : files) {
        sha.update(path.relativize(f).toString().getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0);
        digest(sha, f);
      }
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  private static boolean hidden(Path relative) {
    for (Path part : relative) {
      if (part.toString().startsWith(".")) {
        return true;
      }
    }
    return false;
  }

  private static void digest(MessageDigest sha, Path file) throws IOException {
    byte[] buffer = new byte[1 << 16];
    try (InputStream in = Files.newInputStream(file)) {
      int n;
      while ((n = in.read(buffer)) > 0) {
        sha.update(buffer, 0, n);
      }
    }
  }
}
