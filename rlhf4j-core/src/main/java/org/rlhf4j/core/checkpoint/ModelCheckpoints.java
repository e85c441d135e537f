package org.rlhf4j.core.checkpoint;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.rlhf4j.core.lora.LoraAdapter;
import org.rlhf4j.core.model.CausalLm;
import org.rlhf4j.core.model.GptModel;

/** Loads and saves {@link GptModel}s as Hugging Face checkpoint directories, and any family for inference. */
public final class ModelCheckpoints {
  private ModelCheckpoints() {}

  /**
   * A model of any supported family, with what must be closed with it (the base weights and the
   * adapter of a LoRA directory).
   */
  public record AnyModel(CausalLm model, List<AutoCloseable> owned) implements AutoCloseable {
    @Override
    public void close() {
      for (int i = owned.size() - 1; i >= 0; i--) {
        try {
          owned.get(i).close();
        } catch (Exception e) {
          throw new IllegalStateException("closing " + owned.get(i), e);
        }
      }
    }
  }

  /**
   * Loads a GPT-2 checkpoint, a Llama-family directory ({@code model_type} llama, qwen2, mistral),
   * or a PEFT LoRA adapter directory (its base found through {@code base_model_name_or_path},
   * resolved against the adapter directory) as a {@link CausalLm}.
   */
  public static AnyModel loadAny(Path dir, Device device) throws IOException {
    List<AutoCloseable> owned = new ArrayList<>();
    try {
      if (LoraAdapter.isAdapter(dir)) {
        String base = LoraAdapter.baseModelPath(dir);
        if (base == null) {
          throw new CheckpointException(dir.resolve(LoraAdapter.CONFIG_FILE), "base_model_name_or_path",
              "missing; the adapter does not say which model it adapts");
        }
        LlamaCheckpoint.LoadedModel lm = LlamaCheckpoint.loadModel(dir.resolve(base).normalize(), device);
        owned.add(lm);
        LoraAdapter adapter = LoraAdapter.load(dir, lm.model());
        owned.add(adapter);
        return new AnyModel(lm.model().withAdapter(adapter), owned);
      }
      if (LlamaCheckpoint.isLlamaFamily(dir)) {
        LlamaCheckpoint.LoadedModel lm = LlamaCheckpoint.loadModel(dir, device);
        owned.add(lm);
        return new AnyModel(lm.model(), owned);
      }
      LoadedModel gpt = load(dir, device);
      owned.add(gpt);
      return new AnyModel(gpt.model(), owned);
    } catch (IOException | RuntimeException e) {
      new AnyModel(null, owned).close();
      throw e;
    }
  }

  /** A model with the config it was saved with (extras such as reward normalisation included). */
  public record LoadedModel(GptModel model, HfConfig config) implements AutoCloseable {
    @Override
    public void close() {
      model.close();
    }
  }

  /** Loads a checkpoint directory onto {@code device}; the caller closes the model. */
  public static LoadedModel load(Path dir, Device device) throws IOException {
    try (NDManager tmp = NDManager.newBaseManager(device)) {
      Checkpoint.Loaded loaded = Checkpoint.load(dir, tmp);
      GptModel model = GptModel.fromTensors(loaded.config().model(), loaded.parameters(), device);
      return new LoadedModel(model, loaded.config());
    }
  }

  /**
   * Saves {@code model} with {@code config}'s extras; the model's own {@link
   * org.rlhf4j.core.model.GptConfig} replaces the one in {@code config}.
   */
  public static void save(Path dir, GptModel model, HfConfig config, Path tokenizerJson, Checkpoint.ResumeState resume)
      throws IOException {
    HfConfig cfg = (config == null ? HfConfig.of(model.config()) : config.withModel(model.config()));
    Checkpoint.save(dir, cfg, model.parameters(), tokenizerJson, DataType.FLOAT32, resume);
  }

  /** Saves weights in float16 to halve the size on disk (shipped base models); loads as float32. */
  public static void saveHalf(Path dir, GptModel model, HfConfig config, Path tokenizerJson) throws IOException {
    HfConfig cfg = (config == null ? HfConfig.of(model.config()) : config.withModel(model.config()));
    Checkpoint.save(dir, cfg, model.parameters(), tokenizerJson, DataType.FLOAT16, null);
  }

  /** True if {@code dir} looks like a checkpoint (has a config and weights). */
  public static boolean exists(Path dir) {
    return Files.isRegularFile(dir.resolve(Checkpoint.CONFIG_FILE))
        && Files.isRegularFile(dir.resolve(Checkpoint.WEIGHTS_FILE));
  }

  /** Copies tensors to float arrays (for tests and EMA snapshots). */
  static Map<String, float[]> toFloatArrays(Map<String, NDArray> tensors) {
    Map<String, float[]> out = new java.util.LinkedHashMap<>();
    tensors.forEach((k, v) -> out.put(k, v.toFloatArray()));
    return out;
  }
}
