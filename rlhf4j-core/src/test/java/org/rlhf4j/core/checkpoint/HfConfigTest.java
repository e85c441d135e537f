package org.rlhf4j.core.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rlhf4j.core.model.GptConfig;
import org.rlhf4j.core.model.GptConfig.Activation;

class HfConfigTest {
  private static final Path SRC = Path.of("config.json");
  private static final Activation TANH = Activation.GELU_TANH;
  @TempDir Path dir;

  /** A config.json as HF's GPT2Config.save_pretrained writes it (transformers 4.4x), plus extras. */
  private static final String HF_JSON =
      """
      {
        "_name_or_path": "gpt2",
        "activation_function": "gelu_new",
        "architectures": ["GPT2LMHeadModel"],
        "attn_pdrop": 0.1,
        "bos_token_id": 50256,
        "embd_pdrop": 0.1,
        "eos_token_id": 50256,
        "initializer_range": 0.02,
        "layer_norm_epsilon": 1e-05,
        "model_type": "gpt2",
        "n_ctx": 1024,
        "n_embd": 768,
        "n_head": 12,
        "n_inner": null,
        "n_layer": 12,
        "n_positions": 1024,
        "pad_token_id": 50257,
        "reorder_and_upcast_attn": false,
        "resid_pdrop": 0.1,
        "scale_attn_by_inverse_layer_idx": false,
        "scale_attn_weights": true,
        "summary_activation": null,
        "task_specific_params": {"text-generation": {"do_sample": true, "max_length": 50}},
        "torch_dtype": "float32",
        "transformers_version": "4.44.2",
        "use_cache": true,
        "vocab_size": 50258
      }
      """;

  @Test
  void parsesHuggingFaceGpt2ConfigAndKeepsUnknownKeys() throws IOException {
    HfConfig c = HfConfig.parse(HF_JSON, SRC);
    assertEquals(new GptConfig(50258, 1024, 12, 12, 768, 0.1f, 0.1f, 0.1f, 1e-5f, 50256, 50256, 50257, TANH), c.model());
    assertEquals(List.of("GPT2LMHeadModel"), c.architectures());
    assertEquals(0.02, c.extras().get("initializer_range"));
    assertTrue(c.extras().containsKey("summary_activation") && c.extras().get("summary_activation") == null);
    assertEquals(Map.of("text-generation", Map.of("do_sample", true, "max_length", 50)), c.extras().get("task_specific_params"));

    HfConfig again = HfConfig.parse(c.toJson(), SRC);
    assertEquals(c, again, "a load/save/load round trip must not lose or change any key");
  }

  @Test
  void writesGpt2KeysWithShortDecimalsAndRoundTripsThroughAFile() throws IOException {
    GptConfig model = GptConfig.of(97, 32, 2, 2, 16, 0, 1);
    HfConfig c = HfConfig.of(model).withExtra(HfConfig.REWARD_GAIN, 0.5).withExtra(HfConfig.REWARD_BIAS, -1.25);
    String json = c.toJson();
    for (String key : List.of("\"model_type\" : \"gpt2\"", "\"n_embd\" : 16", "\"n_inner\" : null",
        "\"activation_function\" : \"gelu\"", "\"layer_norm_epsilon\" : 1.0E-5", "\"resid_pdrop\" : 0.1",
        "\"bos_token_id\" : null", "\"pad_token_id\" : 1", "\"architectures\" : [ \"GPT2LMHeadModel\" ]")) {
      assertTrue(json.contains(key), key + " missing from\n" + json);
    }
    Path file = dir.resolve("config.json");
    c.write(file);
    HfConfig back = HfConfig.read(file);
    assertEquals(c, back);
    assertEquals(0.5, back.extraDouble(HfConfig.REWARD_GAIN, 1.0));
    assertEquals(1.0, back.extraDouble("absent", 1.0));
    assertEquals(List.of(file), Files.list(dir).toList());
  }

  @Test
  void missingPadTokenSaysHowToFixIt() {
    String json = HF_JSON.replace("\"pad_token_id\": 50257,", "");
    CheckpointException e = assertThrows(CheckpointException.class, () -> HfConfig.parse(json, SRC));
    assertEquals("pad_token_id", e.tensor().orElseThrow());
    assertTrue(e.getMessage().contains("dedicated pad token") && e.getMessage().contains("\"pad_token_id\""), e.getMessage());
    String nulled = HF_JSON.replace("\"pad_token_id\": 50257", "\"pad_token_id\": null");
    assertThrows(CheckpointException.class, () -> HfConfig.parse(nulled, SRC));
  }

  @Test
  void padEqualToEosIsRejectedWithTheFileNamed() {
    String json = HF_JSON.replace("\"pad_token_id\": 50257", "\"pad_token_id\": 50256");
    CheckpointException e = assertThrows(CheckpointException.class, () -> HfConfig.parse(json, SRC));
    assertTrue(e.getMessage().startsWith(SRC.toString()) && e.getMessage().contains("pad_token_id must differ"), e.getMessage());
  }

  @Test
  void rejectsArchitecturesTheModelDoesNotImplement() {
    // {text to replace, replacement, config key the error must name}
    String[][] cases = {
      {"\"activation_function\": \"gelu_new\"", "\"activation_function\": \"relu\"", "activation_function"},
      {"\"n_inner\": null", "\"n_inner\": 1000", "n_inner"},
      {"\"scale_attn_by_inverse_layer_idx\": false", "\"scale_attn_by_inverse_layer_idx\": true", "scale_attn_by_inverse_layer_idx"},
      {"\"model_type\": \"gpt2\"", "\"model_type\": \"llama\"", "model_type"},
      {"\"use_cache\": true", "\"use_cache\": true, \"tie_word_embeddings\": false", "tie_word_embeddings"},
      {"\"n_ctx\": 1024", "\"n_ctx\": 512", "n_ctx"},
      {"\"vocab_size\": 50258", "\"vocab_size\": \"many\"", "vocab_size"},
    };
    for (String[] c : cases) {
      assertTrue(HF_JSON.contains(c[0]), c[0]);
      CheckpointException ex = assertThrows(CheckpointException.class,
          () -> HfConfig.parse(HF_JSON.replace(c[0], c[1]), SRC), c[1]);
      assertEquals(c[2], ex.tensor().orElse(null), ex.getMessage());
    }
  }

  @Test
  void legacyNCtxFollowsTheContextLength() throws IOException {
    HfConfig c = HfConfig.parse(HF_JSON, SRC);
    GptConfig longer = new GptConfig(50258, 2048, 12, 12, 768, 0.1f, 0.1f, 0.1f, 1e-5f, 50256, 50256, 50257, TANH);
    HfConfig back = HfConfig.parse(c.withModel(longer).toJson(), SRC);
    assertEquals(2048, back.model().contextLength());
    assertEquals(2048, back.extras().get("n_ctx"));
  }

  @Test
  void acceptsNInnerOf4CAndPytorchTanhGelu() throws IOException {
    String json = HF_JSON.replace("\"n_inner\": null", "\"n_inner\": 3072")
        .replace("\"gelu_new\"", "\"gelu_pytorch_tanh\"");
    assertEquals(768, HfConfig.parse(json, SRC).model().width());
    assertEquals(TANH, HfConfig.parse(json, SRC).model().activation());
  }

  @Test
  void exactGeluRoundTripsAndMissingActivationMeansHfDefault() throws IOException {
    String exact = HF_JSON.replace("\"gelu_new\"", "\"gelu\"");
    HfConfig c = HfConfig.parse(exact, SRC);
    assertEquals(Activation.GELU, c.model().activation());
    assertEquals(Activation.GELU, HfConfig.parse(c.toJson(), SRC).model().activation());
    String absent = HF_JSON.replace("\"activation_function\": \"gelu_new\",", "");
    assertEquals(TANH, HfConfig.parse(absent, SRC).model().activation(), "HF GPT2Config defaults to gelu_new");
  }

  @Test
  void missingKeysTakeHfDefaultsExceptPad() throws IOException {
    HfConfig c = HfConfig.parse("{\"pad_token_id\": 50257, \"vocab_size\": 50258}", SRC);
    assertEquals(new GptConfig(50258, 1024, 12, 12, 768, 0.1f, 0.1f, 0.1f, 1e-5f, 50256, 50256, 50257, TANH), c.model());
    assertEquals(List.of(), c.architectures());
  }

  @Test
  void badJsonAndMissingFileAreCheckpointExceptions() {
    assertThrows(CheckpointException.class, () -> HfConfig.parse("{\"vocab_size\": ", SRC));
    assertThrows(CheckpointException.class, () -> HfConfig.parse("[]", SRC));
    CheckpointException e = assertThrows(CheckpointException.class, () -> HfConfig.read(dir.resolve("nope.json")));
    assertTrue(e.getMessage().contains("not found"));
  }

  @Test
  void extrasMayNotShadowModelKeys() {
    GptConfig model = GptConfig.of(97, 32, 2, 2, 16, 0, 1);
    assertThrows(IllegalArgumentException.class, () -> HfConfig.of(model).withExtra("n_embd", 32));
    assertNull(HfConfig.of(model).extras().get("anything"));
    assertTrue(Arrays.asList(HfConfig.of(model).toJson().split("\n")).size() > 10);
  }
}
