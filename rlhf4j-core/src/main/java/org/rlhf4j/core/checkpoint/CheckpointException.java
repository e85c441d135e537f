package org.rlhf4j.core.checkpoint;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A checkpoint file or directory that cannot be read or written as asked: corrupt, truncated,
 * lying about its sizes, or not matching the model configuration. The message always names the
 * file, and the tensor (or config key) when one is to blame, so the user can tell which file to
 * re-download or re-save.
 */
public final class CheckpointException extends IOException {
  private static final long serialVersionUID = 1L;

  private final transient Path file;
  private final String tensor;

  /** An error about {@code file} as a whole. */
  public CheckpointException(Path file, String message) {
    this(file, null, message, null);
  }

  /** An error about one tensor (or config key) {@code tensor} inside {@code file}. */
  public CheckpointException(Path file, String tensor, String message) {
    this(file, tensor, message, null);
  }

  public CheckpointException(Path file, String tensor, String message, Throwable cause) {
    super(format(file, tensor, message), cause);
    this.file = file;
    this.tensor = tensor;
  }

  /** The file (or checkpoint directory) the error is about. */
  public Path file() {
    return file;
  }

  /** The tensor or config key to blame, if the error is about one. */
  public Optional<String> tensor() {
    return Optional.ofNullable(tensor);
  }

  private static String format(Path file, String tensor, String message) {
    String where = tensor == null ? String.valueOf(file) : file + " [" + tensor + "]";
    return where + ": " + message;
  }
}
