package org.rlhf4j.label;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.rlhf4j.data.DataFormatException;
import org.rlhf4j.data.Prompt;

/**
 * Candidates read from JSONL, one line per prompt: {@code {"prompt_id": "p1", "responses": ["...",
 * "..."]}}. A prompt needs at least K responses; the first K are used.
 */
public final class JsonlCandidateSource implements CandidateSource {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final Map<String, List<String>> byPromptId;

  private JsonlCandidateSource(Map<String, List<String>> byPromptId) {
    this.byPromptId = byPromptId;
  }

  public static JsonlCandidateSource read(Path file) throws IOException {
    try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      return parse(file, in);
    }
  }

  /** Parses the JSONL text; {@code origin} names it in error messages. */
  public static JsonlCandidateSource parse(Path origin, String text) throws IOException {
    return parse(origin, new StringReader(text));
  }

  /**
   * Parses JSONL read line by line from {@code in} (not closed); {@code origin} names it in error
   * messages. Each response may have at most {@link ProjectSpec#MAX_TEXT} characters.
   */
  public static JsonlCandidateSource parse(Path origin, Reader in) throws IOException {
    Map<String, List<String>> map = new HashMap<>();
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
      JsonNode responses = node.get("responses");
      if (responses == null || !responses.isArray() || responses.isEmpty()) {
        throw new DataFormatException(origin, line, "responses", "expected a non-empty list of strings");
      }
      List<String> list = new ArrayList<>();
      for (JsonNode r : responses) {
        if (!r.isTextual()) {
          throw new DataFormatException(origin, line, "responses", "expected strings only");
        }
        if (r.asText().length() > ProjectSpec.MAX_TEXT) {
          throw new DataFormatException(origin, line, "responses", "a response exceeds " + ProjectSpec.MAX_TEXT + " characters");
        }
        list.add(r.asText());
      }
      if (id.asText().length() > ProjectSpec.MAX_NAME) {
        throw new DataFormatException(origin, line, "prompt_id", "exceeds " + ProjectSpec.MAX_NAME + " characters");
      }
      if (map.put(id.asText(), List.copyOf(list)) != null) {
        throw new DataFormatException(origin, line, "prompt_id", "duplicate id " + id.asText());
      }
    });
    if (map.isEmpty()) {
      throw new DataFormatException(origin, 0, null, "no records");
    }
    return new JsonlCandidateSource(map);
  }

  @Override
  public List<String> generate(Prompt prompt, int k) throws IOException {
    List<String> responses = byPromptId.get(prompt.id());
    if (responses == null) {
      throw new IOException("no candidates for prompt_id " + prompt.id());
    }
    if (responses.size() < k) {
      throw new IOException(
          "prompt_id " + prompt.id() + " has " + responses.size() + " candidates, K = " + k);
    }
    return responses.subList(0, k);
  }
}
