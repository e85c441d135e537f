package org.rlhf4j.core.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The committed tokenizer fixtures and how they are made.
 *
 * <p>Regenerate (after a deliberate change to the trainer) with {@code ./mvnw -q -pl rlhf4j-core
 * -am test -Dtest='org.rlhf4j.core.tokenizer.FixtureRegenerationTest'
 * -Drlhf4j.regenerateFixtures=true -Dsurefire.failIfNoSpecifiedTests=false}.
 */
final class Fixtures {
  static final Path DIR =
      Path.of(System.getProperty("basedir", ".")).resolve("src/test/resources/tokenizer");
  static final Path TINY_DIR = DIR.resolve("tiny");
  static final Path TINY_TEXT = TINY_DIR.resolve("train.txt");
  static final Path TINY_JSON = TINY_DIR.resolve("tokenizer.json");
  static final Path PARITY_STRINGS = DIR.resolve("parity_strings.json");
  static final Path PARITY_JAVA = DIR.resolve("parity_java.json");

  /** The tiny tokenizer's config: 512 tokens, default specials and min frequency. */
  static final BpeConfig TINY_CONFIG = BpeConfig.of(512);

  private Fixtures() {}

  static BpeModel trainTiny() throws IOException {
    return BpeTrainer.trainFiles(TINY_CONFIG, List.of(TINY_TEXT));
  }

  /** Hand-picked edge cases: whitespace runs, contractions, scripts, emoji, specials. */
  static final List<String> EDGE_CASES =
      List.of(
          "",
          " ",
          "  ",
          "\n",
          "\n\n",
          "\t",
          " \t \n ",
          "a  b",
          "a   b",
          "trailing   ",
          "   leading",
          "x \ny",
          "x  \n  y",
          "line1\r\nline2",
          "Hello, world!",
          "don't DON'T it's we've they're I'm you'll he'd",
          "'s 't 're 've 'm 'll 'd",
          "1234567890 3.14159 1,000 v0.36.0",
          "café naïve Zürich straße niño",
          "e\u0301 combining accent",
          "東京は日本の首都です。",
          "Русский язык",
          "Ελληνικά",
          "हिन्दी",
          "العربية",
          "🙂😀👍🚀",
          "👩‍💻 🇫🇷 ❤️",
          "non\u00A0breaking\u00A0space",
          "ideographic\u3000space",
          "line\u2028separator",
          "Ġ is the char U+0120, Ċ is U+010A",
          "control \u0000 \u0001 \u007F chars",
          "<|endoftext|>",
          "Hi<|endoftext|>there",
          "a <|endoftext|> b<|endoftext|><|endoftext|>",
          "<|endoftext",
          "endoftext|>",
          "<|pad|>",
          "text<|pad|><|pad|>",
          "def f(x):\n    return x * 2\n",
          "for (int i = 0; i < n; i++) {\n  s += v[i];\n}",
          "!!! ??? ... --- ;;; :: ()",
          "https://example.org/path?query=1&other=2#top",
          "$5 €20 £3.50 ¥1000 21°C");

  /**
   * The strings compared with Python and the naive reference: the edge cases, every line of the
   * training text, and 200 random mixes of fragments (seeded, so the list is reproducible).
   */
  static List<String> parityStrings() throws IOException {
    List<String> out = new ArrayList<>(EDGE_CASES);
    for (String line : Files.readAllLines(TINY_TEXT, StandardCharsets.UTF_8)) {
      out.add(line);
    }
    String[] fragments = {
      "the",
      " the",
      "model",
      " reward",
      "a",
      " ",
      "  ",
      "   ",
      "\t",
      "\n",
      "\n\n",
      "'s",
      "'ll",
      "n't",
      "don't",
      "é",
      "ü",
      "ß",
      "東京",
      "🙂",
      "👩‍💻",
      "\u00A0",
      "\u3000",
      "123",
      "3.14",
      "!!",
      "...",
      "-",
      "\"",
      "(",
      ")",
      ",",
      "<|endoftext|>",
      "<|pad|>",
      "Ġ",
      "Hello",
      "WORLD",
      "x",
      "ing",
      " and",
      "—",
      "ا",
      "я"
    };
    Random random = new Random(20240517L);
    for (int i = 0; i < 200; i++) {
      StringBuilder sb = new StringBuilder();
      int n = 1 + random.nextInt(12);
      for (int j = 0; j < n; j++) {
        sb.append(fragments[random.nextInt(fragments.length)]);
      }
      out.add(sb.toString());
    }
    return out;
  }

  static List<String> readStrings(Path file) throws IOException {
    List<String> out = new ArrayList<>();
    new ObjectMapper().readTree(file.toFile()).forEach(n -> out.add(n.asText()));
    return out;
  }

  static List<int[]> readIds(Path file) throws IOException {
    List<int[]> out = new ArrayList<>();
    for (var row : new ObjectMapper().readTree(file.toFile()).path("ids")) {
      int[] ids = new int[row.size()];
      for (int i = 0; i < ids.length; i++) {
        ids[i] = row.get(i).asInt();
      }
      out.add(ids);
    }
    return out;
  }

  /** Writes {"generator": ..., "ids": [[...], ...]}, one row per line for readable diffs. */
  static void writeIds(Path file, String generator, List<int[]> rows) throws IOException {
    ObjectMapper mapper = new ObjectMapper();
    StringBuilder sb = new StringBuilder();
    sb.append("{\n  \"generator\": ").append(mapper.writeValueAsString(generator));
    sb.append(",\n  \"ids\": [\n");
    for (int i = 0; i < rows.size(); i++) {
      ArrayNode a = mapper.createArrayNode();
      for (int id : rows.get(i)) {
        a.add(id);
      }
      sb.append("    ").append(mapper.writeValueAsString(a));
      sb.append(i + 1 < rows.size() ? ",\n" : "\n");
    }
    sb.append("  ]\n}\n");
    Files.writeString(file, sb.toString(), StandardCharsets.UTF_8);
  }

  static void writeStrings(Path file, List<String> strings) throws IOException {
    ObjectMapper mapper = new ObjectMapper();
    StringBuilder sb = new StringBuilder("[\n");
    for (int i = 0; i < strings.size(); i++) {
      sb.append("  ").append(mapper.writeValueAsString(strings.get(i)));
      sb.append(i + 1 < strings.size() ? ",\n" : "\n");
    }
    sb.append("]\n");
    Files.writeString(file, sb.toString(), StandardCharsets.UTF_8);
  }
}
