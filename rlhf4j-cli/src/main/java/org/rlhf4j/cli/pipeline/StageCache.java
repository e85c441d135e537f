package org.rlhf4j.cli.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;

/**
 * Content-addressed stage outputs: a stage's key hashes the fingerprint of the stages' code
 * ({@link CodeFingerprint}), the settings it reads ({@link PipelineConfig#STAGE_SETTINGS}) and the
 * keys of the stages it reads, so re-running after a change redoes exactly the stages whose code
 * or inputs changed, and a cached stage always comes from the code that is running.
 *
 * <p>Layout: {@code out/stages/<name>/key} is written when the stage starts and {@code
 * out/stages/<name>/stage.json} (key, seconds, summary) when it finishes. A directory with the
 * right key but no stage.json is an interrupted stage: it runs again and its trainers resume from
 * their own checkpoints inside the directory. A directory with another key is stale and deleted.
 */
final class StageCache {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final Path root;

  StageCache(Path root) {
    this.root = root;
  }

  /** The work of a stage: writes into {@code dir}, returns a small JSON summary. */
  @FunctionalInterface
  interface Body {
    JsonNode run(Path dir) throws Exception;
  }

  /** What a stage produced. */
  record Outcome(Path dir, String key, JsonNode summary, double seconds, boolean cached) {}

  Outcome run(String name, String key, Body body) throws Exception {
    Path dir = root.resolve(name);
    Path done = dir.resolve("stage.json");
    if (Files.isRegularFile(done)) {
      JsonNode d = JSON.readTree(done.toFile());
      if (key.equals(d.path("key").asText())) {
        return new Outcome(dir, key, d.path("summary"), d.path("seconds").asDouble(), true);
      }
    }
    Path keyFile = dir.resolve("key");
    if (Files.isDirectory(dir) && !(Files.isRegularFile(keyFile) && key.equals(Files.readString(keyFile).strip()))) {
      deleteTree(dir); // stale: computed from other inputs
    }
    Files.createDirectories(dir);
    Files.writeString(keyFile, key);
    Files.deleteIfExists(done);
    long t0 = System.nanoTime();
    JsonNode summary = body.run(dir);
    double seconds = (System.nanoTime() - t0) / 1e9;
    ObjectNode d = JSON.createObjectNode();
    d.put("key", key);
    d.put("seconds", seconds);
    d.set("summary", summary == null ? JSON.createObjectNode() : summary);
    Path tmp = dir.resolve("stage.json.tmp");
    Files.writeString(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(d));
    Files.move(tmp, done, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    return new Outcome(dir, key, d.path("summary"), seconds, false);
  }

  /** SHA-256 over the given parts (strings, or files/directories by content). */
  static String key(Object... parts) throws IOException {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      for (Object p : parts) {
        if (p instanceof Path path) {
          digestPath(md, path);
        } else {
          md.update(String.valueOf(p).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        md.update((byte) 0);
      }
      return HexFormat.of().formatHex(md.digest()).substring(0, 20);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void digestPath(MessageDigest md, Path path) throws IOException {
    if (Files.isDirectory(path)) {
      try (var files = Files.list(path)) {
        for (Path f : files.filter(Files::isRegularFile).sorted(Comparator.comparing(Path::toString)).toList()) {
          md.update(f.getFileName().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
          digestPath(md, f);
        }
      }
      return;
    }
    byte[] buf = new byte[1 << 16];
    try (InputStream in = Files.newInputStream(path)) {
      int n;
      while ((n = in.read(buf)) > 0) {
        md.update(buf, 0, n);
      }
    }
  }

  static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (var walk = Files.walk(p)) {
      for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(q);
      }
    }
  }
}
