package org.rlhf4j.core.checkpoint;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.rlhf4j.core.model.LlamaConfig;

/**
 * A Hugging Face Llama / Qwen2 / Mistral {@code config.json}: the model shape as a {@link
 * LlamaConfig}, the {@code architectures} list, and every other key kept verbatim in {@code extras}
 * so a foreign config survives a load/save round trip ({@code torch_dtype}, {@code
 * initializer_range}, {@code transformers_version}, ...).
 *
 * <p>Missing keys take the defaults of the transformers config class for that {@code model_type}
 * ({@code LlamaConfig}, {@code Qwen2Config}, {@code MistralConfig}). Keys that would change the
 * computation in ways our model does not implement are rejected: an activation other than SiLU,
 * a {@code rope_scaling} other than {@code llama3} (or {@code default}), and Llama's {@code
 * pretraining_tp} above 1 is ignored as transformers does (it only splits the matmuls).
 */
public record LlamaHfConfig(LlamaConfig model, List<String> architectures, Map<String, Object> extras)
    implements ModelConfigFile {

  /** Keys this record owns; every other key is an extra. */
  private static final Set<String> OWN_KEYS = Set.of(
      "model_type", "architectures", "vocab_size", "hidden_size", "intermediate_size",
      "num_hidden_layers", "num_attention_heads", "num_key_value_heads", "head_dim",
      "max_position_embeddings", "rms_norm_eps", "rope_theta", "rope_scaling", "attention_bias",
      "mlp_bias", "tie_word_embeddings", "sliding_window", "use_sliding_window", "hidden_act",
      "bos_token_id", "eos_token_id", "pad_token_id");

  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
      .enable(SerializationFeature.INDENT_OUTPUT)
      .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

  public LlamaHfConfig {
    if (model == null) {
      throw new IllegalArgumentException("model config is required");
    }
    architectures = List.copyOf(architectures == null ? List.of() : architectures);
    Map<String, Object> copy = new LinkedHashMap<>(extras == null ? Map.of() : extras);
    for (String key : copy.keySet()) {
      if (OWN_KEYS.contains(key)) {
        throw new IllegalArgumentException("extra key '" + key + "' is a model config key; set it through LlamaConfig");
      }
    }
    extras = Collections.unmodifiableMap(copy);
  }

  /** A causal-LM config ({@code LlamaForCausalLM}, ...) with no extras. */
  public static LlamaHfConfig of(LlamaConfig model) {
    return new LlamaHfConfig(model, List.of(architecture(model.modelType(), false)), Map.of());
  }

  /** HF's class name for this model type: {@code LlamaForCausalLM}, {@code Qwen2ForSequenceClassification}, ... */
  public static String architecture(String modelType, boolean scoreHead) {
    String family = switch (modelType) {
      case "llama" -> "Llama";
      case "qwen2" -> "Qwen2";
      case "mistral" -> "Mistral";
      default -> throw new IllegalArgumentException("unknown model_type " + modelType);
    };
    return family + (scoreHead ? "ForSequenceClassification" : "ForCausalLM");
  }

  public LlamaHfConfig withModel(LlamaConfig newModel) {
    return new LlamaHfConfig(newModel, architectures, extras);
  }

  public LlamaHfConfig withArchitectures(List<String> newArchitectures) {
    return new LlamaHfConfig(model, newArchitectures, extras);
  }

  @Override
  public LlamaHfConfig withExtra(String key, Object value) {
    Map<String, Object> copy = new LinkedHashMap<>(extras);
    copy.put(key, value);
    return new LlamaHfConfig(model, architectures, copy);
  }

  /** The {@code model_type} of a {@code config.json} (absent: "gpt2", as our GPT-2 configs may omit it). */
  public static String modelType(Path configFile) throws IOException {
    JsonNode root = readTree(configFile);
    return root.path("model_type").asText("gpt2");
  }

  /** Reads and validates {@code config.json}. */
  public static LlamaHfConfig read(Path file) throws IOException {
    return parse(readTree(file), file);
  }

  private static JsonNode readTree(Path file) throws IOException {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new CheckpointException(file, "config.json not found");
    }
    try {
      JsonNode root = JSON.readTree(text);
      if (root == null || !root.isObject()) {
        throw new CheckpointException(file, "config is not a JSON object");
      }
      return root;
    } catch (JsonProcessingException e) {
      throw new CheckpointException(file, null, "not valid JSON: " + e.getOriginalMessage(), e);
    }
  }

  /** Parses a config object; {@code source} names the origin in error messages. */
  public static LlamaHfConfig parse(JsonNode root, Path source) throws CheckpointException {
    String type = root.path("model_type").asText("");
    if (!LlamaConfig.MODEL_TYPES.contains(type)) {
      throw new CheckpointException(source, "model_type",
          "is \"" + type + "\"; Llama-family checkpoints have one of " + LlamaConfig.MODEL_TYPES);
    }
    String act = root.path("hidden_act").asText("silu");
    if (!act.equals("silu")) {
      throw new CheckpointException(source, "hidden_act", "is \"" + act + "\"; only silu (SwiGLU) is implemented");
    }
    Keys k = new Keys(source, root);
    int hidden = k.integer("hidden_size", 4096);
    int heads = k.integer("num_attention_heads", 32);
    boolean qwen = type.equals("qwen2");
    boolean attentionBias = !qwen && root.path("attention_bias").asBoolean(false);
    int window = 0;
    if (type.equals("mistral") || (qwen && root.path("use_sliding_window").asBoolean(false))) {
      // Absent means transformers' default (MistralConfig and Qwen2Config: 4096); null means none.
      JsonNode w = root.get("sliding_window");
      window = w == null ? 4096 : w.isIntegralNumber() ? w.asInt() : 0;
    }
    try {
      LlamaConfig model = new LlamaConfig(
          type,
          k.integer("vocab_size", 32000),
          hidden,
          k.integer("intermediate_size", 11008),
          k.integer("num_hidden_layers", 32),
          heads,
          k.integer("num_key_value_heads", heads),
          k.integer("head_dim", hidden / Math.max(1, heads)),
          k.integer("max_position_embeddings", 2048),
          (float) k.number("rms_norm_eps", 1e-6),
          k.number("rope_theta", 10000.0),
          ropeScaling(source, root.get("rope_scaling")),
          qwen || attentionBias,
          attentionBias,
          !qwen && root.path("mlp_bias").asBoolean(false),
          root.path("tie_word_embeddings").asBoolean(false),
          window,
          k.optionalInteger("bos_token_id"),
          eosList(source, root.get("eos_token_id")),
          k.optionalInteger("pad_token_id"));
      List<String> architectures = new ArrayList<>();
      root.path("architectures").forEach(a -> architectures.add(a.asText()));
      Map<String, Object> extras = new LinkedHashMap<>();
      root.fields().forEachRemaining(e -> {
        if (!OWN_KEYS.contains(e.getKey())) {
          extras.put(e.getKey(), JSON.convertValue(e.getValue(), Object.class));
        }
      });
      return new LlamaHfConfig(model, architectures, extras);
    } catch (IllegalArgumentException e) {
      throw new CheckpointException(source, null, e.getMessage(), e);
    }
  }

  private static LlamaConfig.RopeScaling ropeScaling(Path source, JsonNode node) throws CheckpointException {
    if (node == null || node.isNull()) {
      return null;
    }
    String type = node.path("rope_type").asText(node.path("type").asText(""));
    if (type.equals("default")) {
      return null;
    }
    if (!type.equals("llama3")) {
      throw new CheckpointException(source, "rope_scaling",
          "type \"" + type + "\" is not implemented (supported: llama3, default)");
    }
    return new LlamaConfig.RopeScaling(
        node.path("factor").asDouble(8.0),
        node.path("low_freq_factor").asDouble(1.0),
        node.path("high_freq_factor").asDouble(4.0),
        node.path("original_max_position_embeddings").asInt(8192));
  }

  /** {@code eos_token_id}: an integer or a list of them (Llama 3.1 lists three); absent means [2]. */
  static List<Integer> eosList(Path source, JsonNode node) throws CheckpointException {
    if (node == null || node.isNull()) {
      return List.of(2);
    }
    List<Integer> ids = new ArrayList<>();
    if (node.isIntegralNumber()) {
      ids.add(node.asInt());
    } else if (node.isArray()) {
      for (JsonNode n : node) {
        if (!n.isIntegralNumber()) {
          throw new CheckpointException(source, "eos_token_id", "list holds a non-integer: " + n);
        }
        ids.add(n.asInt());
      }
    } else {
      throw new CheckpointException(source, "eos_token_id", "must be an integer or a list of integers, got " + node);
    }
    return ids;
  }

  /** The config as Hugging Face writes it (keys sorted). */
  public Map<String, Object> toJsonMap() {
    LlamaConfig m = model;
    Map<String, Object> out = new TreeMap<>(extras);
    out.put("model_type", m.modelType());
    out.put("architectures", architectures);
    out.put("vocab_size", m.vocabSize());
    out.put("hidden_size", m.hiddenSize());
    out.put("intermediate_size", m.intermediateSize());
    out.put("num_hidden_layers", m.layers());
    out.put("num_attention_heads", m.heads());
    out.put("num_key_value_heads", m.kvHeads());
    out.put("head_dim", m.headDim());
    out.put("max_position_embeddings", m.maxPositions());
    out.put("rms_norm_eps", (double) m.rmsNormEps());
    out.put("rope_theta", m.ropeTheta());
    out.put("hidden_act", "silu");
    out.put("tie_word_embeddings", m.tieWordEmbeddings());
    if (m.ropeScaling() == null) {
      out.put("rope_scaling", null);
    } else {
      Map<String, Object> s = new TreeMap<>();
      s.put("rope_type", "llama3");
      s.put("factor", m.ropeScaling().factor());
      s.put("low_freq_factor", m.ropeScaling().lowFreqFactor());
      s.put("high_freq_factor", m.ropeScaling().highFreqFactor());
      s.put("original_max_position_embeddings", m.ropeScaling().originalMaxPositions());
      out.put("rope_scaling", s);
    }
    if (m.modelType().equals("llama")) {
      out.put("attention_bias", m.qkvBias());
      out.put("mlp_bias", m.mlpBias());
    }
    if (m.modelType().equals("mistral")) {
      out.put("sliding_window", m.slidingWindow() == 0 ? null : m.slidingWindow());
    }
    if (m.modelType().equals("qwen2")) {
      out.put("use_sliding_window", m.slidingWindow() > 0);
      out.put("sliding_window", m.slidingWindow() == 0 ? null : m.slidingWindow());
    }
    out.put("bos_token_id", m.bosTokenId() < 0 ? null : m.bosTokenId());
    out.put("eos_token_id", m.eosTokenIds().size() == 1 ? m.eosTokenIds().get(0) : m.eosTokenIds());
    out.put("pad_token_id", m.padTokenId() < 0 ? null : m.padTokenId());
    return out;
  }

  /** Writes {@code config.json} atomically. */
  public void write(Path file) throws IOException {
    AtomicFiles.writeString(file, JSON.writeValueAsString(toJsonMap()) + "\n");
  }

  /** Reads a JSON object file into a map (generation_config.json, tokenizer_config.json). */
  static Map<String, Object> readObject(Path file) throws IOException {
    try {
      return JSON.readValue(Files.readString(file, StandardCharsets.UTF_8), new TypeReference<LinkedHashMap<String, Object>>() {});
    } catch (JsonProcessingException e) {
      throw new CheckpointException(file, null, "not valid JSON: " + e.getOriginalMessage(), e);
    }
  }

  static String toJson(Object value) throws JsonProcessingException {
    return JSON.writeValueAsString(value) + "\n";
  }

  /** Typed reads of a config object with errors naming the file and key. */
  private record Keys(Path source, JsonNode root) {
    int integer(String key, int fallback) throws CheckpointException {
      JsonNode n = root.get(key);
      if (n == null || n.isNull()) {
        return fallback;
      }
      if (!n.isIntegralNumber()) {
        throw new CheckpointException(source, key, "must be an integer, got " + n);
      }
      return n.asInt();
    }

    int optionalInteger(String key) throws CheckpointException {
      return integer(key, -1);
    }

    double number(String key, double fallback) throws CheckpointException {
      JsonNode n = root.get(key);
      if (n == null || n.isNull()) {
        return fallback;
      }
      if (!n.isNumber()) {
        throw new CheckpointException(source, key, "must be a number, got " + n);
      }
      return n.asDouble();
    }
  }
}
