package org.rlhf4j.core.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BpeTrainerTest {

  private static List<String> merges(BpeModel m) {
    return m.merges().stream().map(x -> x.left() + " " + x.right()).toList();
  }

  @Test
  void learnsMostFrequentPairsFirst() {
    // Pre-tokens: "ab" once, " ab" twice. (a,b) occurs 3 times, (Ġ,a) twice.
    BpeModel m =
        BpeTrainer.train(
            new BpeConfig(260, 1, BpeConfig.DEFAULT_SPECIALS), List.of("ab ab ab").iterator());
    assertEquals(List.of("a b", "Ġ ab"), merges(m));
    assertEquals(260, m.vocab().size());
    assertEquals("ab", m.vocab().get(256));
    assertEquals("Ġab", m.vocab().get(257));
    assertEquals(258, m.specialId(BpeConfig.EOS));
    assertEquals(259, m.specialId(BpeConfig.PAD));
  }

  @Test
  void byteAlphabetIsGpt2Order() {
    BpeModel m = BpeTrainer.train(BpeConfig.of(258), List.<String>of().iterator());
    assertEquals("!", m.vocab().get(0)); // as in GPT-2's encoder.json
    assertEquals("Ġ", m.vocab().get(220)); // the space byte
    assertEquals("Ċ", m.vocab().get(198)); // the newline byte
    assertEquals(258, m.vocab().size());
  }

  @Test
  void tiesGoToSmallerIds() {
    // Every pair occurs once: (a,b) [ids 64,65] < (c,d) [66,67] < (Ġ,c) [220,66].
    BpeModel m =
        BpeTrainer.train(
            new BpeConfig(261, 1, BpeConfig.DEFAULT_SPECIALS), List.of("ab cd").iterator());
    assertEquals(List.of("a b", "c d", "Ġ cd"), merges(m));
  }

  @Test
  void stopsBelowMinFrequency() {
    BpeModel m =
        BpeTrainer.train(
            new BpeConfig(4096, 3, BpeConfig.DEFAULT_SPECIALS), List.of("ab ab ab xy").iterator());
    assertEquals(List.of("a b"), merges(m)); // (a,b) has 3, everything else fewer
    assertEquals(256 + 1 + 2, m.vocab().size());
  }

  @Test
  void specialTokensAreNotLearntFrom() {
    String text = "<|endoftext|>".repeat(50) + " hello" + "<|pad|>".repeat(50);
    BpeModel m =
        BpeTrainer.train(
            new BpeConfig(300, 1, BpeConfig.DEFAULT_SPECIALS), List.of(text).iterator());
    for (String merge : merges(m)) {
      assertFalse(merge.contains("|") || merge.contains("<"), merge);
    }
    assertEquals(m.vocab().size() - 2, m.specialId(BpeConfig.EOS));
  }

  @Test
  void deterministicAndMatchesCommittedFixture() throws IOException {
    String a = Fixtures.trainTiny().toTokenizerJson();
    String b = Fixtures.trainTiny().toTokenizerJson();
    assertEquals(a, b);
    assertEquals(
        Files.readString(Fixtures.TINY_JSON, StandardCharsets.UTF_8), a, "regenerate fixtures?");
  }

  @Test
  void documentSplitDoesNotChangeCountsOfWholePreTokens() {
    // Same pre-tokens fed as one document or two (split at a pre-token boundary) train the same.
    BpeConfig c = new BpeConfig(400, 1, BpeConfig.DEFAULT_SPECIALS);
    BpeModel one = BpeTrainer.train(c, List.of("the cat sat on the mat").iterator());
    BpeModel two = BpeTrainer.train(c, List.of("the cat sat", " on the mat").iterator());
    assertEquals(one, two);
  }

  /**
   * Random texts over a tiny alphabet, minFrequency 1: many ties, repeated letters ("aaa" merges
   * left to right) and long words. The native tokenizer must equal the naive reference and
   * round-trip on all of them.
   */
  @Test
  void randomSmallAlphabetCorporaEncodeLikeReference(@TempDir Path dir) throws IOException {
    for (int seed = 0; seed < 6; seed++) {
      Random r = new Random(seed);
      List<String> texts = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        texts.add(randomText(r, 30));
      }
      BpeModel m =
          BpeTrainer.train(new BpeConfig(330, 1, BpeConfig.DEFAULT_SPECIALS), texts.iterator());
      Path file = dir.resolve("tok" + seed + ".json");
      m.write(file);
      ReferenceBpe ref = new ReferenceBpe(file);
      try (Tokenizer tok = Tokenizer.load(file);
          Tokenizer nativeTok = Tokenizer.load(file, Tokenizer.SpecialTokens.AUTO, false)) {
        assertTrue(tok.usesJavaEncoder());
        for (int i = 0; i < 30; i++) {
          String s = randomText(r, 40);
          int[] expected = ref.encode(s).stream().mapToInt(Integer::intValue).toArray();
          assertArrayEquals(expected, nativeTok.encode(s), "native, seed " + seed + ": " + s);
          assertArrayEquals(expected, tok.encode(s), "Java, seed " + seed + ": " + s);
          assertEquals(s, tok.decode(tok.encode(s)));
        }
      }
    }
  }

  private static String randomText(Random r, int n) {
    String alphabet = "aabbc  é";
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < n; i++) {
      sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
    }
    return sb.toString();
  }

  @Test
  void writesAtomicallyReadableFile(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("sub/tokenizer.json");
    BpeModel m = BpeTrainer.train(BpeConfig.of(300), List.of("hello hello world").iterator());
    m.write(file);
    m.write(file); // replaces
    assertEquals(m.toTokenizerJson(), Files.readString(file));
    try (var files = Files.list(file.getParent())) {
      assertEquals(1, files.count(), "no temp files left behind");
    }
  }

  @Test
  void trainFilesRejectsInvalidUtf8NamingTheFile(@TempDir Path dir) throws IOException {
    Path bad = dir.resolve("bad.txt");
    Files.write(bad, new byte[] {'o', 'k', (byte) 0xC3, (byte) 0x28});
    IOException e =
        assertThrows(
            IOException.class, () -> BpeTrainer.trainFiles(BpeConfig.of(300), List.of(bad)));
    assertTrue(e.getMessage().contains(bad.toString()), e.getMessage());
  }

  @Test
  void configValidation() {
    assertThrows(
        IllegalArgumentException.class, () -> new BpeConfig(257, 1, BpeConfig.DEFAULT_SPECIALS));
    assertThrows(
        IllegalArgumentException.class, () -> new BpeConfig(4096, 0, BpeConfig.DEFAULT_SPECIALS));
    assertThrows(
        IllegalArgumentException.class, () -> new BpeConfig(4096, 1, List.of("<a>", "<a>")));
    assertThrows(IllegalArgumentException.class, () -> new BpeConfig(4096, 1, List.of("")));
    assertThrows(IllegalArgumentException.class, () -> new BpeConfig(4096, 1, null));
    assertEquals(258, new BpeConfig(258, 1, BpeConfig.DEFAULT_SPECIALS).vocabSize()); // smallest
    assertEquals(256, new BpeConfig(256, 1, List.of()).vocabSize());
  }
}
