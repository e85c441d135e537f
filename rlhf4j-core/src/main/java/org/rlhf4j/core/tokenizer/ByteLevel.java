package org.rlhf4j.core.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * GPT-2's byte-level alphabet and pre-tokeniser, as used by Hugging Face's {@code ByteLevel}
 * pre-tokenizer with {@code use_regex: true}.
 *
 * <p>Every UTF-8 byte is mapped to one printable Unicode character (GPT-2 {@code
 * bytes_to_unicode}), so a vocabulary of 256 symbols covers any text and no token is ever unknown.
 * Text is first split into pre-tokens by {@link #PRE_TOKENIZER}; BPE merges never cross a pre-token
 * boundary.
 */
final class ByteLevel {

  /**
   * GPT-2's pre-tokenisation regex (Radford et al. 2019, {@code encoder.py}). {@code
   * UNICODE_CHARACTER_CLASS} makes {@code \s} match all Unicode white space (U+00A0, U+3000, ...)
   * as Python's {@code regex} and the Rust {@code onig} engine behind Hugging Face tokenizers do;
   * without it Java's {@code \s} is ASCII only and pre-tokens would differ on such text.
   */
  static final Pattern PRE_TOKENIZER =
      Pattern.compile(
          "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
          Pattern.UNICODE_CHARACTER_CLASS);

  /** Byte value (0..255) to its printable character. */
  private static final char[] BYTE_TO_CHAR = new char[256];

  /**
   * The 256 bytes in GPT-2's vocabulary order: the printable bytes first, then the rest. Byte
   * {@code ORDER[i]} has token id {@code i} in every vocabulary our trainer writes (as in GPT-2's
   * {@code encoder.json}, where {@code "!"} is id 0).
   */
  private static final int[] ORDER = new int[256];

  static {
    boolean[] printable = new boolean[256];
    int n = 0;
    for (int b = 0; b < 256; b++) {
      if ((b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF)) {
        printable[b] = true;
        BYTE_TO_CHAR[b] = (char) b;
        ORDER[n++] = b;
      }
    }
    int shifted = 0;
    for (int b = 0; b < 256; b++) {
      if (!printable[b]) {
        BYTE_TO_CHAR[b] = (char) (256 + shifted++);
        ORDER[n++] = b;
      }
    }
  }

  private ByteLevel() {}

  /** The printable character that stands for {@code b} (0..255). */
  static char charOf(int b) {
    return BYTE_TO_CHAR[b & 0xFF];
  }

  /** The byte whose token id is {@code id}, for {@code id} in 0..255. */
  static int byteOfInitialId(int id) {
    return ORDER[id];
  }

  /** The UTF-8 bytes of {@code text}, each replaced by its printable character. */
  static String encode(String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    char[] out = new char[bytes.length];
    for (int i = 0; i < bytes.length; i++) {
      out[i] = BYTE_TO_CHAR[bytes[i] & 0xFF];
    }
    return new String(out);
  }
}
