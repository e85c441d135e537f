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
import org.rlhf4j.core.lora.LoraConfig;
import org.rlhf4j.core.model.CausalLm;
import org.rlhf4j.core.model.GptModel;
import org.rlhf4j.core.model.LlamaConfig;
import org.rlhf4j.core.model.LlamaModel;

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
   * Saves {@code model} with {@code config}'s extras, in its family's layout: a GPT-2 checkpoint, a
   * Llama-family directory (tokenizer files copied from {@code tokenizerJson}'s directory), or, for
   * a LoRA view, a PEFT adapter directory whose {@code base_model_name_or_path} is the base's
   * directory ({@code _name_or_path}); resume state goes alongside in every case. The model's own
   * shape replaces the one in {@code config}.
   */
  public static void save(Path dir, CausalLm model, ModelConfigFile config, Path tokenizerJson,
      Checkpoint.ResumeState resume) throws IOException {
    if (model instanceof GptModel gpt) {
      HfConfig cfg = config == null ? HfConfig.of(gpt.config()) : ((HfConfig) config).withModel(gpt.config());
      Checkpoint.save(dir, cfg, gpt.parameters(), tokenizerJson, DataType.FLOAT32, resume);
      return;
    }
    LlamaModel llama = (LlamaModel) model;
    LlamaHfConfig cfg = config == null ? LlamaHfConfig.of(llama.config()) : ((LlamaHfConfig) config).withModel(llama.config());
    Path tokenizerDir = tokenizerJson == null ? null : tokenizerJson.toAbsolutePath().getParent();
    if (llama.adapter() instanceof LoraAdapter lora) {
      Object base = cfg.extras().get(LlamaCheckpoint.NAME_OR_PATH);
      Checkpoint.replaceDirectory(dir, tmp -> {
        lora.save(tmp, base == null ? null : String.valueOf(base));
        writeRewardExtras(tmp, cfg.extras());
        if (tokenizerDir != null) {
          for (String name : LlamaCheckpoint.TOKENIZER_FILES) {
            if (Files.isRegularFile(tokenizerDir.resolve(name))) {
              Checkpoint.copyDurably(tokenizerDir.resolve(name), tmp.resolve(name));
            }
          }
        }
        Checkpoint.writeResumeState(tmp, resume);
      });
      return;
    }
    LlamaCheckpoint.save(dir, cfg, llama.parameters(), DataType.FLOAT32, Long.MAX_VALUE, tokenizerDir, resume);
  }

  /**
   * PEFT's adapter_config.json has no room for our keys: a reward adapter keeps its normalisation
   * ({@code rlhf4j_reward_*} extras) in {@link #REWARD_EXTRAS_FILE} beside it.
   */
  private static void writeRewardExtras(Path dir, Map<String, Object> extras) throws IOException {
    Map<String, Object> reward = new java.util.TreeMap<>();
    extras.forEach((k, v) -> {
      if (k.startsWith("rlhf4j_reward")) {
        reward.put(k, v);
      }
    });
    if (!reward.isEmpty()) {
      AtomicFiles.writeString(dir.resolve(REWARD_EXTRAS_FILE),
          new com.fasterxml.jackson.databind.ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(reward));
    }
  }

  /** Reward normalisation of a LoRA reward model, next to its adapter files. */
  public static final String REWARD_EXTRAS_FILE = "rlhf4j_reward.json";

  /**
   * Loads the trainable parameters saved in {@code dir} by {@link #save} back into {@code model}
   * (in place) and returns the resume state, arrays in {@code manager}.
   */
  public static Checkpoint.ResumeState restore(Path dir, CausalLm model, NDManager manager) throws IOException {
    if (model instanceof LlamaModel llama && llama.adapter() instanceof LoraAdapter) {
      Map<String, NDArray> stored = SafeTensors.read(dir.resolve(LoraAdapter.WEIGHTS_FILE), manager);
      Map<String, NDArray> bare = new java.util.LinkedHashMap<>();
      stored.forEach((k, v) -> bare.put(k.substring(LoraAdapter.PEFT_PREFIX.length()), v));
      model.loadParameters(bare);
    } else if (model instanceof LlamaModel) {
      model.loadParameters(LlamaCheckpoint.load(dir, manager).parameters());
    } else {
      model.loadParameters(Checkpoint.load(dir, manager).parameters());
    }
    return Checkpoint.loadResumeState(dir, manager);
  }

  /**
   * A model to train, from a GPT-2 checkpoint or a Llama-family directory; with {@code lora}, a
   * Llama-family base gets a fresh adapter and the returned model is the adapter view (the base
   * frozen). A Llama config without {@code pad_token_id} takes {@code tokenizerPad}.
   *
   * @return the model, its config file (extras included) and what to close
   */
  public static Trainable loadForTraining(Path dir, Device device, LoraConfig lora, int tokenizerPad, long seed)
      throws IOException {
    return loadForTraining(dir, device, lora, tokenizerPad, seed, false, null);
  }

  /**
   * {@link #loadForTraining(Path, Device, LoraConfig, int, long)} for the later stages, which start
   * from an SFT model that may be a PEFT adapter directory: such an adapter is merged into its
   * base and written to {@code mergeDir} first, and training starts from those merged SFT weights
   * (a new adapter's {@code base_model_name_or_path} names {@code mergeDir}). With {@code
   * scoreHead}, a LoRA adapter also trains a scalar head ({@code modules_to_save: ["score"]}),
   * the base's if it has one, else a fresh one.
   */
  public static Trainable loadForTraining(Path dir, Device device, LoraConfig lora, int tokenizerPad, long seed,
      boolean scoreHead, Path mergeDir) throws IOException {
    if (LoraAdapter.isAdapter(dir)) {
      if (mergeDir == null) {
        throw new IllegalArgumentException(dir + " is a LoRA adapter; merge it first (rlhf4j merge)");
      }
      mergeAdapter(dir, mergeDir, device);
      dir = mergeDir;
    }
    if (lora != null && scoreHead && !lora.trainScoreHead()) {
      lora = new LoraConfig(lora.rank(), lora.alpha(), lora.dropout(), lora.targetModules(), true);
    }
    if (!LlamaCheckpoint.isLlamaFamily(dir)) {
      if (lora != null) {
        throw new IllegalArgumentException("LoRA is implemented for Llama-family models; " + dir + " is GPT-2");
      }
      LoadedModel gpt = load(dir, device);
      return new Trainable(gpt.model(), gpt.config(), List.of(gpt));
    }
    List<AutoCloseable> owned = new ArrayList<>();
    try (NDManager tmp = NDManager.newBaseManager(device)) {
      LlamaCheckpoint.Loaded loaded = LlamaCheckpoint.load(dir, tmp);
      LlamaConfig shape = loaded.config().model();
      if (shape.padTokenId() < 0 && tokenizerPad >= 0) {
        shape = shape.withTokens(shape.bosTokenId(), shape.eosTokenIds(), tokenizerPad);
      }
      LlamaModel base = LlamaModel.fromTensors(shape, loaded.parameters(), device);
      owned.add(base);
      LlamaHfConfig cfg = loaded.config().withModel(shape);
      if (scoreHead) {
        base.addScoreHead(seed);
      }
      if (lora == null) {
        return new Trainable(base, cfg, owned);
      }
      LoraAdapter adapter = LoraAdapter.create(lora, base, seed);
      owned.add(adapter);
      return new Trainable(base.withAdapter(adapter), cfg, owned);
    } catch (IOException | RuntimeException e) {
      new AnyModel(null, owned).close();
      throw e;
    }
  }

  /**
   * Folds the PEFT adapter in {@code adapterDir} into its base ({@code base_model_name_or_path},
   * resolved against the adapter directory) and writes a plain float32 checkpoint to {@code out},
   * with the adapter's tokenizer files (its base's when it has none).
   */
  public static void mergeAdapter(Path adapterDir, Path out, Device device) throws IOException {
    String named = LoraAdapter.baseModelPath(adapterDir);
    if (named == null) {
      throw new CheckpointException(adapterDir.resolve(LoraAdapter.CONFIG_FILE), "base_model_name_or_path",
          "missing; the adapter does not say which model it adapts");
    }
    Path baseDir = adapterDir.resolve(named).normalize();
    Path tokenizers = Files.isRegularFile(adapterDir.resolve(Checkpoint.TOKENIZER_FILE)) ? adapterDir : baseDir;
    try (LlamaCheckpoint.LoadedModel lm = LlamaCheckpoint.loadModel(baseDir, device);
        LoraAdapter lora = LoraAdapter.load(adapterDir, lm.model());
        NDManager m = lm.model().manager().newSubManager()) {
      LlamaCheckpoint.save(out, lm.config(), lora.merge(lm.model(), m), DataType.FLOAT32, Long.MAX_VALUE, tokenizers, null);
    }
  }

  /** A fresh config file for {@code model}'s shape, without extras. */
  public static ModelConfigFile configOf(CausalLm model) {
    return model instanceof GptModel gpt ? HfConfig.of(gpt.config()) : LlamaHfConfig.of(((LlamaModel) model).config());
  }

  /** A model being trained, with its config file and what to close when done. */
  public record Trainable(CausalLm model, ModelConfigFile config, List<AutoCloseable> owned) implements AutoCloseable {
    @Override
    public void close() {
      new AnyModel(model, owned).close();
    }

    /**
     * For a LoRA view, the frozen model the adapter starts from (the SFT weights when training
     * started from an SFT model), sharing its weights with the view: the reference of DPO and PPO
     * at no extra memory. Null for a plain model, whose reference must be a copy.
     */
    public CausalLm frozenBase() {
      return model instanceof LlamaModel l && l.adapter() != null ? (CausalLm) owned.get(0) : null;
    }
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
