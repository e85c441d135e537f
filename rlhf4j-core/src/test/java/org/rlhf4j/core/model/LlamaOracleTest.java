package org.rlhf4j.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.rlhf4j.core.model.OracleAsserts.assertClose;
import static org.rlhf4j.core.model.OracleAsserts.resource;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.rlhf4j.core.checkpoint.LlamaCheckpoint;
import org.rlhf4j.core.checkpoint.SafeTensors;

/**
 * The Java Llama-family decoder against an independent PyTorch reference
 * (src/test/python/make_llama_oracle.py): {@code llama-oracle/} (GQA, untied head, llama3 RoPE
 * scaling, float32 single file) and {@code qwen2-oracle/} (multi-query, q/k/v biases, tied
 * embeddings, bfloat16 weights in two shards): logits, loss, every gradient and the scalar head;
 * then KV-cache decoding against the full forward, and save/load round trips.
 */
class LlamaOracleTest {
  @ParameterizedTest
  @ValueSource(strings = {"llama-oracle", "qwen2-oracle"})
  void logitsLossGradientsAndScoreMatchPyTorch(String set) throws Exception {
    Path dir = resource(set);
    try (LlamaCheckpoint.LoadedModel lm = LlamaCheckpoint.loadModel(dir, Device.cpu());
        NDManager m = lm.model().manager().newSubManager()) {
      LlamaModel model = lm.model();
      Map<String, NDArray> fx = SafeTensors.read(dir.resolve("fixture.safetensors"), m);
      NDArray ids = fx.get("input_ids");
      NDArray mask = fx.get("attention_mask");
      model.setRequiresGradient(true);
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDArray hidden = model.forward(ids, mask, null);
        assertClose(fx.get("hidden"), hidden, 2e-4f, "hidden");
        NDArray logits = model.logits(hidden);
        assertClose(fx.get("logits"), logits, 5e-4f, "logits");
        NDArray lossMask = mask.get(":, :-1").mul(mask.get(":, 1:"));
        NDArray lp = LmMath.tokenLogprobs(logits.get(":, :-1, :"), ids.get(":, 1:"), 1f);
        NDArray loss = LmMath.maskedMean(lp, lossMask).neg();
        assertEquals(fx.get("loss").getFloat(), loss.getFloat(), 2e-5, "loss");
        long t = ids.getShape().get(1);
        NDArray score = model.score(hidden, m.create(new long[] {t - 1, t - 1, t - 1}));
        assertClose(fx.get("score"), score, 1e-4f, "score");
        gc.backward(loss);
      }
      int checked = 0;
      for (Map.Entry<String, NDArray> p : model.parameters().entrySet()) {
        NDArray expected = fx.get("grad." + p.getKey());
        if (expected == null) {
          continue; // score.weight takes no part in the LM loss
        }
        NDArray g = p.getValue().getGradient();
        g.attach(m);
        float scale = Math.max(1e-3f, expected.abs().max().getFloat());
        assertClose(expected.div(scale), g.div(scale), 2e-4f, "grad." + p.getKey());
        checked++;
      }
      assertEquals(model.parameters().size() - 1, checked, "every parameter but the score head has a gradient");
      model.setRequiresGradient(false);
    }
  }

  @Test
  void configsParseTheFamilyDifferences() throws Exception {
    try (LlamaCheckpoint.LoadedModel llama = LlamaCheckpoint.loadModel(resource("llama-oracle"), Device.cpu());
        LlamaCheckpoint.LoadedModel qwen = LlamaCheckpoint.loadModel(resource("qwen2-oracle"), Device.cpu())) {
      LlamaConfig l = llama.model().config();
      assertEquals(2, l.groupSize());
      assertFalse(l.tieWordEmbeddings());
      assertEquals(8.0, l.ropeScaling().factor());
      assertEquals(List.of(0, 2), l.eosTokenIds());
      assertEquals(List.of(0, 2), LlamaCheckpoint.eosTokenIds(l, llama.generation()));
      assertTrue(llama.model().parameters().containsKey("lm_head.weight"));
      LlamaConfig q = qwen.model().config();
      assertEquals(4, q.groupSize());
      assertTrue(q.tieWordEmbeddings() && q.qkvBias() && !q.outputBias());
      assertFalse(qwen.model().parameters().containsKey("lm_head.weight"));
      assertEquals(l.parameterCount(true), llama.model().parameterCount());
      assertEquals(q.parameterCount(true), qwen.model().parameterCount());
    }
  }

  /** llama3 scaling: the band limits of Meta's apply_scaling, worked by hand for D=8, orig=64. */
  @Test
  void llama3RopeScalingKeepsSmoothsAndStretches() {
    LlamaConfig c = new LlamaConfig("llama", 10, 8, 8, 1, 1, 1, 8, 64, 1e-5f, 10000.0,
        new LlamaConfig.RopeScaling(8, 1, 4, 64), false, false, false, false, 0, -1, List.of(0), -1);
    float[] f = c.inverseFrequencies();
    assertEquals(1.0f, f[0], 1e-7f); // wavelength 6.3 < 16: kept
    double wavelen = 2 * Math.PI / 0.1;
    double s = (64 / wavelen - 1) / 3; // 62.8 in [16, 64]: smoothed
    assertEquals((1 - s) * 0.1 / 8 + s * 0.1, f[1], 1e-7);
    assertEquals(0.01f / 8, f[2], 1e-9f); // 628 > 64: stretched
    assertEquals(0.001f / 8, f[3], 1e-10f);
  }

  @ParameterizedTest
  @ValueSource(strings = {"llama-oracle", "qwen2-oracle"})
  void kvCacheDecodingMatchesTheFullForward(String set) throws Exception {
    Path dir = resource(set);
    try (LlamaCheckpoint.LoadedModel lm = LlamaCheckpoint.loadModel(dir, Device.cpu());
        NDManager m = lm.model().manager().newSubManager()) {
      LlamaModel model = lm.model();
      Map<String, NDArray> fx = SafeTensors.read(dir.resolve("fixture.safetensors"), m);
      NDArray ids = fx.get("input_ids");
      NDArray mask = fx.get("attention_mask");
      NDArray full = model.logits(model.forward(ids, mask, null)); // (B, T, V)
      long t = ids.getShape().get(1);
      int prefix = 7; // covers every row's padding
      try (KvCache cache = new KvCache(m, model.config().layers())) {
        NDArray first = model.logits(model.forward(ids.get(":, :" + prefix), mask.get(":, :" + prefix), cache));
        assertClose(full.get(":, :" + prefix + ", :"), first, 1e-4f, "prefix logits");
        for (long i = prefix; i < t; i++) {
          NDArray step = model.logits(model.forward(ids.get(":, " + i + ":" + (i + 1)), mask.get(":, :" + (i + 1)), cache));
          assertClose(full.get(":, " + i + ":" + (i + 1) + ", :"), step, 1e-4f, "decode step " + i);
        }
        assertEquals(t, cache.length());
      }
    }
  }

  /** Greedy decoding through the shared Generator (KV cache, GQA, two EOS ids) equals argmax re-runs. */
  @Test
  void greedyGenerationMatchesFullRecomputation() throws Exception {
    try (LlamaCheckpoint.LoadedModel lm = LlamaCheckpoint.loadModel(resource("llama-oracle"), Device.cpu());
        NDManager m = lm.model().manager().newSubManager()) {
      CausalLm model = lm.model();
      List<int[]> prompts = List.of(new int[] {5, 17, 33, 8}, new int[] {40, 41});
      org.rlhf4j.core.generate.Generation g = org.rlhf4j.core.generate.Generator.generate(
          model, prompts, org.rlhf4j.core.generate.SamplingConfig.greedy(6));
      for (int i = 0; i < prompts.size(); i++) {
        int[] seq = prompts.get(i);
        for (int tok : g.responses()[i]) {
          NDArray logits = model.logits(model.forward(m.create(new long[][] {toLongs(seq)}), null, null));
          int argmax = (int) logits.get("0, -1, :").argMax().getLong();
          assertEquals(argmax, tok, "row " + i + " after " + seq.length + " tokens");
          seq = java.util.Arrays.copyOf(seq, seq.length + 1);
          seq[seq.length - 1] = tok;
        }
        int[] r = g.responses()[i];
        assertEquals(g.endedWithEos()[i], r.length > 0 && (r[r.length - 1] == 0 || r[r.length - 1] == 2));
      }
    }
  }

  private static long[] toLongs(int[] a) {
    long[] out = new long[a.length];
    for (int i = 0; i < a.length; i++) {
      out[i] = a[i];
    }
    return out;
  }

  @Test
  void leftPaddingDoesNotChangeARowsLogits() throws Exception {
    Path dir = resource("llama-oracle");
    try (LlamaCheckpoint.LoadedModel lm = LlamaCheckpoint.loadModel(dir, Device.cpu());
        NDManager m = lm.model().manager().newSubManager()) {
      Map<String, NDArray> fx = SafeTensors.read(dir.resolve("fixture.safetensors"), m);
      NDArray ids = fx.get("input_ids");
      NDArray padded = lm.model().logits(lm.model().forward(ids, fx.get("attention_mask"), null));
      NDArray row = ids.get("2:3, 5:"); // row 2 has 5 leading pads
      NDArray alone = lm.model().logits(lm.model().forward(row, null, null));
      assertClose(padded.get("2:3, 5:, :"), alone, 1e-4f, "unpadded row");
    }
  }

  @Test
  void savedDirectoriesLoadBackInEveryStorageAndShardLayout(@TempDir Path tmp) throws Exception {
    Path dir = resource("llama-oracle");
    try (LlamaCheckpoint.LoadedModel lm = LlamaCheckpoint.loadModel(dir, Device.cpu());
        NDManager m = lm.model().manager().newSubManager()) {
      Map<String, NDArray> fx = SafeTensors.read(dir.resolve("fixture.safetensors"), m);
      NDArray ids = fx.get("input_ids");
      NDArray mask = fx.get("attention_mask");
      NDArray expected = lm.model().logits(lm.model().forward(ids, mask, null));
      for (DataType storage : new DataType[] {DataType.FLOAT32, DataType.BFLOAT16}) {
        Path out = tmp.resolve("saved-" + storage);
        Files.writeString(tmp.resolve("tokenizer_config.json"), "{\"eos_token\": \"</s>\"}");
        LlamaCheckpoint.save(out, lm.config(), lm.model().parameters(), storage, 20_000, dir, null);
        assertTrue(Files.isRegularFile(out.resolve(LlamaCheckpoint.INDEX_FILE)), "sharded at 20 kB");
        assertTrue(Files.isRegularFile(out.resolve(LlamaCheckpoint.GENERATION_CONFIG_FILE)));
        assertFalse(Files.exists(out.resolve("model.safetensors")));
        try (LlamaCheckpoint.LoadedModel back = LlamaCheckpoint.loadModel(out, Device.cpu())) {
          NDArray logits = back.model().logits(back.model().forward(ids, mask, null));
          logits.attach(m);
          assertClose(expected, logits, storage == DataType.FLOAT32 ? 1e-6f : 0.2f, "logits after " + storage);
          assertEquals(lm.config().model(), back.config().model());
          assertEquals(List.of(0, 2), LlamaCheckpoint.eosTokenIds(back.config().model(), back.generation()));
        }
      }
    }
  }

  @Test
  void tiedModelsNeverWriteTheHeadAndScoreHeadsSaveAsSequenceClassification(@TempDir Path tmp) throws Exception {
    LlamaConfig tied = LlamaConfig.llama(50, 16, 24, 1, 4, 2, 32).withTieWordEmbeddings(true);
    try (LlamaModel model = LlamaModel.create(tied, Device.cpu(), 7, true)) {
      LlamaCheckpoint.save(tmp.resolve("rm"), model, null, null);
      Map<String, Object> config = new com.fasterxml.jackson.databind.ObjectMapper()
          .readValue(tmp.resolve("rm/config.json").toFile(), Map.class);
      assertEquals(List.of("LlamaForSequenceClassification"), config.get("architectures"));
      try (NDManager m = NDManager.newBaseManager()) {
        Map<String, NDArray> stored = SafeTensors.read(tmp.resolve("rm/model.safetensors"), m);
        assertFalse(stored.containsKey("lm_head.weight"));
        assertTrue(stored.containsKey("score.weight"));
      }
      try (LlamaCheckpoint.LoadedModel back = LlamaCheckpoint.loadModel(tmp.resolve("rm"), Device.cpu())) {
        assertTrue(back.model().hasScoreHead());
      }
    }
  }

  @Test
  void longerThanTheSlidingWindowIsRefusedNotComputedWrongly() {
    LlamaConfig mistral = new LlamaConfig("mistral", 20, 8, 8, 1, 2, 1, 4, 64, 1e-5f, 10000.0, null,
        false, false, false, false, 4, -1, List.of(0), -1);
    try (LlamaModel model = LlamaModel.create(mistral, Device.cpu(), 1, false);
        NDManager m = NDManager.newBaseManager()) {
      model.forward(m.create(new long[][] {{1, 2, 3, 4}}), null, null);
      assertThrows(IllegalArgumentException.class,
          () -> model.forward(m.create(new long[][] {{1, 2, 3, 4, 5}}), null, null));
    }
  }

}
