package org.rlhf4j.cli.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The code fingerprint in every stage key: same code, same key; another byte, another key. */
class CodeFingerprintTest {
  @TempDir Path dir;

  private static final List<String> LIBS = List.of("api-0.36.0.jar", "pytorch-native-cpu-2.7.1-linux-x86_64.jar");

  /** A fake build: two modules' class directories. */
  private Path build(String name, String ppoBytes) throws IOException {
    Path core = dir.resolve(name).resolve("core");
    Path cli = dir.resolve(name).resolve("cli");
    write(core, "org/rlhf4j/core/ppo/PpoTrainer.class", ppoBytes);
    write(core, "org/rlhf4j/core/model/GptModel.class", "model");
    write(cli, "org/rlhf4j/cli/pipeline/Pipeline.class", "pipeline");
    write(cli, "org/rlhf4j/cli/pipeline/Report.class", "report");
    write(cli, "org/rlhf4j/cli/pipeline/Report$Html.class", "html");
    write(cli, "org/rlhf4j/cli/ChatCommand.class", "chat");
    return dir.resolve(name);
  }

  private static void write(Path root, String entry, String content) throws IOException {
    Path f = root.resolve(entry);
    Files.createDirectories(f.getParent());
    Files.writeString(f, content);
  }

  private static String fingerprint(Path build, List<String> libs) throws IOException {
    return CodeFingerprint.of(List.of(build.resolve("core"), build.resolve("cli")), libs);
  }

  @Test
  void theSameCodeGivesTheSameKeyAndAnyChangedByteAnother() throws IOException {
    String a = fingerprint(build("a", "ppo v1"), LIBS);
    assertEquals(a, fingerprint(build("b", "ppo v1"), LIBS), "same bytes in another place: same fingerprint");
    assertNotEquals(a, fingerprint(build("c", "ppo v2"), LIBS), "one stage class changed");
    assertNotEquals(a, fingerprint(build("a", "ppo v1"), List.of("api-0.37.0.jar", LIBS.get(1))), "another DJL");

    // The stage key carries it: the same settings and inputs with other code give another key.
    assertNotEquals(StageCache.key("ppo", a, "ppo;beta=0.02"),
        StageCache.key("ppo", fingerprint(dir.resolve("c"), LIBS), "ppo;beta=0.02"));
  }

  @Test
  void reportOnlyClassesAndOtherCommandsDoNotInvalidateTheCache() throws IOException {
    Path b = build("a", "ppo v1");
    String before = fingerprint(b, LIBS);
    write(b.resolve("cli"), "org/rlhf4j/cli/pipeline/Report.class", "report v2");
    write(b.resolve("cli"), "org/rlhf4j/cli/pipeline/Report$Html.class", "html v2");
    write(b.resolve("cli"), "org/rlhf4j/cli/ChatCommand.class", "chat v2");
    assertEquals(before, fingerprint(b, LIBS));
    write(b.resolve("cli"), "org/rlhf4j/cli/pipeline/Pipeline.class", "pipeline v2");
    assertNotEquals(before, fingerprint(b, LIBS));
  }

  @Test
  void aJarHoldsTheSameCodeAsItsClassDirectory() throws IOException {
    Path b = build("a", "ppo v1");
    Path jar = dir.resolve("core.jar");
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar));
        Stream<Path> files = Files.walk(b.resolve("core"))) {
      out.putNextEntry(new JarEntry("META-INF/MANIFEST.MF")); // build metadata is not code
      out.write("Created-By: test\n".getBytes(StandardCharsets.UTF_8));
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        out.putNextEntry(new JarEntry(b.resolve("core").relativize(f).toString().replace('\\', '/')));
        out.write(Files.readAllBytes(f));
      }
    }
    assertEquals(fingerprint(b, LIBS), CodeFingerprint.of(List.of(jar, b.resolve("cli")), LIBS));
  }

  @Test
  void theRunningCodeHasAStableFingerprint() throws IOException {
    String now = CodeFingerprint.current();
    assertEquals(20, now.length());
    assertEquals(now, CodeFingerprint.current());
    assertFalse(CodeFingerprint.libraries().isEmpty(), "the libraries on the class path are named");
    assertTrue(CodeFingerprint.libraries().stream().noneMatch(n -> n.startsWith("rlhf4j")));
  }

  @Test
  void whatIsStageCode() {
    assertTrue(CodeFingerprint.isStageCode("org/rlhf4j/core/ppo/PpoTrainer.class"));
    assertTrue(CodeFingerprint.isStageCode("org/rlhf4j/world/World$1.class"));
    assertTrue(CodeFingerprint.isStageCode("org/rlhf4j/cli/pipeline/Evaluation.class"));
    assertTrue(CodeFingerprint.isStageCode("org/rlhf4j/cli/pipeline/Results$ModelEval.class"));
    assertFalse(CodeFingerprint.isStageCode("org/rlhf4j/cli/pipeline/ReportCharts$Png.class"));
    assertFalse(CodeFingerprint.isStageCode("org/rlhf4j/cli/pipeline/Claims.class"));
    assertFalse(CodeFingerprint.isStageCode("org/rlhf4j/cli/PipelineCommand.class"));
    assertFalse(CodeFingerprint.isStageCode("org/rlhf4j/label/Server.class"));
    assertFalse(CodeFingerprint.isStageCode("META-INF/MANIFEST.MF"));
    assertFalse(CodeFingerprint.isStageCode("simplelogger.properties"));
  }

  /**
   * The fingerprint leaves out the CLI's commands and the report-only classes, which is safe only
   * while the hashed stage code calls none of them: read every hashed class of this package and
   * look for references to the classes left out.
   */
  @Test
  void theStageCodeCallsNothingTheFingerprintLeavesOut() throws Exception {
    Path classes = Path.of(CodeFingerprint.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    Path pkg = classes.resolve("org/rlhf4j/cli/pipeline");
    Set<String> reportOnlyCallers = Set.of("Pipeline"); // builds the report after every stage has finished
    int checked = 0;
    try (Stream<Path> files = Files.list(pkg)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
        String entry = "org/rlhf4j/cli/pipeline/" + f.getFileName();
        if (!CodeFingerprint.isStageCode(entry)) {
          continue;
        }
        String text = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
        assertFalse(Pattern.compile("org/rlhf4j/cli/[A-Z]").matcher(text).find(),
            entry + " calls a CLI command class outside the fingerprint");
        String outer = f.getFileName().toString().split("[$.]", 2)[0];
        if (!reportOnlyCallers.contains(outer)) {
          for (String r : CodeFingerprint.REPORT_ONLY) {
            // A class name in the constant pool ends where the next entry's tag byte begins.
            assertFalse(Pattern.compile("org/rlhf4j/cli/pipeline/" + r + "(?![A-Za-z0-9_])").matcher(text).find(),
                entry + " uses " + r + ", which the fingerprint leaves out");
          }
        }
        checked++;
      }
    }
    assertTrue(checked >= 8, "read the stage classes: " + checked);
  }
}
