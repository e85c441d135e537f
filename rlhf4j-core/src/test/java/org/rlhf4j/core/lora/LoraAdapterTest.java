package org.rlhf4j.core.lora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.rlhf4j.core.model.OracleAsserts.assertClose;
import static org.rlhf4j.core.model.OracleAsserts.resource;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rlhf4j.core.checkpoint.CheckpointException;
import org.rlhf4j.core.checkpoint.LlamaCheckpoint;
import org.rlhf4j.core.checkpoint.SafeTensors;
import org.rlhf4j.core.model.LlamaModel;
import org.rlhf4j.core.model.LmMath;

/**
 * LoRA against the PyTorch reference (make_llama_oracle.py, llama-lora-oracle/: a PEFT adapter
 * with modules_to_save ["score"] on llama-oracle): logits, loss, score and every lora_A / lora_B
 * gradient; then the invariants: a fresh adapter changes nothing, merging equals applying, the
 * PEFT files round-trip, a copy is independent, and the base never trains.
 */
class LoraAdapterTest {
  @Test
  void forwardAndGradientsMatchPyTorch() throws Exception {
    Path dir = resource("llama-lora-oracle");
    try (LlamaCheckpoint.LoadedModel base = LlamaCheckpoint.loadModel(resource("llama-oracle"), Device.cpu());
        LoraAdapter adapter = LoraAdapter.load(dir, base.model());
        NDManager m = NDManager.newBaseManager()) {
      assertEquals(2f, adapter.config().scaling());
      LlamaModel view = base.model().withAdapter(adapter);
      Map<String, NDArray> fx = SafeTensors.read(dir.resolve("fixture.safetensors"), m);
      NDArray ids = fx.get("input_ids");
      NDArray mask = fx.get("attention_mask");
      view.setRequiresGradient(true);
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDArray hidden = view.forward(ids, mask, null);
        NDArray logits = view.logits(hidden);
        assertClose(fx.get("logits"), logits, 5e-4f, "logits");
        NDArray lossMask = mask.get(":, :-1").mul(mask.get(":, 1:"));
        NDArray loss = LmMath.maskedMean(LmMath.tokenLogprobs(logits.get(":, :-1, :"), ids.get(":, 1:"), 1f), lossMask).neg();
        assertEquals(fx.get("loss").getFloat(), loss.getFloat(), 2e-5, "loss");
        long t = ids.getShape().get(1);
        assertClose(fx.get("score"), view.score(hidden, m.create(new long[] {t - 1, t - 1, t - 1})), 1e-4f, "score");
        gc.backward(loss);
      }
      int checked = 0;
      for (Map.Entry<String, NDArray> p : adapter.parameters().entrySet()) {
        NDArray expected = fx.get("grad." + p.getKey());
        if (expected == null) {
          continue; // score.weight is not in the LM loss
        }
        NDArray g = p.getValue().getGradient();
        float scale = Math.max(1e-3f, expected.abs().max().getFloat());
        assertClose(expected.div(scale), g.div(scale), 2e-4f, "grad." + p.getKey());
        checked++;
      }
      assertEquals(16, checked, "2 layers x 4 targets x (A, B)");
      assertTrue(!base.model().baseParameters().get("model.layers.0.self_attn.q_proj.weight").hasGradient(),
          "the base stays frozen");
      view.setRequiresGradient(false);
    }
  }

  @Test
  void aFreshAdapterChangesNothingAndMergingEqualsApplying(@TempDir Path tmp) throws Exception {
    Path dir = resource("llama-lora-oracle");
    try (LlamaCheckpoint.LoadedModel base = LlamaCheckpoint.loadModel(resource("llama-oracle"), Device.cpu());
        LoraAdapter fresh = LoraAdapter.create(LoraConfig.allLinear(2), base.model(), 3);
        LoraAdapter trained = LoraAdapter.load(dir, base.model());
        NDManager m = NDManager.newBaseManager()) {
      NDArray ids = SafeTensors.read(dir.resolve("fixture.safetensors"), m).get("input_ids");
      NDArray plain = base.model().logits(base.model().forward(ids, null, null));
      NDArray withFresh = base.model().withAdapter(fresh).logits(base.model().withAdapter(fresh).forward(ids, null, null));
      assertClose(plain, withFresh, 1e-6f, "B = 0 at initialisation");
      assertEquals(2 * 7 * 2, fresh.parameters().size());

      LlamaModel view = base.model().withAdapter(trained);
      NDArray applied = view.logits(view.forward(ids, null, null));
      Map<String, NDArray> merged = trained.merge(base.model(), m);
      try (LlamaModel plainMerged = LlamaModel.fromTensors(base.model().config(), merged, Device.cpu())) {
        assertTrue(plainMerged.hasScoreHead());
        assertClose(applied, plainMerged.logits(plainMerged.forward(ids, null, null)), 2e-4f, "merged");
        LlamaCheckpoint.save(tmp.resolve("merged"), plainMerged, base.config(), null);
      }
      try (LlamaCheckpoint.LoadedModel back = LlamaCheckpoint.loadModel(tmp.resolve("merged"), Device.cpu())) {
        assertClose(applied, back.model().logits(back.model().forward(ids, null, null)), 2e-4f, "merged, saved, loaded");
      }
    }
  }

  @Test
  void peftFilesRoundTripAndCopiesAreIndependent(@TempDir Path tmp) throws Exception {
    try (LlamaCheckpoint.LoadedModel base = LlamaCheckpoint.loadModel(resource("llama-oracle"), Device.cpu());
        LoraAdapter sft = LoraAdapter.create(new LoraConfig(4, 16, 0.1f, List.of("q_proj", "up_proj"), false), base.model(), 5);
        NDManager m = NDManager.newBaseManager()) {
      NDArray b = sft.parameters().get("model.layers.1.mlp.up_proj.lora_B.weight");
      b.set(m.randomNormal(b.getShape()).toFloatArray());
      sft.save(tmp.resolve("adapter"), "some/base");
      JsonNode cfg = new ObjectMapper().readTree(tmp.resolve("adapter/adapter_config.json").toFile());
      assertEquals("LORA", cfg.path("peft_type").asText());
      assertEquals(4, cfg.path("r").asInt());
      assertEquals("some/base", LoraAdapter.baseModelPath(tmp.resolve("adapter")));
      Map<String, NDArray> stored = SafeTensors.read(tmp.resolve("adapter/adapter_model.safetensors"), m);
      assertTrue(stored.containsKey("base_model.model.model.layers.1.mlp.up_proj.lora_B.weight"), stored.keySet().toString());
      NDArray ids = m.create(new long[][] {{3, 9, 27, 81}});
      try (LoraAdapter back = LoraAdapter.load(tmp.resolve("adapter"), base.model());
          LoraAdapter policy = sft.copy()) {
        NDArray expected = base.model().withAdapter(sft).logits(base.model().withAdapter(sft).forward(ids, null, null));
        assertClose(expected, base.model().withAdapter(back).logits(base.model().withAdapter(back).forward(ids, null, null)), 1e-6f, "reloaded");
        // PPO trains a copy; the reference (base + SFT adapter) must not move.
        NDArray pb = policy.parameters().get("model.layers.1.mlp.up_proj.lora_B.weight");
        pb.set(new float[Math.toIntExact(pb.size())]);
        NDArray reference = base.model().withAdapter(sft).logits(base.model().withAdapter(sft).forward(ids, null, null));
        assertClose(expected, reference, 0f + 1e-7f, "reference after the copy changed");
        assertNull(back.replacement(LlamaModel.SCORE_WEIGHT));
      }
    }
  }

  @Test
  void adaptersForAnotherShapeAreRefused(@TempDir Path tmp) throws Exception {
    try (LlamaModel small = LlamaModel.create(org.rlhf4j.core.model.LlamaConfig.llama(97, 16, 24, 2, 4, 2, 64), Device.cpu(), 1, false)) {
      CheckpointException e = assertThrows(CheckpointException.class,
          () -> LoraAdapter.load(resource("llama-lora-oracle"), small).close());
      assertTrue(e.getMessage().contains("shape"), e.getMessage());
    }
  }

}
