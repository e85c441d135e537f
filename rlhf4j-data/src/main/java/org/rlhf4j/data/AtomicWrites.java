package org.rlhf4j.data;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.UUID;

/**
 * The one implementation of an atomic file write, in the bottom module so every module uses it
 * (data files, corpora, tokenizers, token caches, metrics, configs, checkpoints): the bytes go to a
 * hidden temporary sibling (same directory, hence same file system), are forced to disk, and then
 * renamed over the target in one step; the directory entry is synced. A reader or a kill never
 * sees a half-written file. {@code org.rlhf4j.core.checkpoint.AtomicFiles} builds the
 * directory-level moves of checkpoints on it.
 */
public final class AtomicWrites {
  private AtomicWrites() {}

  /** Writes the body of a file through a channel. */
  @FunctionalInterface
  public interface ChannelWriter {
    void write(FileChannel channel) throws IOException;
  }

  /** Writes the body of a file through a stream (buffer it yourself for many small writes). */
  @FunctionalInterface
  public interface StreamWriter {
    void write(OutputStream out) throws IOException;
  }

  /** Writes {@code target} atomically through a channel. */
  public static void write(Path target, ChannelWriter body) throws IOException {
    Path abs = target.toAbsolutePath();
    Files.createDirectories(abs.getParent());
    // Not Files.createTempFile: its owner-only permissions would survive the rename.
    Path tmp = abs.resolveSibling("." + abs.getFileName() + ".tmp-" + UUID.randomUUID());
    boolean done = false;
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
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

  /** Writes {@code target} atomically through a stream. */
  public static void writeStream(Path target, StreamWriter body) throws IOException {
    write(target, ch -> {
      OutputStream out = Channels.newOutputStream(ch); // not closed: that would close the channel early
      body.write(out);
      out.flush();
    });
  }

  /** Writes a text file (UTF-8) atomically. */
  public static void writeString(Path target, String text) throws IOException {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    write(target, ch -> writeFully(ch, ByteBuffer.wrap(bytes)));
  }

  /** Writes every remaining byte of {@code buffer}. */
  public static void writeFully(FileChannel ch, ByteBuffer buffer) throws IOException {
    while (buffer.hasRemaining()) {
      ch.write(buffer);
    }
  }

  /**
   * Renames {@code from} to {@code to} in one step. On POSIX, rename(2) replaces an existing file
   * atomically; we refuse to fall back to a non-atomic copy, because that fallback is exactly the
   * half-written state this class exists to prevent.
   */
  public static void moveAtomically(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      throw new IOException("cannot rename " + from + " to " + to + " atomically (different file systems?)", e);
    }
  }

  /**
   * Makes a rename durable by syncing the directory entry. Linux allows opening a directory for
   * reading and fsync-ing it; other systems may refuse, in which case the rename is still atomic,
   * only not yet guaranteed to survive a power cut.
   */
  public static void fsyncDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // Best effort, see above.
    }
  }
}
