package org.rlhf4j.data;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads demonstrations and rankings from our own JSONL or from common foreign formats, detecting
 * the format from the fields of the first record. Every later record must have the same format
 * (a mixed file is almost always two files concatenated by mistake, so it is an error).
 *
 * <p>Demonstrations: ours ({@code prompt}, {@code response}); TRL prompt-completion ({@code
 * prompt}, {@code completion}); chat ({@code messages}: role/content turns, the last assistant turn
 * is the response and all turns before it form the prompt, see {@link #renderTurns}).
 *
 * <p>Rankings: ours ({@code responses}, {@code ranking}); TRL preference ({@code prompt}, {@code
 * chosen}, {@code rejected}) as K = 2, where each of the three may also be a list of chat messages
 * (TRL's conversational form).
 */
public final class DatasetFormats {
  private DatasetFormats() {}

  /** Demonstration file formats. */
  public enum DemonstrationFormat {
    RLHF4J("prompt + response"),
    TRL_PROMPT_COMPLETION("prompt + completion"),
    CHAT_MESSAGES("messages");

    private final String fields;

    DemonstrationFormat(String fields) {
      this.fields = fields;
    }
  }

  /** Ranking file formats. */
  public enum RankingFormat {
    RLHF4J("prompt + responses + ranking"),
    TRL_PREFERENCE("prompt + chosen + rejected");

    private final String fields;

    RankingFormat(String fields) {
      this.fields = fields;
    }
  }

  /** Reads demonstrations from any supported format; see the class comment. */
  public static List<Demonstration> readDemonstrations(Path file) throws IOException {
    List<Demonstration> out = new ArrayList<>();
    DemonstrationFormat[] first = new DemonstrationFormat[1];
    int[] firstLine = new int[1];
    Jsonl.forEachLine(
        file,
        (line, text) -> {
          JsonNode node = Jsonl.parseTree(file, line, text);
          DemonstrationFormat format = detectDemonstration(file, line, node);
          if (first[0] == null) {
            first[0] = format;
            firstLine[0] = line;
          } else if (format != first[0]) {
            throw mixed(file, line, format.fields, first[0].fields, firstLine[0]);
          }
          out.add(toDemonstration(file, line, node, format));
        });
    if (out.isEmpty()) {
      throw new DataFormatException(file, 0, null, "no records");
    }
    return out;
  }

  /** Reads rankings from any supported format; TRL pairs become K = 2 rankings. */
  public static List<Ranking> readRankings(Path file) throws IOException {
    List<Ranking> out = new ArrayList<>();
    RankingFormat[] first = new RankingFormat[1];
    int[] firstLine = new int[1];
    Jsonl.forEachLine(
        file,
        (line, text) -> {
          JsonNode node = Jsonl.parseTree(file, line, text);
          RankingFormat format = detectRanking(file, line, node);
          if (first[0] == null) {
            first[0] = format;
            firstLine[0] = line;
          } else if (format != first[0]) {
            throw mixed(file, line, format.fields, first[0].fields, firstLine[0]);
          }
          out.add(
              format == RankingFormat.RLHF4J
                  ? Jsonl.convert(file, line, node, Ranking.class)
                  : Ranking.fromComparison(toComparison(file, line, node)));
        });
    if (out.isEmpty()) {
      throw new DataFormatException(file, 0, null, "no records");
    }
    return out;
  }

  private static DataFormatException mixed(
      Path file, int line, String found, String expected, int firstLine) {
    return new DataFormatException(
        file,
        line,
        null,
        "mixed formats: this record has "
            + found
            + " but line "
            + firstLine
            + " has "
            + expected
            + "; split the file");
  }

  private static DemonstrationFormat detectDemonstration(Path file, int line, JsonNode node)
      throws DataFormatException {
    if (node.has("messages")) {
      return DemonstrationFormat.CHAT_MESSAGES;
    }
    if (node.has("completion")) {
      return DemonstrationFormat.TRL_PROMPT_COMPLETION;
    }
    if (node.has("response")) {
      return DemonstrationFormat.RLHF4J;
    }
    throw new DataFormatException(
        file,
        line,
        null,
        "unknown demonstration format (fields "
            + fieldNames(node)
            + "); expected prompt + response, prompt + completion (TRL) or messages (chat)");
  }

  private static RankingFormat detectRanking(Path file, int line, JsonNode node)
      throws DataFormatException {
    if (node.has("ranking") || node.has("responses")) {
      return RankingFormat.RLHF4J;
    }
    if (node.has("chosen") || node.has("rejected")) {
      return RankingFormat.TRL_PREFERENCE;
    }
    throw new DataFormatException(
        file,
        line,
        null,
        "unknown ranking format (fields "
            + fieldNames(node)
            + "); expected prompt + responses + ranking or prompt + chosen + rejected (TRL)");
  }

  private static List<String> fieldNames(JsonNode node) {
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }

  private static Demonstration toDemonstration(
      Path file, int line, JsonNode node, DemonstrationFormat format) throws DataFormatException {
    switch (format) {
      case RLHF4J:
        return Jsonl.convert(file, line, node, Demonstration.class);
      case TRL_PROMPT_COMPLETION:
        {
          String prompt = textOrTurns(file, line, node, "prompt", true);
          String completion = textOrTurns(file, line, node, "completion", false);
          return build(
              file, line, () -> new Demonstration(optional(node, "prompt_id"), prompt, completion, null));
        }
      case CHAT_MESSAGES:
      default:
        {
          List<Turn> turns = turns(file, line, node.get("messages"), "messages");
          int last = -1;
          for (int i = 0; i < turns.size(); i++) {
            if (turns.get(i).role().equals("assistant")) {
              last = i;
            }
          }
          if (last < 0) {
            throw new DataFormatException(file, line, "messages", "has no assistant turn");
          }
          if (last != turns.size() - 1) {
            throw new DataFormatException(
                file,
                line,
                "messages",
                "turns after the last assistant turn would be dropped; end with the assistant turn");
          }
          if (last == 0) {
            throw new DataFormatException(
                file, line, "messages", "needs at least one turn before the assistant turn");
          }
          String prompt = renderTurns(turns.subList(0, last));
          String response = turns.get(last).content();
          return build(
              file, line, () -> new Demonstration(optional(node, "prompt_id"), prompt, response, null));
        }
    }
  }

  private static Comparison toComparison(Path file, int line, JsonNode node)
      throws DataFormatException {
    for (String field : List.of("prompt", "chosen", "rejected")) {
      if (!node.has(field)) {
        String hint =
            field.equals("prompt")
                ? " (TRL's implicit-prompt form is not supported: add an explicit prompt)"
                : "";
        throw new DataFormatException(file, line, field, "is required" + hint);
      }
    }
    String prompt = textOrTurns(file, line, node, "prompt", true);
    String chosen = textOrTurns(file, line, node, "chosen", false);
    String rejected = textOrTurns(file, line, node, "rejected", false);
    return build(
        file,
        line,
        () ->
            new Comparison(
                optional(node, "prompt_id"), prompt, chosen, rejected, optional(node, "labeler")));
  }

  /**
   * A field that is either a string or a list of chat messages. A prompt renders all its turns;
   * a completion is the concatenated content of its (assistant) turns.
   */
  private static String textOrTurns(
      Path file, int line, JsonNode node, String field, boolean isPrompt)
      throws DataFormatException {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      throw new DataFormatException(file, line, field, "is required");
    }
    if (value.isTextual()) {
      return value.asText();
    }
    if (value.isArray()) {
      List<Turn> turns = turns(file, line, value, field);
      if (isPrompt) {
        return renderTurns(turns);
      }
      StringBuilder text = new StringBuilder();
      for (Turn turn : turns) {
        if (!turn.role().equals("assistant")) {
          throw new DataFormatException(
              file, line, field, "completion turns must have role assistant, got " + turn.role());
        }
        text.append(turn.content());
      }
      return text.toString();
    }
    throw new DataFormatException(
        file, line, field, "expected a string or a list of messages, got " + value.getNodeType());
  }

  private static String optional(JsonNode node, String field) {
    JsonNode value = node.get(field);
    return value == null || value.isNull() ? null : value.asText();
  }

  /** One chat turn. */
  public record Turn(String role, String content) {}

  private static List<Turn> turns(Path file, int line, JsonNode messages, String field)
      throws DataFormatException {
    if (messages == null || !messages.isArray() || messages.isEmpty()) {
      throw new DataFormatException(file, line, field, "expected a non-empty list of messages");
    }
    List<Turn> turns = new ArrayList<>();
    for (int i = 0; i < messages.size(); i++) {
      JsonNode message = messages.get(i);
      JsonNode role = message.get("role");
      JsonNode content = message.get("content");
      if (role == null || !role.isTextual()) {
        throw new DataFormatException(file, line, field, "message " + i + " needs a string role");
      }
      if (content == null || !content.isTextual()) {
        throw new DataFormatException(
            file, line, field, "message " + i + " needs a string content");
      }
      String r = role.asText().toLowerCase(Locale.ROOT);
      if (!r.equals("system") && !r.equals("user") && !r.equals("assistant")) {
        throw new DataFormatException(
            file, line, field, "message " + i + " has unknown role '" + role.asText() + "'");
      }
      turns.add(new Turn(r, content.asText()));
    }
    return turns;
  }

  /**
   * Renders chat turns as a plain prompt. A single user turn renders as its content alone, so
   * single-turn chat data equals prompt-completion data. Otherwise each turn renders as {@code
   * "System: ..."}, {@code "User: ..."} or {@code "Assistant: ..."}, separated by a blank line.
   */
  public static String renderTurns(List<Turn> turns) {
    if (turns.size() == 1 && turns.get(0).role().equals("user")) {
      return turns.get(0).content();
    }
    StringBuilder text = new StringBuilder();
    for (Turn turn : turns) {
      if (text.length() > 0) {
        text.append("\n\n");
      }
      text.append(Character.toUpperCase(turn.role().charAt(0)))
          .append(turn.role().substring(1))
          .append(": ")
          .append(turn.content());
    }
    return text.toString();
  }

  private interface Builder<T> {
    T build();
  }

  private static <T> T build(Path file, int line, Builder<T> builder) throws DataFormatException {
    try {
      return builder.build();
    } catch (InvalidFieldException e) {
      throw new DataFormatException(file, line, e.field(), e.reason());
    }
  }
}
