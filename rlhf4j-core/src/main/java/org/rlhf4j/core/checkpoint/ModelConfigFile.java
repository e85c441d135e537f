package org.rlhf4j.core.checkpoint;

import java.util.Map;

/**
 * A model directory's {@code config.json}, whatever the family: {@link HfConfig} (GPT-2) or
 * {@link LlamaHfConfig} (Llama, Qwen2, Mistral). Trainers only read and add extras (the reward
 * normalisation, for example) and hand it back to {@link ModelCheckpoints#save}.
 */
public sealed interface ModelConfigFile permits HfConfig, LlamaHfConfig {

  /** Keys kept verbatim besides the model shape. */
  Map<String, Object> extras();

  /** The same config with {@code key} set to a JSON-compatible {@code value}. */
  ModelConfigFile withExtra(String key, Object value);

  /** A numeric extra, or {@code fallback} when absent. */
  default double extraDouble(String key, double fallback) {
    Object v = extras().get(key);
    if (v == null) {
      return fallback;
    }
    if (!(v instanceof Number n)) {
      throw new IllegalArgumentException("config key '" + key + "' is not a number: " + v);
    }
    return n.doubleValue();
  }
}
