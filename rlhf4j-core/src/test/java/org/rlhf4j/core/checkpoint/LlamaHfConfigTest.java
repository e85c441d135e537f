package org.rlhf4j.core.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.rlhf4j.core.model.LlamaConfig;

/** config.json of the Llama family: defaults per model_type, refusals, and the round trip. */
class LlamaHfConfigTest {
  private static final Path SRC = Path.of("config.json");

  private static LlamaHfConfig parse(String json) throws Exception {
    return LlamaHfConfig.parse(new ObjectMapper().readTree(json), SRC);
  }

  @Test
  void familiesDifferInBiasesWindowsAndDefaults() throws Exception {
    String shape = "\"vocab_size\": 100, \"hidden_size\": 64, \"intermediate_size\": 96, \"num_hidden_layers\": 2,"
        + " \"num_attention_heads\": 4, \"max_position_embeddings\": 8192";
    LlamaConfig qwen = parse("{\"model_type\": \"qwen2\", " + shape + ", \"num_key_value_heads\": 2, \"eos_token_id\": 7}").model();
    assertTrue(qwen.qkvBias() && !qwen.outputBias());
    assertEquals(0, qwen.slidingWindow(), "Qwen2 slides only with use_sliding_window");
    assertEquals(2, qwen.groupSize());
    LlamaConfig mistral = parse("{\"model_type\": \"mistral\", " + shape + "}").model();
    assertEquals(4096, mistral.slidingWindow(), "absent: MistralConfig's default");
    assertEquals(0, parse("{\"model_type\": \"mistral\", " + shape + ", \"sliding_window\": null}").model().slidingWindow());
    LlamaConfig llama = parse("{\"model_type\": \"llama\", " + shape + ", \"attention_bias\": true,"
        + " \"eos_token_id\": [5, 6], \"rope_scaling\": {\"type\": \"llama3\", \"factor\": 32.0, \"low_freq_factor\": 1.0,"
        + " \"high_freq_factor\": 4.0, \"original_max_position_embeddings\": 8192}}").model();
    assertTrue(llama.qkvBias() && llama.outputBias());
    assertEquals(List.of(5, 6), llama.eosTokenIds());
    assertEquals(32.0, llama.ropeScaling().factor());
    assertEquals(16, llama.headDim());
    assertFalse(llama.tieWordEmbeddings());
  }

  @Test
  void unsupportedSettingsAreRefusedNamingTheKey() {
    CheckpointException yarn = assertThrows(CheckpointException.class,
        () -> parse("{\"model_type\": \"llama\", \"rope_scaling\": {\"rope_type\": \"yarn\", \"factor\": 4}}"));
    assertEquals("rope_scaling", yarn.tensor().orElseThrow());
    CheckpointException act = assertThrows(CheckpointException.class,
        () -> parse("{\"model_type\": \"llama\", \"hidden_act\": \"gelu\"}"));
    assertEquals("hidden_act", act.tensor().orElseThrow());
    assertThrows(CheckpointException.class, () -> parse("{\"model_type\": \"gemma\"}"));
  }

  @Test
  void writtenConfigsReadBackWithTheirExtras() throws Exception {
    LlamaHfConfig cfg = parse("{\"model_type\": \"llama\", \"vocab_size\": 100, \"hidden_size\": 64,"
        + " \"num_attention_heads\": 4, \"torch_dtype\": \"bfloat16\", \"eos_token_id\": [1, 2],"
        + " \"rope_scaling\": {\"rope_type\": \"llama3\", \"factor\": 8.0, \"low_freq_factor\": 1.0,"
        + " \"high_freq_factor\": 4.0, \"original_max_position_embeddings\": 8192}}");
    String json = new ObjectMapper().writeValueAsString(cfg.toJsonMap());
    LlamaHfConfig back = parse(json);
    assertEquals(cfg.model(), back.model());
    assertEquals("bfloat16", back.extras().get("torch_dtype"));
  }
}
