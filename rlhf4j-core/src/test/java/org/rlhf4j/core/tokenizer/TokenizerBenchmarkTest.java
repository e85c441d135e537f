package org.rlhf4j.core.tokenizer;

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
    try (Tokenizer tok = Tokenizer.load(file)) {
      // Chunks of ~4 KB: the size of a few SFT examples, where per-call overhead shows.
      List<String> chunks = new ArrayList<>();
      for (String d : docs) {
        for (int i = 0; i < d.length(); i += 4096) {
          chunks.add(d.substring(i, Math.min(d.length(), i + 4096)));
        }
      }
      for (int warm = 0; warm < 2; warm++) {
        chunks.subList(0, Math.min(200, chunks.size())).forEach(tok::encode);
      }
      long tokens = 0;
      t0 = System.nanoTime();
      for (String c : chunks) {
        tokens += tok.encode(c).length;
      }
      double encS = (System.nanoTime() - t0) / 1e9;
      System.out.printf(
          "encode (4 KB chunks, one call each): %d tokens, %.2f bytes/token, %.1f MB/s, %.0f"
              + " tokens/s%n",
          tokens, bytes / (double) tokens, bytes / 1e6 / encS, tokens / encS);

      t0 = System.nanoTime();
      long batched = 0;
      for (int i = 0; i < chunks.size(); i += 256) {
        for (int[] ids : tok.encodeBatch(chunks.subList(i, Math.min(chunks.size(), i + 256)))) {
          batched += ids.length;
        }
      }
      double batchS = (System.nanoTime() - t0) / 1e9;
      assertEquals(tokens, batched);
      System.out.printf(
          "encodeBatch (256 chunks per call): %.1f MB/s, %.0f tokens/s%n",
          bytes / 1e6 / batchS, batched / batchS);

      t0 = System.nanoTime();
      long decodedChars = 0;
      for (String c : chunks.subList(0, Math.min(2000, chunks.size()))) {
        decodedChars += tok.decode(tok.encode(c)).length();
      }
      System.out.printf(
          "encode+decode round trip: %.1f MB/s (chars)%n",
          decodedChars / 1e6 / ((System.nanoTime() - t0) / 1e9));
    }
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
