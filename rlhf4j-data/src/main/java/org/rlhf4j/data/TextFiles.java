package org.rlhf4j.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Strict UTF-8 text reading whose errors name the file: the JDK's own say "Is a directory" or
 * "Input length = 1" and nothing else (issue 16).
 */
public final class TextFiles {
  private TextFiles() {}

  /**
   * The file as UTF-8 text.
   *
   * @throws FileSystemException naming the file when it is a directory
   * @throws DataFormatException naming the file and line of the first invalid UTF-8 byte
   */
  public static String readString(Path file) throws IOException {
    checkNotDirectory(file);
    byte[] bytes = Files.readAllBytes(file);
    CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes);
    CharBuffer out = CharBuffer.allocate(bytes.length);
    CoderResult result = decoder.decode(in, out, true);
    if (result.isError()) {
      int line = 1;
      for (int i = 0; i < in.position(); i++) {
        if (bytes[i] == '\n') {
          line++;
        }
      }
      throw new DataFormatException(file, line, null, "not valid UTF-8 (byte offset " + in.position() + ")");
    }
    decoder.flush(out);
    return out.flip().toString();
  }

  /** Throws {@link FileSystemException} naming {@code file} when it is a directory. */
  public static void checkNotDirectory(Path file) throws FileSystemException {
    if (Files.isDirectory(file)) {
      throw new FileSystemException(file.toString(), null, "is a directory, not a file");
    }
  }

  /** The file's lines (without terminators) as UTF-8; errors as for {@link #readString}. */
  public static List<String> readLines(Path file) throws IOException {
    return readString(file).lines().toList();
  }
}
