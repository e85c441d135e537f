package org.rlhf4j.data;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * JSON Lines I/O for the data records: one JSON object per line, UTF-8, blank lines skipped.
 *
 * <p>Reading is strict so that a labeling mistake surfaces before training rather than as a
 * silently wrong reward model: malformed JSON, duplicate keys, trailing garbage, a number where a
 * string belongs (no coercion), missing required fields and record validation failures all raise
 * {@link DataFormatException} with {@code file:line: field 'x': reason}. Unknown fields are
 * ignored, so files carrying extra metadata (e.g. from other tools) still load.
 */
public final class Jsonl {
  private static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          // Not FAIL_ON_NULL_FOR_PRIMITIVES: it would also reject absent optional flags (Rating's
          // booleans default to false). A null likert becomes 0 and fails the 1..7 check.
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
          .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
          // ALLOW_COERCION_OF_SCALARS does not stop a number or boolean from becoming a String
          // field's text ({"prompt": 7}); the coercion config does.
          .withCoercionConfig(LogicalType.Textual, c -> {
            c.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail);
            c.setCoercion(CoercionInputShape.Float, CoercionAction.Fail);
            c.setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
          })
          .build();

  private static final Map<Class<?>, List<String>> REQUIRED = new ConcurrentHashMap<>();

  private Jsonl() {}

  /**
   * Reads every record of a JSONL file.
   *
   * @throws DataFormatException on the first bad line, or when the file holds no records
   * @throws IOException when the file cannot be read
   */
  public static <T> List<T> read(Path file, Class<T> type) throws IOException {
    List<T> records = new ArrayList<>();
    forEachLine(
        file,
        (line, text) -> {
          JsonNode node = parseTree(file, line, text);
          records.add(convert(file, line, node, type));
        });
    if (records.isEmpty()) {
      throw new DataFormatException(file, 0, null, "no records");
    }
    return records;
  }

  /**
   * Writes the records atomically: to a temporary file in the same directory, forced to disk, then
   * moved over {@code file}, so a reader never sees a half-written file.
   */
  public static <T> void write(Path file, List<T> records) throws IOException {
    AtomicWrites.writeStream(file, raw -> {
      OutputStream out = new java.io.BufferedOutputStream(raw);
      for (T record : records) {
        out.write(toJson(record).getBytes(StandardCharsets.UTF_8));
        out.write('\n');
      }
      out.flush();
    });
  }

  /**
   * Appends records to a log file (created if absent) in one write, so concurrent appenders on a
   * local file system do not interleave within a line.
   */
  public static <T> void append(Path file, List<T> records) throws IOException {
    if (records.isEmpty()) {
      return;
    }
    StringBuilder text = new StringBuilder();
    for (T record : records) {
      text.append(toJson(record)).append('\n');
    }
    Path parent = file.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    try (FileChannel channel =
        FileChannel.open(
            file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
      ByteBuffer bytes = ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8));
      while (bytes.hasRemaining()) {
        channel.write(bytes);
      }
    }
  }

  /** Appends one record; see {@link #append(Path, List)}. */
  public static <T> void append(Path file, T record) throws IOException {
    append(file, List.of(record));
  }

  /** One record as a single-line JSON object with the snake_case field names. */
  public static String toJson(Object record) {
    try {
      return MAPPER.writeValueAsString(record);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Parses one record from a JSON string with the same strict rules as {@link #read}.
   *
   * @throws IllegalArgumentException ({@link InvalidFieldException} when one field is to blame)
   */
  public static <T> T parse(String json, Class<T> type) {
    try {
      return convert(null, 0, parseTree(null, 0, json), type);
    } catch (DataFormatException e) {
      if (e.field() != null) {
        throw new InvalidFieldException(e.field(), e.reason());
      }
      throw new IllegalArgumentException(e.reason(), e);
    }
  }

  /** The shared strict mapper (thread-safe); for callers that need trees, e.g. format sniffing. */
  static ObjectMapper mapper() {
    return MAPPER;
  }

  @FunctionalInterface
  interface LineHandler {
    void accept(int line, String text) throws IOException;
  }

  /**
   * Calls {@code handler} for each non-blank line with its 1-based number; strict UTF-8. Lines are
   * split on bytes and each is decoded on its own: a decoding reader reads ahead thousands of bytes,
   * so invalid UTF-8 was reported on the line where its buffer happened to start (issue 16).
   */
  static void forEachLine(Path file, LineHandler handler) throws IOException {
    var decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    TextFiles.checkNotDirectory(file);
    int line = 0;
    try (var in = new java.io.BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
      java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
      boolean more = true;
      while (more) {
        int b;
        bytes.reset();
        while ((b = in.read()) != -1 && b != '\n') {
          bytes.write(b);
        }
        more = b != -1;
        if (!more && bytes.size() == 0) {
          break;
        }
        line++;
        byte[] raw = bytes.toByteArray();
        int length = raw.length > 0 && raw[raw.length - 1] == '\r' ? raw.length - 1 : raw.length;
        String text;
        try {
          text = decoder.reset().decode(ByteBuffer.wrap(raw, 0, length)).toString();
        } catch (CharacterCodingException e) {
          throw new DataFormatException(file, line, null, "not valid UTF-8");
        }
        if (line == 1 && text.startsWith("\uFEFF")) {
          text = text.substring(1); // a byte order mark some editors add
        }
        if (!text.isBlank()) {
          handler.accept(line, text);
        }
      }
    }
  }

  static JsonNode parseTree(Path file, int line, String text) throws DataFormatException {
    JsonNode node;
    try {
      node = MAPPER.readTree(text);
    } catch (JsonProcessingException e) {
      throw new DataFormatException(file, line, null, "malformed JSON: " + e.getOriginalMessage());
    }
    if (node == null || !node.isObject()) {
      throw new DataFormatException(
          file,
          line,
          null,
          "expected a JSON object, got " + (node == null ? "nothing" : node.getNodeType()));
    }
    return node;
  }

  static <T> T convert(Path file, int line, JsonNode node, Class<T> type)
      throws DataFormatException {
    for (String field : requiredFields(type)) {
      if (!node.has(field)) {
        throw new DataFormatException(file, line, field, "is required");
      }
    }
    try {
      return MAPPER.treeToValue(node, type);
    } catch (ValueInstantiationException e) {
      Throwable cause = e.getCause();
      if (cause instanceof InvalidFieldException invalid) {
        throw new DataFormatException(file, line, invalid.field(), invalid.reason());
      }
      throw new DataFormatException(
          file, line, null, cause != null ? cause.getMessage() : e.getOriginalMessage());
    } catch (JsonMappingException e) {
      String field = null;
      if (!e.getPath().isEmpty()) {
        field = e.getPath().get(0).getFieldName();
      }
      throw new DataFormatException(file, line, field, firstLine(e.getOriginalMessage()));
    } catch (JsonProcessingException e) {
      throw new DataFormatException(file, line, null, firstLine(e.getOriginalMessage()));
    }
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "invalid value";
    }
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }

  /** JSON names of the record components marked {@code @JsonProperty(required = true)}. */
  private static List<String> requiredFields(Class<?> type) {
    return REQUIRED.computeIfAbsent(
        type,
        t -> {
          List<String> names = new ArrayList<>();
          if (t.isRecord()) {
            for (RecordComponent component : t.getRecordComponents()) {
              // @JsonProperty cannot target record components (Java 8 bytecode), so it lands on the
              // accessor method, among others.
              JsonProperty property = component.getAccessor().getAnnotation(JsonProperty.class);
              if (property != null && property.required()) {
                names.add(property.value().isEmpty() ? component.getName() : property.value());
              }
            }
          }
          return List.copyOf(names);
        });
  }
}
