package org.rlhf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rlhf4j.core.checkpoint.Checkpoint;

/** {@code info} loads the checkpoint and reports one that cannot load as broken (issue 16). */
class InfoBrokenCheckpointTest {
  @TempDir Path dir;

  @Test
  void nanWeightsAreReportedBroken() throws IOException {
    Cli.Result good = Cli.run("info", Cli.base().toString());
    assertEquals(0, good.code(), good.all());
    assertTrue(good.out().contains("status        loads"), good.out());

    Path broken = dir.resolve("broken");
    try (NDManager manager = NDManager.newBaseManager()) {
      Checkpoint.Loaded loaded = Checkpoint.load(Cli.base(), manager);
      Map<String, NDArray> params = new LinkedHashMap<>(loaded.parameters());
      float[] ln = params.get("ln_f.weight").toFloatArray();
      ln[0] = Float.NaN;
      params.put("ln_f.weight", manager.create(ln, params.get("ln_f.weight").getShape()));
      Checkpoint.save(broken, loaded.config(), params, Checkpoint.tokenizer(Cli.base()).orElseThrow(),
          DataType.FLOAT32, null);
    }
    Cli.Result info = Cli.run("info", broken.toString());
    assertEquals(1, info.code(), info.all());
    assertTrue(info.out().contains("BROKEN") && info.out().contains("ln_f.weight") && info.out().contains("NaN"),
        info.out());
  }
}
