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

  @Test
  void rewardAndDpoFromAnSftAdapterWithLoraAndFromADirectoryInFull(@TempDir Path tmp) throws Exception {
    Path base = tinyLlama(tmp.resolve("base"));
    Path demos = tmp.resolve("demos.jsonl");
    Files.writeString(demos, """
        {"prompt": "hello there", "response": "a b c"}
        {"prompt": "hello", "response": "d e f"}
        """);
    Path rankings = tmp.resolve("rankings.jsonl");
    Files.writeString(rankings, """
        {"prompt": "hello there", "chosen": "a b c", "rejected": "f f f"}
        {"prompt": "hello", "chosen": "d e f", "rejected": "a a a"}
        {"prompt": "there", "chosen": "a b", "rejected": "e e"}
        {"prompt": "hello hello", "chosen": "f e d", "rejected": "b b b"}
        """);
    String pad = "<|finetune_right_pad_id|>";
    Cli.Result sft = Cli.run("sft", "--model", base.toString(), "--data", demos.toString(), "--out",
        tmp.resolve("sft").toString(), "--lora", "4", "--epochs", "2", "--batch", "2", "--micro-batch", "2", "--lr", "1e-2",
        "--warmup", "0", "--pad-token", pad, "--device", "cpu");
    assertEquals(0, sft.code(), sft.all());
    String[] common = {"--data", rankings.toString(), "--demonstrations", demos.toString(), "--epochs", "2", "--batch", "2",
        "--micro-batch", "2", "--lr", "1e-2", "--pad-token", pad, "--device", "cpu"};
    Path rmOut = tmp.resolve("rm-lora");
    Cli.Result rm = Cli.run(concat(new String[] {"reward", "--model", tmp.resolve("sft/final").toString(), "--out",
        rmOut.toString(), "--lora", "4"}, common));
    assertEquals(0, rm.code(), rm.all());

    // The reward model starts from the SFT model (base + SFT adapter, merged), not from the bare base.
    Path merged = rmOut.resolve(RewardCommand.MERGED_SFT_DIR);
    String probe = "model.layers.1.mlp.down_proj.weight";
    try (LlamaCheckpoint.LoadedModel b = LlamaCheckpoint.loadModel(base, Device.cpu());
        LlamaCheckpoint.LoadedModel s = LlamaCheckpoint.loadModel(merged, Device.cpu())) {
      float diff = b.model().parameters().get(probe).sub(s.model().parameters().get(probe)).abs().max().getFloat();
      assertTrue(diff > 0, "the merged SFT weights carry the SFT adapter's update");
    }
    Path adapter = rmOut.resolve("final");
    com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
    com.fasterxml.jackson.databind.JsonNode cfg = json.readTree(adapter.resolve("adapter_config.json").toFile());
    assertEquals("SEQ_CLS", cfg.path("task_type").asText(), cfg.toString());
    assertEquals("score", cfg.path("modules_to_save").path(0).asText(), cfg.toString());
    assertEquals(merged.toAbsolutePath().normalize().toString(), LoraAdapter.baseModelPath(adapter));
    try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager()) {
      assertTrue(org.rlhf4j.core.checkpoint.SafeTensors.read(adapter.resolve("adapter_model.safetensors"), m)
          .containsKey("base_model.model.score.weight"), "the trained score head is saved with the adapter");
    }
    // Demonstration normalisation: the saved bias brings the demonstrations' mean score to 0, so the
    // reloaded adapter (base + LoRA + score head) must reproduce the trained model's scores.
    double bias = json.readTree(adapter.resolve(org.rlhf4j.core.checkpoint.ModelCheckpoints.REWARD_EXTRAS_FILE).toFile())
        .path(org.rlhf4j.core.checkpoint.HfConfig.REWARD_BIAS).asDouble(Double.NaN);
    assertTrue(Double.isFinite(bias));
    try (org.rlhf4j.core.checkpoint.ModelCheckpoints.AnyModel any =
            org.rlhf4j.core.checkpoint.ModelCheckpoints.loadAny(adapter, Device.cpu());
        org.rlhf4j.core.tokenizer.Tokenizer tok = org.rlhf4j.core.tokenizer.Tokenizer.load(adapter.resolve("tokenizer.json"),
            new org.rlhf4j.core.tokenizer.Tokenizer.SpecialTokens(null, pad, null))) {
      assertTrue(any.model().hasScoreHead());
      List<int[]> prompts = List.of(tok.encode("hello there"), tok.encode("hello"));
      List<int[]> responses = List.of(withEos(tok.encode("a b c"), tok.eosId()), withEos(tok.encode("d e f"), tok.eosId()));
      double[] raw = org.rlhf4j.core.reward.RewardModel.rawScores(any.model(), prompts, responses, tok.padId(), 8);
      assertEquals(0, (raw[0] + raw[1]) / 2 + bias, 1e-4, "reloaded scores match the normalisation");
    }

    Path full = tmp.resolve("rm-full");
    Cli.Result rmFull = Cli.run(concat(new String[] {"reward", "--model", base.toString(), "--out", full.toString()}, common));
    assertEquals(0, rmFull.code(), rmFull.all());
    com.fasterxml.jackson.databind.JsonNode fullCfg = json.readTree(full.resolve("final/config.json").toFile());
    assertEquals("LlamaForSequenceClassification", fullCfg.path("architectures").path(0).asText(), fullCfg.toString());
    assertTrue(fullCfg.has(org.rlhf4j.core.checkpoint.HfConfig.REWARD_BIAS), fullCfg.toString());
    try (LlamaCheckpoint.LoadedModel m = LlamaCheckpoint.loadModel(full.resolve("final"), Device.cpu())) {
      assertTrue(m.model().hasScoreHead());
    }

    // DPO with LoRA from the SFT adapter: the reference is the SFT model, so the first step's loss
    // (computed before any update) is exactly log 2; against the bare base it would not be.
    String[] dpoCommon = {"--data", rankings.toString(), "--epochs", "2", "--batch", "2", "--micro-batch", "2",
        "--lr", "1e-2", "--pad-token", pad, "--device", "cpu"};
    Path dpoOut = tmp.resolve("dpo-lora");
    Cli.Result dpo = Cli.run(concat(new String[] {"dpo", "--policy", tmp.resolve("sft/final").toString(), "--out",
        dpoOut.toString(), "--lora", "4"}, dpoCommon));
    assertEquals(0, dpo.code(), dpo.all());
    com.fasterxml.jackson.databind.JsonNode first =
        json.readTree(Files.readAllLines(dpoOut.resolve("metrics.jsonl")).get(0));
    assertEquals(Math.log(2), first.path(org.rlhf4j.core.train.Metrics.TRAIN_LOSS).asDouble(), 1e-6, first.toString());
    Path dpoAdapter = dpoOut.resolve("final");
    assertEquals(dpoOut.resolve(RewardCommand.MERGED_SFT_DIR).toAbsolutePath().normalize().toString(),
        LoraAdapter.baseModelPath(dpoAdapter));
    try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager()) {
      float moved = org.rlhf4j.core.checkpoint.SafeTensors.read(dpoAdapter.resolve("adapter_model.safetensors"), m)
          .get("base_model.model.model.layers.1.mlp.down_proj.lora_B.weight").abs().max().getFloat();
      assertTrue(moved > 0, "the DPO adapter was trained");
    }
    Cli.Result dpoFull = Cli.run(concat(new String[] {"dpo", "--policy", base.toString(), "--out",
        tmp.resolve("dpo-full").toString()}, dpoCommon));
    assertEquals(0, dpoFull.code(), dpoFull.all());
    assertEquals("LlamaForCausalLM", json.readTree(tmp.resolve("dpo-full/final/config.json").toFile())
        .path("architectures").path(0).asText());
  }

  private static int[] withEos(int[] ids, int eos) {
    int[] out = java.util.Arrays.copyOf(ids, ids.length + 1);
    out[ids.length] = eos;
    return out;
  }

  private static String[] concat(String[] a, String[] b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
