package org.rlhf4j.label;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.rlhf4j.data.DataFormatException;
import org.rlhf4j.data.Prompt;

/**
 * A/B responses read from two JSONL files, one per model, each line {@code {"prompt_id": "p1",
 * "response": "..."}} (other fields, e.g. {@code prompt}, are ignored).
 */
public final class JsonlPairSource implements PairSource {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final String modelA;
  private final String modelB;
  private final Map<String, String> a;
  private final Map<String, String> b;

  public JsonlPairSource(String modelA, Map<String, String> a, String modelB, Map<String, String> b) {
    ProjectSpec.checkName(modelA, "model A's name");
    ProjectSpec.checkName(modelB, "model B's name");
    this.modelA = modelA;
    this.modelB = modelB;
    this.a = Map.copyOf(a);
    this.b = Map.copyOf(b);
  }

  public static JsonlPairSource read(String modelA, Path fileA, String modelB, Path fileB)
      throws IOException {
    try (Reader a = Files.newBufferedReader(fileA, StandardCharsets.UTF_8);
        Reader b = Files.newBufferedReader(fileB, StandardCharsets.UTF_8)) {
      return new JsonlPairSource(modelA, parse(fileA, a), modelB, parse(fileB, b));
    }
  }

  /** Parses one model's {@code {"prompt_id", "response"}} lines. */
  public static Map<String, String> parse(Path origin, String text) throws IOException {
    return parse(origin, new StringReader(text));
  }

  /**
   * Parses one model's {@code {"prompt_id", "response"}} lines read from {@code in} (not closed);
   * each response may have at most {@link ProjectSpec#MAX_TEXT} characters.
   */
  public static Map<String, String> parse(Path origin, Reader in) throws IOException {
    Map<String, String> map = new HashMap<>();
    JsonlLines.forEach(in, (line, text) -> {
      JsonNode node;
      try {
        node = MAPPER.readTree(text);
      } catch (IOException e) {
        throw new DataFormatException(origin, line, null, "malformed JSON");
      }
      JsonNode id = node == null ? null : node.get("prompt_id");
      if (id == null || !id.isTextual() || id.asText().isBlank()) {
        throw new DataFormatException(origin, line, "prompt_id", "is required");
      }
      if (id.asText().length() > ProjectSpec.MAX_NAME) {
        throw new DataFormatException(origin, line, "prompt_id", "exceeds " + ProjectSpec.MAX_NAME + " characters");
      }
      JsonNode response = node.get("response");
      if (response == null || !response.isTextual()) {
        throw new DataFormatException(origin, line, "response", "expected a string");
      }
      if (response.asText().length() > ProjectSpec.MAX_TEXT) {
        throw new DataFormatException(origin, line, "response", "exceeds " + ProjectSpec.MAX_TEXT + " characters");
      }
      if (map.put(id.asText(), response.asText()) != null) {
        throw new DataFormatException(origin, line, "prompt_id", "duplicate id " + id.asText());
      }
    });
    if (map.isEmpty()) {
      throw new DataFormatException(origin, 0, null, "no records");
    }
    return map;
  }

  @Override
  public String modelA() {
    return modelA;
  }

  @Override
  public String modelB() {
    return modelB;
  }

  @Override
  public Responses responses(Prompt prompt) throws IOException {
    String ra = a.get(prompt.id());
    String rb = b.get(prompt.id());
    if (ra == null || rb == null) {
      throw new IOException(
          "no response for prompt_id " + prompt.id() + " from " + (ra == null ? modelA : modelB));
    }
    return new Responses(ra, rb);
  }
}
