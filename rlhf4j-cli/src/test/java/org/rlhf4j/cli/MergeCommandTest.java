package org.rlhf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rlhf4j.core.checkpoint.LlamaCheckpoint;
import org.rlhf4j.core.lora.LoraAdapter;
import org.rlhf4j.core.lora.LoraConfig;
import org.rlhf4j.core.model.LlamaConfig;
import org.rlhf4j.core.model.LlamaModel;

/** {@code rlhf4j merge} on a tiny random Llama directory: the merged checkpoint computes what base + adapter computes. */
class MergeCommandTest {

  @Test
  void mergedCheckpointEqualsBasePlusAdapter(@TempDir Path tmp) throws Exception {
    LlamaConfig cfg = LlamaConfig.llama(64, 16, 32, 2, 4, 2, 32);
    Path baseDir = tmp.resolve("base");
    Path adapterDir = tmp.resolve("adapter");
    float[] expected;
    try (LlamaModel base = LlamaModel.create(cfg, Device.cpu(), 11, false);
        LoraAdapter lora = LoraAdapter.create(LoraConfig.allLinear(4), base, 12);
        NDManager m = NDManager.newBaseManager()) {
      for (NDArray p : lora.parameters().values()) {
        p.set(m.randomNormal(0f, 0.2f, p.getShape(), p.getDataType()).toFloatArray());
      }
      LlamaCheckpoint.save(baseDir, base, null, null);
      lora.save(adapterDir, "../base");
      LlamaModel view = base.withAdapter(lora);
      expected = view.logits(view.forward(m.create(new long[][] {{1, 5, 9, 13, 2}}), null, null)).toFloatArray();
    }
    Cli.Result r = Cli.run("merge", "--adapter", adapterDir.toString(), "--out", tmp.resolve("merged").toString(),
        "--device", "cpu");
    assertEquals(0, r.code(), r.all());
    assertTrue(Files.isRegularFile(tmp.resolve("merged/model.safetensors")));
    try (LlamaCheckpoint.LoadedModel merged = LlamaCheckpoint.loadModel(tmp.resolve("merged"), Device.cpu());
        NDManager m = NDManager.newBaseManager()) {
      float[] got = merged.model().logits(merged.model().forward(m.create(new long[][] {{1, 5, 9, 13, 2}}), null, null))
          .toFloatArray();
      float worst = 0;
      for (int i = 0; i < got.length; i++) {
        worst = Math.max(worst, Math.abs(got[i] - expected[i]));
      }
      assertTrue(worst < 1e-4f, "max |diff| " + worst);
    }
  }
}
