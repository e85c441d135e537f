package org.rlhf4j.core.checkpoint;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.UUID;

/**
 * Write-to-temp-then-rename helpers, the one place every run file is written through (configs,
 * trainer state, metrics rewrites, evaluation summaries, run records). A reader never sees a
 * half-written file: the bytes go to a temporary sibling (same directory, hence same file system,
 * so the rename is atomic), are flushed to disk, and only then replace the target.
 */
public final class AtomicFiles {
  private AtomicFiles() {}

  /** Writes the body of a file through a channel. */
  @FunctionalInterface
  interface ChannelWriter {
    void write(FileChannel channel) throws IOException;
  }

  /** A hidden sibling name that no checkpoint file uses: {@code .<name>.<tag>-<uuid>}. */
  static Path tempSibling(Path target, String tag) {
    Path abs = target.toAbsolutePath();
    return abs.resolveSibling("." + abs.getFileName() + "." + tag + "-" + UUID.randomUUID());
  }

  /** Writes {@code target} atomically: a temp sibling, fsync, then an atomic rename over it. */
  static void write(Path target, ChannelWriter body) throws IOException {
    Path abs = target.toAbsolutePath();
    Files.createDirectories(abs.getParent());
    Path tmp = tempSibling(abs, "tmp");
    boolean done = false;
    try {
      try (FileChannel ch =
          FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        body.write(ch);
        ch.force(true);
      }
      moveAtomically(tmp, abs);
      done = true;
    } finally {
      if (!done) {
        Files.deleteIfExists(tmp);
      }
    }
    fsyncDirectory(abs.getParent());
  }

  /** Writes a small text file (config, trainer state) atomically. */
  public static void writeString(Path target, String text) throws IOException {
    byte[] bytes = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    write(target, ch -> writeFully(ch, java.nio.ByteBuffer.wrap(bytes)));
  }

  static void writeFully(FileChannel ch, java.nio.ByteBuffer buffer) throws IOException {
    while (buffer.hasRemaining()) {
      ch.write(buffer);
    }
  }

  /**
   * Renames {@code from} to {@code to} in one step. On POSIX, rename(2) replaces an existing file
   * atomically; we refuse to fall back to a non-atomic copy, because that fallback is exactly the
   * half-written state this class exists to prevent.
   */
  static void moveAtomically(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      throw new IOException(
          "cannot rename " + from + " to " + to + " atomically (different file systems?)", e);
    }
  }

  /**
   * Makes a rename durable by syncing the directory entry. Linux allows opening a directory for
   * reading and fsync-ing it; other systems may refuse, in which case the rename is still atomic,
   * only not yet guaranteed to survive a power cut.
   */
  static void fsyncDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // Best effort, see above.
    }
  }

  /**
   * Puts the complete directory {@code fresh} in place of {@code target}, keeping the previous
   * {@code target} as {@code aside} until the new one is in place. A kill at any point leaves a
   * complete directory at {@code target} or at {@code aside}, and {@link #recoverDirectory} (which
   * this method calls first) moves it back. Without that first step, a second kill after the
   * aside copy was deleted and before {@code fresh} was renamed lost both (issue 16).
   */
  public static void replaceDirectory(Path fresh, Path target, Path aside) throws IOException {
    recoverDirectory(target, aside);
    deleteRecursively(aside);
    if (Files.exists(target)) {
      moveAtomically(target, aside);
    }
    moveAtomically(fresh, target);
    fsyncDirectory(target.toAbsolutePath().getParent());
    deleteRecursively(aside);
  }

  /**
   * Completes a {@link #replaceDirectory} killed between its two renames: when {@code target} is
   * absent and {@code aside} exists, moves {@code aside} back. Call it before reading {@code target}.
   */
  public static void recoverDirectory(Path target, Path aside) throws IOException {
    if (!Files.exists(target) && Files.isDirectory(aside)) {
      moveAtomically(aside, target);
    }
  }

  /** Deletes a file or a directory tree; a missing path is not an error. */
  public static void deleteRecursively(Path path) throws IOException {
    if (!Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    Files.walkFileTree(
        path,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            Files.deleteIfExists(file);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
            if (exc != null && !(exc instanceof NoSuchFileException)) {
              throw exc;
            }
            Files.deleteIfExists(dir);
            return FileVisitResult.CONTINUE;
          }
        });
  }
}
