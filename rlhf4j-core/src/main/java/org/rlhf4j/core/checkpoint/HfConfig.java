package org.rlhf4j.core.checkpoint;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.rlhf4j.core.model.GptConfig;

/**
 * A Hugging Face GPT-2 {@code config.json}: the model shape as a {@link GptConfig}, the {@code
 * architectures} list, and every other key kept verbatim in {@code extras} so that a foreign
 * config survives a load/save round trip (HF's {@code initializer_range}, {@code summary_*},
 * {@code transformers_version}, ...) and our own keys ({@link #REWARD_GAIN}, {@link #REWARD_BIAS})
 * travel with the weights.
 *
 * <p>Missing GPT-2 keys take the defaults of HF's {@code GPT2Config}, as {@code from_pretrained}
 * does, with one exception: {@code pad_token_id}. GPT-2 ships without a pad token, and padding
 * with EOS silently masks EOS out of the loss so the model never learns to stop (Huang et al.
 * 2024), so a config without one is rejected with instructions rather than defaulted.
 *
 * <p>Keys that would change the computation in ways our model does not implement are rejected:
 * an activation other than GELU (exact or tanh-approximated), {@code n_inner} other than 4C, untied
 * embeddings, cross-attention, and non-standard attention scaling.
 */
public record HfConfig(GptConfig model, List<String> architectures, Map<String, Object> extras)
    implements ModelConfigFile {

  /** {@code architectures} value for a language model (HF {@code GPT2LMHeadModel}). */
  public static final String LM_ARCHITECTURE = "GPT2LMHeadModel";

  /** {@code architectures} value for a scalar-head model (HF {@code GPT2ForSequenceClassification}). */
  public static final String SCORE_ARCHITECTURE = "GPT2ForSequenceClassification";

  /** Extra key: reward normalisation gain g, normalised reward = g * raw + b. */
  public static final String REWARD_GAIN = "rlhf4j_reward_gain";

  /** Extra key: reward normalisation bias b, normalised reward = g * raw + b. */
  public static final String REWARD_BIAS = "rlhf4j_reward_bias";

  /** HF GPT2Config's default activation (GELU with the tanh approximation). */
  public static final String ACTIVATION = "gelu_new";

  /** Keys this record owns; every other key is an extra. */
  private static final Set<String> OWN_KEYS =
      Set.of(
          "model_type", "architectures", "vocab_size", "n_positions", "n_embd", "n_layer",
          "n_head", "n_inner", "activation_function", "resid_pdrop", "embd_pdrop", "attn_pdrop",
          "layer_norm_epsilon", "bos_token_id", "eos_token_id", "pad_token_id");

  private static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .enable(SerializationFeature.INDENT_OUTPUT);

  public HfConfig {
    if (model == null) {
      throw new IllegalArgumentException("model config is required");
    }
    architectures = List.copyOf(architectures == null ? List.of() : architectures);
    Map<String, Object> copy = new LinkedHashMap<>(extras == null ? Map.of() : extras);
    for (String key : copy.keySet()) {
      if (OWN_KEYS.contains(key)) {
        throw new IllegalArgumentException(
            "extra key '" + key + "' is a GPT-2 config key; set it through GptConfig instead");
      }
    }
    // LinkedHashMap, not Map.copyOf: JSON extras may legitimately hold nulls.
    extras = Collections.unmodifiableMap(copy);
  }

  /** A language-model config with no extras. */
  public static HfConfig of(GptConfig model) {
    return new HfConfig(model, List.of(LM_ARCHITECTURE), Map.of());
  }

  /** The same config with {@code key} set to {@code value} (a JSON-compatible value). */
  @Override
  public HfConfig withExtra(String key, Object value) {
    Map<String, Object> copy = new LinkedHashMap<>(extras);
    copy.put(key, value);
    return new HfConfig(model, architectures, copy);
  }

  /** The same config with another {@code architectures} list. */
  public HfConfig withArchitectures(List<String> newArchitectures) {
    return new HfConfig(model, newArchitectures, extras);
  }

  /** The same extras and architectures with another model shape. */
  public HfConfig withModel(GptConfig newModel) {
    return new HfConfig(newModel, architectures, extras);
  }

  /** An extra value, if present and not null. */
  public Optional<Object> extra(String key) {
    return Optional.ofNullable(extras.get(key));
  }

  /** Reads and validates {@code config.json}. */
  public static HfConfig read(Path file) throws IOException {
    String text;
    try {
      text = org.rlhf4j.data.TextFiles.readString(file);
    } catch (NoSuchFileException e) {
      throw new CheckpointException(file, "config.json not found");
    }
    return parse(text, file);
  }

  /** Parses config JSON; {@code source} only names the origin in error messages. */
  public static HfConfig parse(String json, Path source) throws CheckpointException {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new CheckpointException(source, null, "not valid JSON: " + e.getOriginalMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new CheckpointException(source, "config is not a JSON object");
    }
    Reader r = new Reader(source, root);
    String modelType = r.string("model_type", "gpt2");
    if (!"gpt2".equals(modelType)) {
      throw new CheckpointException(
          source, "model_type", "is \"" + modelType + "\"; only GPT-2 (\"gpt2\") checkpoints load");
    }
    // HF GPT-2's default is "gelu_new" (tanh approximation); our own models use the exact,
    // fused "gelu" and say so in their config.json.
    String activationName = r.string("activation_function", ACTIVATION);
    GptConfig.Activation activation;
    try {
      activation = GptConfig.Activation.fromHfName(activationName);
    } catch (IllegalArgumentException e) {
      throw new CheckpointException(source, "activation_function", e.getMessage(), e);
    }
    int width = r.integer("n_embd", 768);
    JsonNode inner = root.get("n_inner");
    if (inner != null && !inner.isNull() && !(inner.isIntegralNumber() && inner.asLong() == 4L * width)) {
      throw new CheckpointException(
          source, "n_inner", "is " + inner + "; the MLP width must be 4 * n_embd = " + 4L * width + " (or null)");
    }
    requireFlag(source, root, "tie_word_embeddings", true, "the LM head is tied to wte");
    requireFlag(source, root, "scale_attn_weights", true, "attention scores are scaled by 1/sqrt(head_dim)");
    requireFlag(source, root, "scale_attn_by_inverse_layer_idx", false, "attention is not scaled by layer index");
    requireFlag(source, root, "add_cross_attention", false, "the model is decoder-only");
    if (!root.path("pad_token_id").isIntegralNumber()) {
      throw new CheckpointException(
          source,
          "pad_token_id",
          "missing or null. GPT-2 has no pad token and padding with EOS would mask EOS out of "
              + "training; add a dedicated pad token to the tokenizer (e.g. \"<|pad|>\", growing "
              + "vocab_size and wte by one row if needed) and set \"pad_token_id\" in config.json");
    }
    int eos = r.integer("eos_token_id", 50256);
    JsonNode bosNode = root.get("bos_token_id");
    int bos = bosNode == null ? 50256 : bosNode.isNull() ? -1 : r.integer("bos_token_id", -1);
    GptConfig model;
    try {
      model =
          new GptConfig(
              r.integer("vocab_size", 50257),
              r.integer("n_positions", 1024),
              r.integer("n_layer", 12),
              r.integer("n_head", 12),
              width,
              r.number("resid_pdrop", 0.1f),
              r.number("embd_pdrop", 0.1f),
              r.number("attn_pdrop", 0.1f),
              r.number("layer_norm_epsilon", 1e-5f),
              bos,
              eos,
              r.integer("pad_token_id", -1),
              activation);
    } catch (IllegalArgumentException e) {
      throw new CheckpointException(source, null, e.getMessage(), e);
    }
    JsonNode nCtx = root.get("n_ctx");
    if (nCtx != null && nCtx.isIntegralNumber() && nCtx.asInt() != model.contextLength()) {
      throw new CheckpointException(
          source, "n_ctx", "is " + nCtx + " but n_positions is " + model.contextLength());
    }
    List<String> architectures = List.of();
    JsonNode arch = root.get("architectures");
    if (arch != null && !arch.isNull()) {
      if (!arch.isArray()) {
        throw new CheckpointException(source, "architectures", "must be a list of strings");
      }
      architectures = JSON.convertValue(arch, JSON.getTypeFactory().constructCollectionType(List.class, String.class));
    }
    Map<String, Object> extras = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!OWN_KEYS.contains(e.getKey())) {
        extras.put(e.getKey(), JSON.convertValue(e.getValue(), Object.class));
      }
    }
    return new HfConfig(model, architectures, extras);
  }

  /**
   * The JSON HF's {@code GPT2Config.from_pretrained} reads: our keys plus extras, sorted by key
   * and indented by 2 as HF writes it, so diffs between checkpoints stay readable.
   */
  public String toJson() {
    Map<String, Object> root = new TreeMap<>(extras);
    root.put("model_type", "gpt2");
    root.put("architectures", architectures);
    root.put("vocab_size", model.vocabSize());
    root.put("n_positions", model.contextLength());
    root.put("n_embd", model.width());
    root.put("n_layer", model.layers());
    root.put("n_head", model.heads());
    root.put("n_inner", null);
    root.put("activation_function", model.activation().hfName());
    root.put("resid_pdrop", decimal(model.residualDropout()));
    root.put("embd_pdrop", decimal(model.embeddingDropout()));
    root.put("attn_pdrop", decimal(model.attentionDropout()));
    root.put("layer_norm_epsilon", decimal(model.layerNormEpsilon()));
    root.put("bos_token_id", model.bosTokenId() < 0 ? null : model.bosTokenId());
    root.put("eos_token_id", model.eosTokenId());
    root.put("pad_token_id", model.padTokenId());
    if (root.containsKey("n_ctx")) {
      // Legacy alias of n_positions kept from a foreign config: keep it consistent, or our own
      // reader would reject the file after a context-length change.
      root.put("n_ctx", model.contextLength());
    }
    try {
      return JSON.writeValueAsString(root) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("config extras are not JSON-serialisable: " + e.getMessage(), e);
    }
  }

  /** Writes {@link #toJson()} to {@code file} atomically. */
  public void write(Path file) throws IOException {
    AtomicFiles.writeString(file, toJson());
  }

  /** The float's shortest decimal, so 1e-5f is written as 1.0E-5 and not 9.999999747378752E-6. */
  private static double decimal(float f) {
    return Double.parseDouble(Float.toString(f));
  }

  private static void requireFlag(Path source, JsonNode root, String key, boolean required, String why)
      throws CheckpointException {
    JsonNode v = root.get(key);
    if (v != null && !v.isNull() && (!v.isBoolean() || v.asBoolean() != required)) {
      throw new CheckpointException(
          source, key, "is " + v + " but must be " + required + ": in this model " + why);
    }
  }

  /** Typed access to config keys with errors naming the key. */
  private record Reader(Path source, JsonNode root) {
    int integer(String key, int fallback) throws CheckpointException {
      JsonNode v = root.get(key);
      if (v == null) {
        return fallback;
      }
      if (!v.isIntegralNumber() || !v.canConvertToInt()) {
        throw new CheckpointException(source, key, "must be an integer, got " + v);
      }
      return v.asInt();
    }

    float number(String key, float fallback) throws CheckpointException {
      JsonNode v = root.get(key);
      if (v == null) {
        return fallback;
      }
      if (!v.isNumber()) {
        throw new CheckpointException(source, key, "must be a number, got " + v);
      }
      return (float) v.asDouble();
    }

    String string(String key, String fallback) throws CheckpointException {
      JsonNode v = root.get(key);
      if (v == null || v.isNull()) {
        return fallback;
      }
      if (!v.isTextual()) {
        throw new CheckpointException(source, key, "must be a string, got " + v);
      }
      return v.asText();
    }
  }
}
