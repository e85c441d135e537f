package org.rlhf4j.cli.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The commit and tree state recorded in results.json: from git, from .git's files, or "unknown". */
class SourceTreeTest {
  @TempDir Path dir;

  private static final String A = "0123456789abcdef0123456789abcdef01234567";
  private static final String B = "89abcdef0123456789abcdef0123456789abcdef";

  @Test
  void outsideGitTheCommitIsUnknown() throws IOException {
    Path sub = Files.createDirectories(dir.resolve("not-a-repo/target"));
    assertNull(SourceTree.root(sub));
    Results.Provenance p = SourceTree.provenance(sub, "code");
    assertEquals(new Results.Provenance("unknown", null, "code"), p);
  }

  @Test
  void readsHeadThroughLooseAndPackedRefsWithoutGit() throws IOException {
    Path repo = dir.resolve("repo");
    Path git = repo.resolve(".git");
    Files.createDirectories(git.resolve("refs/heads"));
    Files.writeString(git.resolve("HEAD"), "ref: refs/heads/main\n");
    Files.writeString(git.resolve("packed-refs"), "# pack-refs with: peeled\n" + B + " refs/heads/main\n");
    assertEquals(B, SourceTree.readHead(repo));
    Files.writeString(git.resolve("refs/heads/main"), A + "\n"); // a loose ref wins over packed-refs
    assertEquals(A, SourceTree.readHead(repo));
    Files.writeString(git.resolve("HEAD"), B + "\n"); // detached
    assertEquals(B, SourceTree.readHead(repo));
    assertEquals(repo.toAbsolutePath(), SourceTree.root(Files.createDirectories(repo.resolve("a/b"))));
  }

  @Test
  void readsAWorktreesHeadThroughItsGitFile() throws IOException {
    Path common = Files.createDirectories(dir.resolve("main/.git/refs/heads"));
    Path wtGit = Files.createDirectories(dir.resolve("main/.git/worktrees/wt"));
    Files.writeString(common.resolve("feature"), A + "\n");
    Files.writeString(wtGit.resolve("HEAD"), "ref: refs/heads/feature\n");
    Files.writeString(wtGit.resolve("commondir"), "../..\n");
    Path wt = Files.createDirectories(dir.resolve("wt"));
    Files.writeString(wt.resolve(".git"), "gitdir: " + wtGit.toAbsolutePath() + "\n");
    assertEquals(A, SourceTree.readHead(wt));
  }

  @Test
  void thisCheckoutHasACommit() {
    // The tests run inside the repository (or a copy without .git, where "unknown" is right).
    Results.Provenance p = SourceTree.provenance("code");
    assertTrue(p.commit().equals("unknown") || p.commit().matches("[0-9a-f]{40}"), p.commit());
    assertEquals("code", p.code());
  }
}
