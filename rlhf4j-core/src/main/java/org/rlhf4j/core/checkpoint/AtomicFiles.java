package org.rlhf4j.core.checkpoint;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.UUID;
import org.rlhf4j.data.AtomicWrites;

/**
 * Checkpoint-level atomic moves: hidden temporary siblings, replacing a whole directory with its
 * predecessor kept aside until the new one is in place, and recovering from a kill between the two
 * renames. Single files are written through {@link AtomicWrites}, the one atomic-write helper of
 * every module; {@link #writeString} is a shortcut to it.
 */
public final class AtomicFiles {
  private AtomicFiles() {}

  /** A hidden sibling name that no checkpoint file uses: {@code .<name>.<tag>-<uuid>}. */
  static Path tempSibling(Path target, String tag) {
    Path abs = target.toAbsolutePath();
    return abs.resolveSibling("." + abs.getFileName() + "." + tag + "-" + UUID.randomUUID());
  }

  /** Writes {@code target} atomically: see {@link AtomicWrites#write}. */
  static void write(Path target, AtomicWrites.ChannelWriter body) throws IOException {
    AtomicWrites.write(target, body);
  }

  /** Writes a small text file (config, trainer state, run record) atomically. */
  public static void writeString(Path target, String text) throws IOException {
    AtomicWrites.writeString(target, text);
  }

  static void writeFully(FileChannel ch, java.nio.ByteBuffer buffer) throws IOException {
    AtomicWrites.writeFully(ch, buffer);
  }

  /** See {@link AtomicWrites#moveAtomically}. */
  static void moveAtomically(Path from, Path to) throws IOException {
    AtomicWrites.moveAtomically(from, to);
  }

  /** See {@link AtomicWrites#fsyncDirectory}. */
  static void fsyncDirectory(Path dir) {
    AtomicWrites.fsyncDirectory(dir);
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
