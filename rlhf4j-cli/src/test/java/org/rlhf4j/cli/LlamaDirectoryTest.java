package org.rlhf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rlhf4j.core.checkpoint.LlamaCheckpoint;
import org.rlhf4j.core.lora.LoraAdapter;
import org.rlhf4j.core.lora.LoraConfig;
import org.rlhf4j.core.model.LlamaConfig;
import org.rlhf4j.core.model.LlamaModel;

/**
 * {@code rlhf4j generate} on a tiny random Llama directory laid out as the hub ships one (config,
 * weights, tokenizer.json, tokenizer_config.json with a chat template and no pad token), and on a
 * LoRA adapter directory that points at it.
 */
class LlamaDirectoryTest {
  static final String TOKENIZER_JSON = """
      {"version": "1.0", "truncation": null, "padding": null,
       "added_tokens": [
         {"id": 0, "content": "<|begin_of_text|>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
         {"id": 1, "content": "<|eot_id|>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
         {"id": 2, "content": "<|start_header_id|>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
         {"id": 3, "content": "<|end_header_id|>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
         {"id": 4, "content": "<|finetune_right_pad_id|>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true}],
       "normalizer": null, "pre_tokenizer": {"type": "Whitespace"}, "post_processor": null,
       "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": false},
       "model": {"type": "WordLevel", "unk_token": "[UNK]",
                 "vocab": {"<|begin_of_text|>": 0, "<|eot_id|>": 1, "<|start_header_id|>": 2, "<|end_header_id|>": 3,
                           "<|finetune_right_pad_id|>": 4, "[UNK]": 5, "user": 6, "assistant": 7, "hello": 8, "there": 9,
                           "a": 10, "b": 11, "c": 12, "d": 13, "e": 14, "f": 15}}}
      """;

  static final String TOKENIZER_CONFIG = """
      {"bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>",
       "chat_template": "{{ bos_token }}{% for m in messages %}{{ '<|start_header_id|>' + m['role'] + '<|end_header_id|> ' + m['content'] | trim + '<|eot_id|>' }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|> ' }}{% endif %}"}
      """;

  /** Writes a tiny random Llama directory with tokenizer files. */
  static Path tinyLlama(Path dir) throws Exception {
    LlamaConfig cfg = LlamaConfig.llama(16, 16, 32, 2, 4, 2, 64).withTokens(0, List.of(1), 4);
    try (LlamaModel m = LlamaModel.create(cfg, Device.cpu(), 3, false)) {
      LlamaCheckpoint.save(dir, m, null, null);
    }
    Files.writeString(dir.resolve("tokenizer.json"), TOKENIZER_JSON);
    Files.writeString(dir.resolve("tokenizer_config.json"), TOKENIZER_CONFIG);
    return dir;
  }

  @Test
  void generatesFromAHubStyleDirectoryAndFromAnAdapter(@TempDir Path tmp) throws Exception {
    Path base = tinyLlama(tmp.resolve("base"));
    Cli.Result r = Cli.run("generate", "--model", base.toString(), "--prompt", "hello there", "--chat",
        "--pad-token", "<|finetune_right_pad_id|>", "--max-new-tokens", "4", "--temperature", "0", "--device", "cpu");
    assertEquals(0, r.code(), r.all());
    assertTrue(r.out().contains("### hello there"), r.out());

    try (LlamaCheckpoint.LoadedModel lm = LlamaCheckpoint.loadModel(base, Device.cpu());
        LoraAdapter a = LoraAdapter.create(LoraConfig.allLinear(2), lm.model(), 1)) {
      a.save(tmp.resolve("adapter"), "../base");
    }
    Cli.Result viaAdapter = Cli.run("generate", "--model", tmp.resolve("adapter").toString(), "--prompt", "hello there",
        "--chat", "--pad-token", "<|finetune_right_pad_id|>", "--max-new-tokens", "4", "--temperature", "0", "--device", "cpu");
    assertEquals(0, viaAdapter.code(), viaAdapter.all());
    assertEquals(r.out(), viaAdapter.out(), "a fresh adapter (B = 0) generates what its base generates");
  }

  @Test
  void sftWithLoraWritesAPeftAdapterThatGeneratesAndMerges(@TempDir Path tmp) throws Exception {
    Path base = tinyLlama(tmp.resolve("base"));
    Path data = tmp.resolve("demos.jsonl");
    Files.writeString(data, """
        {"prompt": "hello there", "response": "a b c"}
        {"prompt": "hello", "response": "d e f"}
        {"prompt": "there", "response": "a a b"}
        {"prompt": "hello hello", "response": "f e d"}
        """);
    String[] common = {"--model", base.toString(), "--data", data.toString(), "--epochs", "2", "--batch", "2",
        "--micro-batch", "2", "--lr", "1e-2", "--warmup", "0", "--chat", "--pad-token", "<|finetune_right_pad_id|>",
        "--device", "cpu"};
    Cli.Result lora = Cli.run(concat(new String[] {"sft", "--out", tmp.resolve("sft-lora").toString(), "--lora", "4"}, common));
    assertEquals(0, lora.code(), lora.all());
    Path adapter = tmp.resolve("sft-lora/final");
    assertTrue(Files.isRegularFile(adapter.resolve("adapter_config.json")), "a PEFT adapter directory");
    assertTrue(Files.isRegularFile(adapter.resolve("adapter_model.safetensors")));
    assertTrue(Files.isRegularFile(adapter.resolve("tokenizer.json")));
    assertEquals(base.toAbsolutePath().normalize().toString(), LoraAdapter.baseModelPath(adapter));
    try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager()) {
      java.util.Map<String, ai.djl.ndarray.NDArray> t =
          org.rlhf4j.core.checkpoint.SafeTensors.read(adapter.resolve("adapter_model.safetensors"), m);
      assertEquals(2 * 2 * 7, t.size(), "A and B for 7 projections in 2 layers");
      float moved = t.get("base_model.model.model.layers.1.mlp.down_proj.lora_B.weight").abs().max().getFloat();
      assertTrue(moved > 0, "B started at zero and was trained");
    }

    assertTrue(Files.isRegularFile(tmp.resolve("sft-lora/checkpoint/trainer_state.json")), "epoch-1 resume point");
    // Pretend the run was killed after its epoch-1 checkpoint: a finished run is never continued.
    Path record = tmp.resolve("sft-lora/run.json");
    com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
    com.fasterxml.jackson.databind.node.ObjectNode run = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(record.toFile());
    json.writeValue(record.toFile(), run.put("finished", false));
    Cli.Result resumed = Cli.run(concat(new String[] {"sft", "--out", tmp.resolve("sft-lora").toString(), "--lora", "4",
        "--resume"}, common));
    assertEquals(0, resumed.code(), resumed.all());
    assertTrue(resumed.out().contains("done: 4 steps"), "resumed from the adapter checkpoint at step 2: " + resumed.out());

    Cli.Result gen = Cli.run("generate", "--model", adapter.toString(), "--prompt", "hello there", "--chat",
        "--pad-token", "<|finetune_right_pad_id|>", "--max-new-tokens", "3", "--temperature", "0", "--device", "cpu");
    assertEquals(0, gen.code(), gen.all());
    Cli.Result merged = Cli.run("merge", "--adapter", adapter.toString(), "--out", tmp.resolve("merged").toString(),
        "--device", "cpu");
    assertEquals(0, merged.code(), merged.all());

    Cli.Result full = Cli.run(concat(new String[] {"sft", "--out", tmp.resolve("sft-full").toString()}, common));
    assertEquals(0, full.code(), full.all());
    try (LlamaCheckpoint.LoadedModel m = LlamaCheckpoint.loadModel(tmp.resolve("sft-full/final"), Device.cpu())) {
      assertEquals(4, m.model().config().padTokenId(), "the tokenizer's pad is recorded in the saved config");
    }
  }

  private static String[] concat(String[] a, String[] b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
