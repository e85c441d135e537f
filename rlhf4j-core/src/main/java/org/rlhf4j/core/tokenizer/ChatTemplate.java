package org.rlhf4j.core.tokenizer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A Hugging Face chat template ({@code tokenizer_config.json}'s {@code chat_template}, Jinja)
 * rendered with HubSpot's jinjava in the environment {@code transformers}' {@code
 * apply_chat_template} sets up: {@code trim_blocks} and {@code lstrip_blocks} on, loop controls,
 * Python operator precedence (filters bind tighter than {@code +}), the globals {@code
 * raise_exception(message)} and {@code strftime_now(format)}, a {@code tojson} filter that writes
 * what Python's {@code json.dumps(ensure_ascii=False)} writes, and the special tokens ({@code
 * bos_token}, {@code eos_token}, {@code pad_token}, {@code unk_token}) as variables.
 *
 * <p>Rendering is exact for the templates in the test data (ChatML/Qwen2, SmolLM2, Llama 2,
 * Llama 3, Zephyr), checked against Python's jinja2; templates that call Python string methods
 * without a Java equivalent ({@code .startswith}, {@code .upper}) are not supported, and rendering
 * one fails with the template error rather than returning a wrong prompt.
 *
 * <p>Immutable and thread-safe.
 */
public final class ChatTemplate {

  /** One chat message, as the {@code messages} list of {@code apply_chat_template} holds them. */
  public record Message(String role, String content) {
    public Message {
      if (role == null || role.isBlank()) {
        throw new IllegalArgumentException("message role is required");
      }
      content = content == null ? "" : content;
    }

    Map<String, Object> asMap() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("role", role);
      m.put("content", content);
      return m;
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  private final String template;
  private final Map<String, Object> specialTokens;
  private final Jinjava jinjava;

  /**
   * @param template the Jinja source
   * @param specialTokens variables such as {@code bos_token} -> {@code "<s>"}; missing ones render
   *     as empty strings, as in Jinja
   */
  public ChatTemplate(String template, Map<String, String> specialTokens) {
    if (template == null || template.isBlank()) {
      throw new IllegalArgumentException("chat template is empty");
    }
    this.template = template;
    this.specialTokens = Map.copyOf(specialTokens);
    JinjavaConfig config = JinjavaConfig.newBuilder()
        .withTrimBlocks(true)
        .withLstripBlocks(true)
        .withLegacyOverrides(LegacyOverrides.newBuilder()
            .withUseNaturalOperatorPrecedence(true)
            .withParseWhitespaceControlStrictly(true)
            .withEvaluateMapKeys(true)
            .withIterateOverMapKeys(true)
            .withHandleBackslashInQuotesOnly(true)
            .withKeepNullableLoopValues(true)
            .withUseTrimmingForNotesAndExpressions(true) // {{- x }} strips like {%- %} does
            .build())
        .build();
    this.jinjava = new Jinjava(config);
    jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition(
        "", "raise_exception", ChatTemplate.class, "raiseException", String.class));
    jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition(
        "", "strftime_now", ChatTemplate.class, "strftimeNow", String.class));
    jinjava.getGlobalContext().registerFilter(new PythonJsonFilter());
  }

  /**
   * The template of a {@code tokenizer_config.json}, with its special tokens: {@code chat_template}
   * as a string, or HF's list form {@code [{"name": "default", "template": ...}, ...]} (the
   * {@code default} entry is used).
   *
   * @return empty when the file has no chat template (a base model)
   */
  public static Optional<ChatTemplate> fromTokenizerConfig(Path tokenizerConfig) throws IOException {
    JsonNode root;
    try {
      root = JSON.readTree(Files.readString(tokenizerConfig, StandardCharsets.UTF_8));
    } catch (JsonProcessingException e) {
      throw new IOException(tokenizerConfig + ": not valid JSON: " + e.getOriginalMessage(), e);
    }
    JsonNode node = root.path("chat_template");
    String source = null;
    if (node.isTextual()) {
      source = node.asText();
    } else if (node.isArray()) {
      for (JsonNode entry : node) {
        if ("default".equals(entry.path("name").asText())) {
          source = entry.path("template").asText();
        }
      }
    }
    if (source == null) {
      Path jinja = tokenizerConfig.resolveSibling("chat_template.jinja"); // newer transformers
      if (!Files.isRegularFile(jinja)) {
        return Optional.empty();
      }
      source = Files.readString(jinja, StandardCharsets.UTF_8);
    }
    Map<String, String> tokens = new LinkedHashMap<>();
    for (String key : List.of("bos_token", "eos_token", "pad_token", "unk_token")) {
      JsonNode t = root.path(key);
      String value = t.isTextual() ? t.asText() : t.path("content").isTextual() ? t.path("content").asText() : null;
      if (value != null) {
        tokens.put(key, value);
      }
    }
    return Optional.of(new ChatTemplate(source, tokens));
  }

  /** Renders {@code messages}, ending with the assistant header when {@code addGenerationPrompt}. */
  public String render(List<Message> messages, boolean addGenerationPrompt) {
    return render(messages, addGenerationPrompt, Map.of());
  }

  /**
   * Renders with extra template variables ({@code tools}, {@code date_string}, ...).
   *
   * @throws IllegalArgumentException when the template raises ({@code raise_exception}) or fails
   */
  public String render(List<Message> messages, boolean addGenerationPrompt, Map<String, Object> extra) {
    List<Map<String, Object>> list = new ArrayList<>();
    for (Message m : messages) {
      list.add(m.asMap());
    }
    Map<String, Object> vars = new LinkedHashMap<>(specialTokens);
    vars.putAll(extra);
    vars.put("messages", list);
    vars.put("add_generation_prompt", addGenerationPrompt);
    RenderResult result = jinjava.renderForResult(template, vars);
    for (TemplateError e : result.getErrors()) {
      for (Throwable t = e.getException(); t != null; t = t.getCause()) {
        if (t instanceof TemplateRaised raised) {
          throw new IllegalArgumentException("chat template refused the conversation: " + raised.getMessage());
        }
      }
      if (e.getSeverity() == TemplateError.ErrorType.FATAL) {
        throw new IllegalArgumentException("chat template failed: " + e.getMessage());
      }
    }
    return result.getOutput();
  }

  /** The Jinja source. */
  public String source() {
    return template;
  }

  /** {@code raise_exception(message)}: templates call it to refuse a conversation. */
  public static String raiseException(String message) {
    throw new TemplateRaised(message);
  }

  /** What {@code raise_exception} throws, told apart from template bugs when rendering fails. */
  private static final class TemplateRaised extends RuntimeException {
    private static final long serialVersionUID = 1L;

    TemplateRaised(String message) {
      super(message);
    }
  }

  /** {@code strftime_now(format)}: the local time in a C strftime format (the common codes). */
  public static String strftimeNow(String format) {
    String java = format.replace("%Y", "yyyy").replace("%m", "MM").replace("%d", "dd")
        .replace("%B", "MMMM").replace("%b", "MMM").replace("%H", "HH").replace("%M", "mm")
        .replace("%S", "ss");
    return LocalDateTime.now().format(DateTimeFormatter.ofPattern(java));
  }

  /**
   * {@code tojson} as transformers defines it: {@code json.dumps(x, ensure_ascii=False,
   * indent=indent)}, so ", " and ": " separators when not indented, keys in insertion order.
   */
  private static final class PythonJsonFilter implements Filter {
    @Override
    public String getName() {
      return "tojson";
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
      try {
        if (args.length > 0) {
          int indent = Integer.parseInt(args[0].trim());
          DefaultPrettyPrinter pretty = new DefaultPrettyPrinter(Separators.createDefaultInstance()
              .withObjectFieldValueSpacing(Separators.Spacing.AFTER))
              .withObjectIndenter(new DefaultIndenter(" ".repeat(indent), "\n"))
              .withArrayIndenter(new DefaultIndenter(" ".repeat(indent), "\n"));
          return JSON.writer(pretty).writeValueAsString(var);
        }
        return pythonSpacing(JSON.writeValueAsString(var));
      } catch (JsonProcessingException e) {
        throw new IllegalArgumentException("tojson: " + e.getOriginalMessage(), e);
      }
    }

    /** Compact JSON to Python's default ", " / ": " separators, outside string literals. */
    private static String pythonSpacing(String compact) {
      StringBuilder out = new StringBuilder(compact.length() + 16);
      boolean inString = false;
      for (int i = 0; i < compact.length(); i++) {
        char c = compact.charAt(i);
        out.append(c);
        if (inString) {
          if (c == '\\') {
            out.append(compact.charAt(++i));
          } else if (c == '"') {
            inString = false;
          }
        } else if (c == '"') {
          inString = true;
        } else if (c == ',' || c == ':') {
          out.append(' ');
        }
      }
      return out.toString();
    }
  }
}
