package org.rlhf4j.core.train;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.rlhf4j.core.tokenizer.Tokenizer;

/**
 * Tokenises a one-document-per-line text file into a single stream with EOS after every
 * document, cached next to a given directory under a name derived from the SHA-256 of the text
 * and the tokenizer, so a changed corpus or tokenizer is never read from a stale cache.
 */
public final class CorpusTokens {
  private CorpusTokens() {}

  private static final int MAGIC = 0x524c4854; // "RLHT"

  /** Tokens of {@code textFile} (cached in {@code cacheDir}). */
  public static int[] load(Path textFile, Tokenizer tokenizer, Path cacheDir) throws IOException {
    org.rlhf4j.data.TextFiles.checkNotDirectory(textFile);
    String key = digest(textFile, tokenizer.source());
    Path cache = cacheDir.resolve(textFile.getFileName() + "." + key.substring(0, 16) + ".tokens");
    if (Files.isRegularFile(cache)) {
      try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(cache)))) {
        if (in.readInt() == MAGIC) {
          int n = in.readInt();
          int[] t = new int[n];
          for (int i = 0; i < n; i++) {
            t[i] = in.readInt();
          }
          return t;
        }
      } catch (IOException e) {
        // A torn cache file (killed mid-write is impossible with the atomic move, but a disk
        // error is not): fall through and rebuild it.
      }
    }
    int[] tokens = tokenize(org.rlhf4j.data.TextFiles.readLines(textFile), tokenizer);
    org.rlhf4j.data.AtomicWrites.writeStream(cache, raw -> {
      DataOutputStream out = new DataOutputStream(new BufferedOutputStream(raw));
      out.writeInt(MAGIC);
      out.writeInt(tokens.length);
      for (int t : tokens) {
        out.writeInt(t);
      }
      out.flush();
    });
    return tokens;
  }

  /** Documents (blank lines skipped) encoded and joined, EOS after each. */
  public static int[] tokenize(List<String> documents, Tokenizer tokenizer) {
    List<String> docs = documents.stream().filter(d -> !d.isBlank()).toList();
    int eos = tokenizer.eosId();
    List<int[]> parts = new ArrayList<>(docs.size());
    long total = 0;
    int chunk = 512;
    for (int s = 0; s < docs.size(); s += chunk) {
      for (int[] ids : tokenizer.encodeBatch(docs.subList(s, Math.min(docs.size(), s + chunk)))) {
        parts.add(ids);
        total += ids.length + 1;
      }
    }
    int[] out = new int[Math.toIntExact(total)];
    int k = 0;
    for (int[] p : parts) {
      System.arraycopy(p, 0, out, k, p.length);
      k += p.length;
      out[k++] = eos;
    }
    return out;
  }

  private static String digest(Path text, Path tokenizerFile) throws IOException {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update(Files.readAllBytes(text));
      if (tokenizerFile != null) {
        md.update(Files.readAllBytes(tokenizerFile));
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
