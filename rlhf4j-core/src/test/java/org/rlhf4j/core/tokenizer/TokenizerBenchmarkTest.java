package org.rlhf4j.core.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training and encoding speed on ~5 MB of real English text (the system's plain-text docs). Not
 * part of the default suite: {@code ./mvnw -q -pl rlhf4j-core -am test
 * -Dtest='org.rlhf4j.core.tokenizer.TokenizerBenchmarkTest' -Drlhf4j.bench=true
 * -Dsurefire.failIfNoSpecifiedTests=false}; {@code -Drlhf4j.bench.mb=N} changes the size.
 */
@EnabledIfSystemProperty(named = "rlhf4j.bench", matches = "true")
class TokenizerBenchmarkTest {

  @Test
  void trainAndEncodeSpeed(@TempDir Path dir) throws IOException {
    long targetBytes =
        (long) (Double.parseDouble(System.getProperty("rlhf4j.bench.mb", "5")) * 1e6);
    List<String> docs = corpus(targetBytes);
    long bytes = docs.stream().mapToLong(d -> d.getBytes(StandardCharsets.UTF_8).length).sum();
    System.out.printf("corpus: %d documents, %.2f MB%n", docs.size(), bytes / 1e6);

    BpeConfig config = BpeConfig.of(4096);
    long t0 = System.nanoTime();
    BpeModel model = BpeTrainer.train(config, docs.iterator());
    double trainS = (System.nanoTime() - t0) / 1e9;
    System.out.printf(
        "train: vocab %d (%d merges) in %.2f s%n",
        model.vocab().size(), model.merges().size(), trainS);
    assertEquals(4096, model.vocab().size());

    Path file = dir.resolve("tokenizer.json");
    model.write(file);
    // Chunks of ~4 KB: the size of a few SFT examples, where per-call overhead shows.
    List<String> chunks = new ArrayList<>();
    for (String d : docs) {
      for (int i = 0; i < d.length(); i += 4096) {
        chunks.add(d.substring(i, Math.min(d.length(), i + 4096)));
      }
    }
    try (Tokenizer nativeTok = Tokenizer.load(file, Tokenizer.SpecialTokens.AUTO, false);
        Tokenizer javaTok = Tokenizer.load(file)) {
      List<int[]> nativeIds = encodeTimed("native encode", nativeTok, chunks, bytes);
      List<int[]> javaIds = encodeTimed("Java encode (cold cache)", javaTok, chunks, bytes);
      encodeTimed("Java encode (warm cache)", javaTok, chunks, bytes);
      for (int i = 0; i < chunks.size(); i++) {
        assertArrayEquals(nativeIds.get(i), javaIds.get(i), "chunk " + i);
      }
      System.out.printf("Java and native ids equal on all %d chunks%n", chunks.size());

      long t = System.nanoTime();
      long batched = 0;
      for (int i = 0; i < chunks.size(); i += 256) {
        for (int[] ids :
            nativeTok.encodeBatch(chunks.subList(i, Math.min(chunks.size(), i + 256)))) {
          batched += ids.length;
        }
      }
      System.out.printf(
          "native encodeBatch (256 chunks per call): %.1f MB/s%n",
          bytes / 1e6 / ((System.nanoTime() - t) / 1e9));

      t = System.nanoTime();
      long decodedChars = 0;
      for (int[] ids : javaIds) {
        decodedChars += nativeTok.decode(ids).length();
      }
      System.out.printf(
          "decode: %.1f MB/s (chars)%n", decodedChars / 1e6 / ((System.nanoTime() - t) / 1e9));
    }
  }

  private static List<int[]> encodeTimed(
      String label, Tokenizer tok, List<String> chunks, long bytes) {
    long cpu0 = cpuNanos();
    long t0 = System.nanoTime();
    List<int[]> out = new ArrayList<>(chunks.size());
    long tokens = 0;
    for (String c : chunks) {
      int[] ids = tok.encode(c);
      out.add(ids);
      tokens += ids.length;
    }
    double s = (System.nanoTime() - t0) / 1e9;
    double cpu = (cpuNanos() - cpu0) / 1e9;
    System.out.printf(
        "%s, 4 KB chunks: %d tokens (%.2f bytes/token), %.1f MB/s wall, %.1f MB/s per CPU-second,"
            + " %.0f tokens/s%n",
        label, tokens, bytes / (double) tokens, bytes / 1e6 / s, bytes / 1e6 / cpu, tokens / s);
    return out;
  }

  private static long cpuNanos() {
    return java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
  }

  /** Plain-text docs from /usr/share (sorted, so reproducible), repeated up to the target size. */
  private static List<String> corpus(long targetBytes) throws IOException {
    List<String> texts = new ArrayList<>();
    for (String root : List.of("/usr/share/common-licenses", "/usr/share/vim", "/usr/share/doc")) {
      Path r = Path.of(root);
      if (!Files.isDirectory(r)) {
        continue;
      }
      try (Stream<Path> s = Files.walk(r)) {
        for (Path p : s.filter(Files::isRegularFile).sorted().toList()) {
          String name = p.getFileName().toString();
          if (name.endsWith(".gz") || name.endsWith(".html") || Files.size(p) < 2000) {
            continue;
          }
          try {
            texts.add(
                StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(Files.readAllBytes(p)))
                    .toString());
          } catch (CharacterCodingException binary) {
            // not text
          }
        }
      }
    }
    if (texts.isEmpty()) {
      texts.add("The quick brown fox jumps over the lazy dog. ".repeat(1000));
    }
    List<String> out = new ArrayList<>();
    long total = 0;
    for (int i = 0; total < targetBytes; i = (i + 1) % texts.size()) {
      out.add(texts.get(i));
      total += texts.get(i).length();
    }
    return out;
  }
}
