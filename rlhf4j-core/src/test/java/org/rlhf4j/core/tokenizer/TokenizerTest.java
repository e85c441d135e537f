package org.rlhf4j.core.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TokenizerTest {
  /** Encodes with the Java byte-level BPE encoder (the default for our files). */
  private static Tokenizer tok;

  /** The same file, encoding through DJL's native library only. */
  private static Tokenizer nativeTok;

  private static List<String> parity;

  @BeforeAll
  static void load() throws IOException {
    tok = Tokenizer.load(Fixtures.TINY_JSON);
    nativeTok = Tokenizer.load(Fixtures.TINY_JSON, Tokenizer.SpecialTokens.AUTO, false);
    parity = Fixtures.readStrings(Fixtures.PARITY_STRINGS);
  }

  @AfterAll
  static void close() {
    tok.close();
    nativeTok.close();
  }

  @Test
  void specialTokensResolvedAndDistinct() {
    assertEquals(512, tok.vocabSize());
    assertEquals("<|endoftext|>", tok.tokenString(tok.eosId()));
    assertEquals("<|pad|>", tok.tokenString(tok.padId()));
    assertNotEquals(tok.eosId(), tok.padId());
    assertEquals(-1, tok.bosId());
    assertEquals(tok.eosId(), tok.tokenId("<|endoftext|>"));
    assertEquals(-1, tok.tokenId("no such token"));
    assertEquals("Ġ", tok.tokenString(tok.encode(" ")[0]));
  }

  @Test
  void roundTripsExactly() {
    List<String> texts = new ArrayList<>(Fixtures.EDGE_CASES);
    texts.addAll(parity);
    int checked = 0;
    for (String s : texts) {
      if (s.contains(BpeConfig.PAD)) {
        continue; // decode drops pad by design; covered below
      }
      assertEquals(s, tok.decode(tok.encode(s)), () -> "round trip of " + quote(s));
      checked++;
    }
    assertTrue(checked > 250, "checked " + checked);
  }

  @Test
  void specialTokensInTextAreSingleTokensAndDecodeDropsPad() {
    int[] ids = tok.encode("Hi<|endoftext|>there<|pad|>");
    int eosAt = indexOf(ids, tok.eosId());
    assertTrue(eosAt > 0, Arrays.toString(ids));
    assertEquals(ids.length - 1, indexOf(ids, tok.padId()));
    assertEquals("Hi<|endoftext|>there", tok.decode(ids));
    assertEquals("a", tok.decode(new int[] {tok.padId(), tok.padId(), tok.encode("a")[0]}));
    assertEquals("<|endoftext|>", tok.decode(new int[] {tok.eosId()}));
    assertThrows(IllegalArgumentException.class, () -> tok.decode(new int[] {512}));
    assertThrows(IllegalArgumentException.class, () -> tok.decode(new int[] {-1}));
  }

  @Test
  void noSpecialTokensAddedNoPaddingNoTruncation() {
    for (Tokenizer t : List.of(nativeTok, tok)) {
      assertEquals(0, t.encode("").length);
      String longText = "the model ".repeat(2000); // far beyond DJL's default 512-token truncation
      int[] ids = t.encode(longText);
      assertTrue(ids.length > 2000, "length " + ids.length);
      assertEquals(longText, t.decode(ids));
      List<int[]> batch = t.encodeBatch(List.of("a", "a much longer text than the first", ""));
      assertArrayEquals(t.encode("a"), batch.get(0)); // not padded to the longest
      assertArrayEquals(t.encode("a much longer text than the first"), batch.get(1));
      assertEquals(0, batch.get(2).length);
    }
  }

  @Test
  void encodeBatchEqualsEncode() {
    List<int[]> batch = tok.encodeBatch(parity);
    for (int i = 0; i < parity.size(); i++) {
      assertArrayEquals(tok.encode(parity.get(i)), batch.get(i), quote(parity.get(i)));
    }
  }

  /** Native encoding equals the naive reference BPE (merges applied by rank per pre-token). */
  @Test
  void matchesNaiveReferenceEncoder() throws IOException {
    ReferenceBpe ref = new ReferenceBpe(Fixtures.TINY_JSON);
    List<String> texts = new ArrayList<>(parity);
    texts.add(Files.readString(Fixtures.TINY_TEXT, StandardCharsets.UTF_8));
    for (String s : texts) {
      int[] expected = ref.encode(s).stream().mapToInt(Integer::intValue).toArray();
      assertArrayEquals(expected, nativeTok.encode(s), () -> "native encoding of " + quote(s));
      assertArrayEquals(expected, tok.encode(s), () -> "Java encoding of " + quote(s));
    }
    assertTrue(texts.size() >= 300, "compared " + texts.size());
  }

  /** The committed Java encodings are current (catches silent changes in DJL or the trainer). */
  @Test
  void matchesCommittedJavaEncodings() throws IOException {
    List<int[]> committed = Fixtures.readIds(Fixtures.PARITY_JAVA);
    assertEquals(parity.size(), committed.size());
    for (int i = 0; i < parity.size(); i++) {
      assertArrayEquals(committed.get(i), tok.encode(parity.get(i)), quote(parity.get(i)));
    }
  }

  /**
   * Hugging Face's own library gives the same ids: {@code parity_python.json} (Python {@code
   * tokenizers}, once the lead has run check_tokenizer.py) and {@code parity_node.json} (its Node
   * binding, 0.23.2, from check_tokenizer.mjs). Each is compared if present.
   */
  @ParameterizedTest
  @ValueSource(strings = {"parity_python.json", "parity_node.json"})
  void matchesHuggingFaceTokenizersIfFixturePresent(String name) throws IOException {
    Path file = Fixtures.DIR.resolve(name);
    assumeTrue(Files.exists(file), "no " + name + ": see src/test/python/check_tokenizer.*");
    List<int[]> reference = Fixtures.readIds(file);
    assertEquals(parity.size(), reference.size());
    for (int i = 0; i < parity.size(); i++) {
      assertArrayEquals(reference.get(i), nativeTok.encode(parity.get(i)), quote(parity.get(i)));
      assertArrayEquals(reference.get(i), tok.encode(parity.get(i)), quote(parity.get(i)));
    }
  }

  @Test
  void javaEncoderEqualsNativeOnLongAndBatchedText() throws IOException {
    assertTrue(tok.usesJavaEncoder());
    assertFalse(nativeTok.usesJavaEncoder());
    String text = Files.readString(Fixtures.TINY_TEXT, StandardCharsets.UTF_8);
    String huge = (text + "<|endoftext|>").repeat(20) + " ".repeat(5000) + "x".repeat(3000);
    assertArrayEquals(nativeTok.encode(huge), tok.encode(huge));
    assertArrayEquals(nativeTok.encode(huge), tok.encode(huge)); // now from the cache
    List<int[]> a = tok.encodeBatch(parity);
    List<int[]> b = nativeTok.encodeBatch(parity);
    for (int i = 0; i < parity.size(); i++) {
      assertArrayEquals(b.get(i), a.get(i), quote(parity.get(i)));
    }
  }

  @Test
  void otherPipelinesFallBackToNative(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("tokenizer.json");
    String json = Files.readString(Fixtures.TINY_JSON, StandardCharsets.UTF_8);
    Files.writeString(
        file, json.replace("\"normalizer\": null", "\"normalizer\": {\"type\": \"Lowercase\"}"));
    try (Tokenizer t = Tokenizer.load(file)) {
      assertFalse(t.usesJavaEncoder());
      assertArrayEquals(tok.encode("hello world"), t.encode("HELLO World"));
    }
  }

  @Test
  void loadsFromDirectory() throws IOException {
    try (Tokenizer t = Tokenizer.load(Fixtures.TINY_DIR)) {
      assertEquals(Fixtures.TINY_JSON, t.source());
      assertArrayEquals(tok.encode("Hello world"), t.encode("Hello world"));
    }
  }

  @Test
  void explicitOverrideAndTokenizerConfig(@TempDir Path dir) throws IOException {
    Path json = dir.resolve("tokenizer.json");
    Files.copy(Fixtures.TINY_JSON, json);
    // An ordinary vocabulary entry may be named as pad explicitly.
    try (Tokenizer t = Tokenizer.load(json, new Tokenizer.SpecialTokens(null, "Ġ", "<|pad|>"))) {
      assertEquals(t.tokenId("Ġ"), t.padId());
      assertEquals(t.tokenId("<|pad|>"), t.bosId());
      assertEquals(t.tokenId("<|endoftext|>"), t.eosId());
    }
    IOException e =
        assertThrows(
            IOException.class,
            () -> Tokenizer.load(json, new Tokenizer.SpecialTokens(null, "<|nope|>", null)));
    assertTrue(e.getMessage().contains(json.toString()) && e.getMessage().contains("<|nope|>"));
    // tokenizer_config.json next to the file is honoured (Hugging Face layout).
    Files.writeString(
        dir.resolve("tokenizer_config.json"),
        "{\"eos_token\": {\"content\": \"<|pad|>\"}, \"pad_token\": \"<|endoftext|>\"}");
    try (Tokenizer t = Tokenizer.load(dir)) {
      assertEquals(t.tokenId("<|pad|>"), t.eosId());
      assertEquals(t.tokenId("<|endoftext|>"), t.padId());
    }
  }

  @Test
  void missingFileNamesTheFile(@TempDir Path dir) {
    Path missing = dir.resolve("nope/tokenizer.json");
    IOException e = assertThrows(IOException.class, () -> Tokenizer.load(missing));
    assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    IOException d = assertThrows(IOException.class, () -> Tokenizer.load(dir)); // no tokenizer.json
    assertTrue(d.getMessage().contains(dir.resolve("tokenizer.json").toString()), d.getMessage());
  }

  @Test
  void invalidJsonNamesTheFile(@TempDir Path dir) throws IOException {
    Path bad = dir.resolve("tokenizer.json");
    Files.writeString(bad, "{\"model\": {\"vocab\": ");
    IOException e = assertThrows(IOException.class, () -> Tokenizer.load(bad));
    assertTrue(e.getMessage().contains(bad.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("invalid JSON"), e.getMessage());

    Files.writeString(bad, "[1, 2, 3]");
    e = assertThrows(IOException.class, () -> Tokenizer.load(bad));
    assertTrue(e.getMessage().contains(bad.toString()), e.getMessage());

    Files.write(bad, new byte[] {'{', (byte) 0xFF, (byte) 0xFE, '}'});
    e = assertThrows(IOException.class, () -> Tokenizer.load(bad));
    assertTrue(e.getMessage().contains(bad.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("UTF-8"), e.getMessage());
  }

  /** A stray id of 2e9 used to allocate a 2e9-entry table: OutOfMemoryError (issue 16). */
  @Test
  void hugeTokenIdOrDirectoryNamesTheFile(@TempDir Path dir) throws IOException {
    Path bad = dir.resolve("tokenizer.json");
    var root = (com.fasterxml.jackson.databind.node.ObjectNode)
        new com.fasterxml.jackson.databind.ObjectMapper().readTree(Fixtures.TINY_JSON.toFile());
    ((com.fasterxml.jackson.databind.node.ObjectNode) root.path("model").path("vocab")).put("zzz", 2_000_000_000);
    Files.writeString(bad, root.toString());
    IOException e = assertThrows(IOException.class, () -> Tokenizer.load(bad));
    assertTrue(e.getMessage().contains(bad.toString()) && e.getMessage().contains("'zzz' has id 2000000000"),
        e.getMessage());

    Path nested = Files.createDirectories(dir.resolve("nested").resolve("tokenizer.json"));
    IOException d = assertThrows(IOException.class, () -> Tokenizer.load(nested.getParent()));
    assertTrue(d.getMessage().contains(nested.toString()) && d.getMessage().contains("is a directory"), d.getMessage());
  }

  @Test
  void schemaTheNativeLibraryRejectsNamesTheFile(@TempDir Path dir) throws IOException {
    Path bad = dir.resolve("tokenizer.json");
    String json =
        Files.readString(Fixtures.TINY_JSON).replace("\"type\": \"BPE\"", "\"type\": \"Nonsense\"");
    Files.writeString(bad, json);
    IOException e = assertThrows(IOException.class, () -> Tokenizer.load(bad));
    assertTrue(e.getMessage().contains(bad.toString()), e.getMessage());
  }

  @Test
  void padEqualToEosIsRejected(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("tokenizer.json");
    Files.copy(Fixtures.TINY_JSON, file);
    IOException e =
        assertThrows(
            IOException.class,
            () -> Tokenizer.load(file, new Tokenizer.SpecialTokens(null, "<|endoftext|>", null)));
    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("pad and EOS are the same"), e.getMessage());
  }

  @Test
  void missingPadIsRejected(@TempDir Path dir) throws IOException {
    // A GPT-2 style file: only <|endoftext|>, no pad token.
    BpeModel noPad =
        BpeTrainer.train(
            new BpeConfig(300, 1, List.of(BpeConfig.EOS)), List.of("the cat sat").iterator());
    Path file = dir.resolve("tokenizer.json");
    noPad.write(file);
    IOException e = assertThrows(IOException.class, () -> Tokenizer.load(file));
    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("no pad token"), e.getMessage());
  }

  private static int indexOf(int[] a, int v) {
    for (int i = 0; i < a.length; i++) {
      if (a[i] == v) {
        return i;
      }
    }
    return -1;
  }

  private static String quote(String s) {
    StringBuilder sb = new StringBuilder("\"");
    s.codePoints()
        .forEach(
            c -> {
              if (c < 0x20 || c == 0x7F || (c >= 0x80 && Character.isWhitespace(c))) {
                sb.append(String.format("\\u%04X", c));
              } else {
                sb.appendCodePoint(c);
              }
            });
    return sb.append('"').toString();
  }
}
