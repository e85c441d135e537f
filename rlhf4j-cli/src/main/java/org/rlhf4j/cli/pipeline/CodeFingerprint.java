package org.rlhf4j.cli.pipeline;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Enumeration;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * The identity of the code the pipeline's stages run, part of every stage's cache key, so that a
 * stage is reused from the cache only when the same code produced it (issue 14: a README figure
 * came from a stale cache that a hand-bumped version constant failed to invalidate).
 *
 * <p>SHA-256 over every class and resource of the modules the stages run (rlhf4j-data, -core,
 * -world, and this package of rlhf4j-cli), entry by entry in name order, then the file names of
 * the libraries on the class path, whose names carry their versions (DJL, libtorch, the WordNet
 * data). The same build gives the same fingerprint from {@code target/classes} directories or from
 * the jars in {@code rlhf4j-cli/target/lib}; any changed byte of any class gives another.
 *
 * <p>Left out, so that a change to them does not re-run a quarter hour of training: the classes
 * of this package that only read the finished {@link Results} after every stage ({@link
 * #REPORT_ONLY}), and the other CLI commands, which the pipeline does not call ({@code
 * CodeFingerprintTest} checks that the stage code references none of them). Not covered: the JVM
 * and the CPU (libtorch's kernels may round differently on another instruction set).
 */
final class CodeFingerprint {
  /** Classes of this package that run only on the finished Results, after every cached stage. */
  static final Set<String> REPORT_ONLY = Set.of("Report", "ReportCharts", "ReportTable", "Claims", "Hacking",
      "MarkdownReport", "FollowingReport");

  private static final String PACKAGE = "org/rlhf4j/cli/pipeline/";
  private static final String PROJECT = "org/rlhf4j/";
  private static volatile String current;

  private CodeFingerprint() {}

  /** The fingerprint of the code running now (computed once per JVM: about a second). */
  static String current() {
    String c = current;
    if (c == null) {
      try {
        List<Path> sources = new ArrayList<>();
        for (Class<?> anchor : List.of(CodeFingerprint.class, org.rlhf4j.core.model.GptModel.class,
            org.rlhf4j.world.World.class, org.rlhf4j.data.Jsonl.class)) {
          sources.add(Path.of(anchor.getProtectionDomain().getCodeSource().getLocation().toURI()));
        }
        c = of(sources, libraries());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (URISyntaxException e) {
        throw new IllegalStateException(e);
      }
      current = c;
    }
    return c;
  }

  /** Whether an entry (a path inside a class directory or jar) is part of the stages' code. */
  static boolean isStageCode(String entry) {
    if (!entry.startsWith(PROJECT) || entry.startsWith("org/rlhf4j/label/")) {
      return false;
    }
    if (!entry.startsWith("org/rlhf4j/cli/")) {
      return true;
    }
    if (!entry.startsWith(PACKAGE) || entry.indexOf('/', PACKAGE.length()) >= 0) {
      return false; // the other commands, and nothing below this package
    }
    String name = entry.substring(PACKAGE.length());
    String simple = name.split("[$.]", 2)[0];
    return !REPORT_ONLY.contains(simple);
  }

  /**
   * The fingerprint of the stage code in {@code codeSources} (class directories or jars; the same
   * one twice counts once) and of the libraries named in {@code libraries}.
   */
  static String of(Collection<Path> codeSources, Collection<String> libraries) throws IOException {
    TreeMap<String, byte[]> entries = new TreeMap<>();
    for (Path source : new LinkedHashSet<>(codeSources)) {
      if (Files.isDirectory(source)) {
        try (Stream<Path> walk = Files.walk(source)) {
          for (Path f : walk.filter(Files::isRegularFile).toList()) {
            String name = source.relativize(f).toString().replace('\\', '/');
            if (isStageCode(name)) {
              entries.put(name, Files.readAllBytes(f));
            }
          }
        }
      } else {
        try (JarFile jar = new JarFile(source.toFile())) {
          for (Enumeration<JarEntry> e = jar.entries(); e.hasMoreElements(); ) {
            JarEntry je = e.nextElement();
            if (!je.isDirectory() && isStageCode(je.getName())) {
              try (InputStream in = jar.getInputStream(je)) {
                entries.put(je.getName(), in.readAllBytes());
              }
            }
          }
        }
      }
    }
    if (entries.isEmpty()) {
      throw new IOException("no rlhf4j classes found in " + codeSources);
    }
    MessageDigest md = sha256();
    for (var e : entries.entrySet()) {
      md.update(e.getKey().getBytes(StandardCharsets.UTF_8));
      md.update((byte) 0);
      md.update(sha256().digest(e.getValue()));
    }
    for (String lib : new TreeSet<>(libraries)) {
      md.update(lib.getBytes(StandardCharsets.UTF_8));
      md.update((byte) 0);
    }
    return HexFormat.of().formatHex(md.digest()).substring(0, 20);
  }

  /**
   * File names of the jars on the class path and in the Class-Path of their manifests (how
   * {@code rlhf4j.jar} names {@code lib/*.jar}), except rlhf4j's own, whose content counts instead.
   */
  static Set<String> libraries() throws IOException {
    Set<String> names = new TreeSet<>();
    for (String entry : System.getProperty("java.class.path", "").split(java.io.File.pathSeparator)) {
      if (!entry.endsWith(".jar")) {
        continue;
      }
      Path jar = Path.of(entry);
      names.add(jar.getFileName().toString());
      if (Files.isRegularFile(jar)) {
        try (JarFile jf = new JarFile(jar.toFile())) {
          String cp = jf.getManifest() == null ? null : jf.getManifest().getMainAttributes().getValue(Attributes.Name.CLASS_PATH);
          if (cp != null) {
            for (String ref : cp.trim().split("\\s+")) {
              names.add(ref.substring(ref.lastIndexOf('/') + 1));
            }
          }
        }
      }
    }
    names.removeIf(n -> n.startsWith("rlhf4j") || n.isEmpty());
    return names;
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
