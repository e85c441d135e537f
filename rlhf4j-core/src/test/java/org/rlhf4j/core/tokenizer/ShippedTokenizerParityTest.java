package org.rlhf4j.core.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The shipped tokenizer (models/tokenizer/tokenizer.json) encodes the parity strings exactly as
 * Hugging Face's Python {@code tokenizers} does (parity_python_shipped.json, made by
 * src/test/python/device_fixtures.sh).
 */
class ShippedTokenizerParityTest {
  @Test
  void javaEncodingEqualsPythonTokenizers() throws Exception {
    ObjectMapper json = new ObjectMapper();
    Path res = Path.of(getClass().getResource("/tokenizer").toURI());
    JsonNode strings = json.readTree(res.resolve("parity_strings.json").toFile());
    JsonNode python = json.readTree(res.resolve("parity_python_shipped.json").toFile()).get("ids");
    try (Tokenizer tok = Tokenizer.load(Path.of("..", "models", "tokenizer", "tokenizer.json"))) {
      assertEquals(4096, tok.vocabSize());
      JsonNode list = strings.isArray() ? strings : strings.get("strings");
      assertEquals(list.size(), python.size());
      for (int i = 0; i < list.size(); i++) {
        int[] expected = new int[python.get(i).size()];
        for (int j = 0; j < expected.length; j++) {
          expected[j] = python.get(i).get(j).asInt();
        }
        assertArrayEquals(expected, tok.encode(list.get(i).asText()), "string " + i);
      }
    }
  }
}
