package org.rlhf4j.cli.pipeline;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The git state of the source tree the running code was built from: its commit and whether it had
 * uncommitted changes. Asks {@code git} when it is installed; without it, reads the commit from
 * {@code .git} (a directory, or a worktree's {@code .git} file) and leaves "dirty" unknown.
 * Outside a git tree the commit is "unknown".
 */
final class SourceTree {
  static final String UNKNOWN = "unknown";
  private static final Pattern SHA = Pattern.compile("[0-9a-f]{40}([0-9a-f]{24})?");

  private SourceTree() {}

  /** The provenance of the code running now: the tree around its class directory or jar. */
  static Results.Provenance provenance(String code) {
    Path from;
    try {
      from = Path.of(SourceTree.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (Exception e) {
      return new Results.Provenance(UNKNOWN, null, code);
    }
    return provenance(from, code);
  }

  /** The provenance of the tree that holds {@code from} (a file or directory inside it). */
  static Results.Provenance provenance(Path from, String code) {
    Path root = root(from);
    if (root == null) {
      return new Results.Provenance(UNKNOWN, null, code);
    }
    String commit = git(root, "rev-parse", "HEAD");
    Boolean dirty = null;
    if (commit != null && SHA.matcher(commit.strip()).matches()) {
      String status = git(root, "status", "--porcelain");
      dirty = status == null ? null : !status.isBlank();
      commit = commit.strip();
    } else {
      commit = readHead(root);
    }
    return new Results.Provenance(commit == null ? UNKNOWN : commit, dirty, code);
  }

  /** The nearest directory at or above {@code from} that holds {@code .git}, or null. */
  static Path root(Path from) {
    for (Path p = from.toAbsolutePath().normalize(); p != null; p = p.getParent()) {
      if (Files.exists(p.resolve(".git"))) {
        return p;
      }
    }
    return null;
  }

  /** The output of {@code git -C root args...}, or null when git is missing, fails or hangs. */
  private static String git(Path root, String... args) {
    List<String> cmd = new java.util.ArrayList<>(List.of("git", "-C", root.toString()));
    cmd.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(false).redirectError(ProcessBuilder.Redirect.DISCARD).start();
      p.getOutputStream().close();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return null;
      }
      return p.exitValue() == 0 ? out : null;
    } catch (IOException e) {
      return null; // no git on this machine
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /**
   * The commit HEAD points at, read from the files: HEAD holds a hash (detached) or "ref: NAME",
   * resolved through the loose ref or packed-refs. A worktree's {@code .git} is a file "gitdir:
   * DIR" whose {@code commondir} holds the shared refs. Null when anything is missing.
   */
  static String readHead(Path root) {
    try {
      Path gitDir = root.resolve(".git");
      if (Files.isRegularFile(gitDir)) {
        String line = Files.readString(gitDir).strip();
        if (!line.startsWith("gitdir:")) {
          return null;
        }
        gitDir = root.resolve(line.substring("gitdir:".length()).strip()).normalize();
      }
      Path common = gitDir;
      if (Files.isRegularFile(gitDir.resolve("commondir"))) {
        common = gitDir.resolve(Files.readString(gitDir.resolve("commondir")).strip()).normalize();
      }
      String head = Files.readString(gitDir.resolve("HEAD")).strip();
      if (!head.startsWith("ref:")) {
        return SHA.matcher(head).matches() ? head : null;
      }
      String ref = head.substring("ref:".length()).strip();
      for (Path dir : List.of(gitDir, common)) {
        Path loose = dir.resolve(ref);
        if (Files.isRegularFile(loose)) {
          String sha = Files.readString(loose).strip();
          return SHA.matcher(sha).matches() ? sha : null;
        }
      }
      Path packed = common.resolve("packed-refs");
      if (Files.isRegularFile(packed)) {
        for (String line : Files.readAllLines(packed)) {
          if (line.endsWith(" " + ref) && SHA.matcher(line.substring(0, line.indexOf(' '))).matches()) {
            return line.substring(0, line.indexOf(' '));
          }
        }
      }
      return null;
    } catch (IOException e) {
      return null;
    }
  }
}
