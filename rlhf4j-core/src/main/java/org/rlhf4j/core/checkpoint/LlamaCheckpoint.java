package org.rlhf4j.core.checkpoint;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.rlhf4j.core.model.LlamaConfig;
import org.rlhf4j.core.model.LlamaModel;

/**
 * A Llama-family model directory as Hugging Face writes it, read and written the same way.
 *
 * <pre>
 * dir/
 *   config.json                      see {@link LlamaHfConfig}
 *   model.safetensors                weights, HF names (model.layers.0.self_attn.q_proj.weight, ...)
 *   or model-00001-of-0000N.safetensors ... + model.safetensors.index.json   (sharded)
 *   generation_config.json           optional; eos_token_id may be a list
 *   tokenizer.json, tokenizer_config.json, special_tokens_map.json   optional, copied verbatim
 *   trainer_state.json, optimizer.safetensors                         resume only (optional)
 * </pre>
 *
 * <p>Weights may be float32, float16 or bfloat16 on disk; they load as float32 (the CPU computes
 * in float32). A tied model's {@code lm_head.weight}, when a checkpoint stores it anyway, and the
 * {@code rotary_emb.inv_freq} buffers of older checkpoints are skipped. Saving replaces the
 * directory atomically like {@link Checkpoint#save}, writes one file or shards of at most {@code
 * maxShardBytes} with HF's index, and never writes a tied {@code lm_head.weight}.
 *
 * <p>Arrays returned by {@link #load} live in the caller's manager; the caller closes them.
 */
public final class LlamaCheckpoint {
  public static final String INDEX_FILE = "model.safetensors.index.json";
  public static final String GENERATION_CONFIG_FILE = "generation_config.json";

  /**
   * The config extra transformers records a model's origin in; set to the absolute directory on
   * load, so an adapter trained on the model can name its base ({@code base_model_name_or_path}).
   */
  public static final String NAME_OR_PATH = "_name_or_path";

  /** Tokenizer files copied verbatim between model directories. */
  public static final List<String> TOKENIZER_FILES =
      List.of("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json");

  /** Buffers some checkpoints store that are not parameters. */
  private static final Pattern IGNORED = Pattern.compile("model\\.layers\\.\\d+\\.self_attn\\.rotary_emb\\.inv_freq");

  private LlamaCheckpoint() {}

  /**
   * A loaded directory.
   *
   * @param config the parsed {@code config.json}
   * @param parameters float32 parameters in {@link LlamaModel#expectedShapes} order
   * @param generation {@code generation_config.json} as a JSON map, empty when absent
   */
  public record Loaded(LlamaHfConfig config, Map<String, NDArray> parameters, Map<String, Object> generation) {}

  /** A model with the config it was saved with. */
  public record LoadedModel(LlamaModel model, LlamaHfConfig config, Map<String, Object> generation)
      implements AutoCloseable {
    @Override
    public void close() {
      model.close();
    }
  }

  /** Whether {@code dir}'s {@code config.json} names a Llama-family {@code model_type}. */
  public static boolean isLlamaFamily(Path dir) throws IOException {
    Path config = dir.resolve(Checkpoint.CONFIG_FILE);
    return Files.isRegularFile(config) && LlamaConfig.MODEL_TYPES.contains(LlamaHfConfig.modelType(config));
  }

  /** Loads a directory onto {@code device} as a {@link LlamaModel}; the caller closes it. */
  public static LoadedModel loadModel(Path dir, Device device) throws IOException {
    try (NDManager tmp = NDManager.newBaseManager(device)) {
      Loaded loaded = load(dir, tmp);
      LlamaModel model = LlamaModel.fromTensors(loaded.config().model(), loaded.parameters(), device);
      return new LoadedModel(model, loaded.config(), loaded.generation());
    }
  }

  /**
   * Loads config, weights (single file or shards) and generation config into {@code manager}.
   *
   * @throws CheckpointException naming the file and tensor for missing, unexpected or mis-shaped
   *     tensors, a broken index, and any corruption of the files
   */
  public static Loaded load(Path dir, NDManager manager) throws IOException {
    Path source = dir.toAbsolutePath().normalize();
    LlamaHfConfig config = LlamaHfConfig.read(source.resolve(Checkpoint.CONFIG_FILE))
        .withExtra(NAME_OR_PATH, source.toString());
    LlamaConfig model = config.model();
    Map<String, NDArray> raw = new LinkedHashMap<>();
    boolean ok = false;
    try {
      for (Path file : weightFiles(source)) {
        Map<String, NDArray> part = SafeTensors.read(file, manager,
            name -> !IGNORED.matcher(name).matches() && !(model.tieWordEmbeddings() && name.equals("lm_head.weight")));
        for (Map.Entry<String, NDArray> e : part.entrySet()) {
          if (raw.put(e.getKey(), e.getValue()) != null) {
            throw new CheckpointException(file, e.getKey(), "stored in more than one shard");
          }
        }
      }
      Map<String, Shape> expected = LlamaModel.expectedShapes(model, raw.containsKey(LlamaModel.SCORE_WEIGHT));
      List<String> missing = new ArrayList<>();
      for (Map.Entry<String, Shape> e : expected.entrySet()) {
        NDArray a = raw.get(e.getKey());
        if (a == null) {
          missing.add(e.getKey());
        } else if (!a.getShape().equals(e.getValue())) {
          throw new CheckpointException(source, e.getKey(), "has shape " + a.getShape() + " but the config needs " + e.getValue());
        }
      }
      if (!missing.isEmpty()) {
        throw new CheckpointException(source, missing.get(0), "missing (" + missing.size() + " expected tensors missing: "
            + (missing.size() <= 8 ? missing : missing.subList(0, 8) + " ...") + ")");
      }
      for (String name : raw.keySet()) {
        if (!expected.containsKey(name)) {
          throw new CheckpointException(source, name,
              "unexpected tensor: a " + model.modelType() + " with this config has no parameter of that name");
        }
      }
      Map<String, NDArray> ordered = new LinkedHashMap<>();
      expected.keySet().forEach(name -> ordered.put(name, raw.get(name)));
      Path gen = source.resolve(GENERATION_CONFIG_FILE);
      Map<String, Object> generation = Files.isRegularFile(gen) ? LlamaHfConfig.readObject(gen) : Map.of();
      ok = true;
      return new Loaded(config, ordered, generation);
    } finally {
      if (!ok) {
        raw.values().forEach(NDArray::close);
      }
    }
  }

  /** The weight files: {@code model.safetensors}, or the shards the index names, in order. */
  static List<Path> weightFiles(Path dir) throws IOException {
    Path single = dir.resolve(Checkpoint.WEIGHTS_FILE);
    if (Files.isRegularFile(single)) {
      return List.of(single);
    }
    Path index = dir.resolve(INDEX_FILE);
    if (!Files.isRegularFile(index)) {
      String hint = Files.exists(dir.resolve("pytorch_model.bin"))
          ? "; only pytorch_model.bin (pickle) is present, which we do not read. Convert it in Python: "
              + "model.save_pretrained(dir, safe_serialization=True)"
          : "";
      throw new CheckpointException(dir, "has neither " + Checkpoint.WEIGHTS_FILE + " nor " + INDEX_FILE + hint);
    }
    Object map = LlamaHfConfig.readObject(index).get("weight_map");
    if (!(map instanceof Map<?, ?> weightMap) || weightMap.isEmpty()) {
      throw new CheckpointException(index, "weight_map", "missing or empty");
    }
    List<Path> files = new ArrayList<>();
    for (Object file : new java.util.TreeSet<>(weightMap.values().stream().map(String::valueOf).toList())) {
      Path shard = dir.resolve(String.valueOf(file)).normalize();
      if (!shard.getParent().equals(dir)) {
        throw new CheckpointException(index, String.valueOf(file), "shard outside the model directory");
      }
      files.add(shard);
    }
    return files;
  }

  /**
   * Saves a model directory atomically.
   *
   * @param dir replaced if it exists (only if it looks like a checkpoint, see {@link Checkpoint})
   * @param config written as {@code config.json}; {@code architectures} follows the score head
   * @param parameters HF-named parameters matching {@link LlamaModel#expectedShapes}
   * @param storage FLOAT32, FLOAT16 or BFLOAT16 on disk
   * @param maxShardBytes shard when the weights exceed this many bytes (HF's {@code
   *     max_shard_size}); {@code Long.MAX_VALUE} for one file
   * @param copyFrom a directory whose tokenizer files and generation config are copied in, or null
   * @param resume trainer and optimiser state, or null
   */
  public static void save(
      Path dir,
      LlamaHfConfig config,
      Map<String, NDArray> parameters,
      DataType storage,
      long maxShardBytes,
      Path copyFrom,
      Checkpoint.ResumeState resume)
      throws IOException {
    boolean scoreHead = parameters.containsKey(LlamaModel.SCORE_WEIGHT);
    Map<String, Shape> expected = LlamaModel.expectedShapes(config.model(), scoreHead);
    for (Map.Entry<String, Shape> e : expected.entrySet()) {
      NDArray a = parameters.get(e.getKey());
      if (a == null || !a.getShape().equals(e.getValue())) {
        throw new IllegalArgumentException("cannot save: tensor '" + e.getKey() + "' is "
            + (a == null ? "missing" : "shaped " + a.getShape()) + ", expected " + e.getValue());
      }
    }
    LlamaHfConfig toWrite = config.withArchitectures(
        List.of(LlamaHfConfig.architecture(config.model().modelType(), scoreHead)));
    if (scoreHead && !config.extras().containsKey("id2label")) {
      // One label, so *ForSequenceClassification builds a (1, C) head for our score.weight.
      toWrite = toWrite.withExtra("id2label", Map.of("0", "LABEL_0")).withExtra("label2id", Map.of("LABEL_0", 0));
    }
    toWrite = toWrite.withExtra("torch_dtype", storage == DataType.BFLOAT16 ? "bfloat16"
        : storage == DataType.FLOAT16 ? "float16" : "float32");
    LlamaHfConfig finalConfig = toWrite;
    Map<String, NDArray> ordered = new LinkedHashMap<>();
    expected.keySet().forEach(name -> ordered.put(name, parameters.get(name)));
    Checkpoint.replaceDirectory(dir, tmp -> {
      finalConfig.write(tmp.resolve(Checkpoint.CONFIG_FILE));
      writeWeights(tmp, ordered, storage, maxShardBytes);
      if (copyFrom != null) {
        for (String name : concat(TOKENIZER_FILES, GENERATION_CONFIG_FILE)) {
          Path src = copyFrom.resolve(name);
          if (Files.isRegularFile(src)) {
            Checkpoint.copyDurably(src, tmp.resolve(name));
          }
        }
      }
      Checkpoint.writeResumeState(tmp, resume);
    });
  }

  /** Saves {@code model} with {@code config}'s extras as one float32 file. */
  public static void save(Path dir, LlamaModel model, LlamaHfConfig config, Path copyFrom) throws IOException {
    LlamaHfConfig cfg = config == null ? LlamaHfConfig.of(model.config()) : config.withModel(model.config());
    save(dir, cfg, model.parameters(), DataType.FLOAT32, Long.MAX_VALUE, copyFrom, null);
  }

  private static List<String> concat(List<String> a, String b) {
    List<String> out = new ArrayList<>(a);
    out.add(b);
    return out;
  }

  /** One file, or shards filled in parameter order up to {@code maxShardBytes} each, plus the index. */
  private static void writeWeights(Path dir, Map<String, NDArray> params, DataType storage, long maxShardBytes)
      throws IOException {
    long bytesPer = storage == DataType.FLOAT32 ? 4 : 2;
    List<Map<String, NDArray>> shards = new ArrayList<>();
    Map<String, NDArray> current = new LinkedHashMap<>();
    long currentBytes = 0;
    long total = 0;
    for (Map.Entry<String, NDArray> e : params.entrySet()) {
      long bytes = e.getValue().size() * bytesPer;
      if (!current.isEmpty() && currentBytes + bytes > maxShardBytes) {
        shards.add(current);
        current = new LinkedHashMap<>();
        currentBytes = 0;
      }
      current.put(e.getKey(), e.getValue());
      currentBytes += bytes;
      total += bytes;
    }
    shards.add(current);
    if (shards.size() == 1) {
      SafeTensors.write(dir.resolve(Checkpoint.WEIGHTS_FILE), current, Map.of("format", "pt"), storage);
      return;
    }
    Map<String, String> weightMap = new TreeMap<>();
    for (int s = 0; s < shards.size(); s++) {
      String file = String.format("model-%05d-of-%05d.safetensors", s + 1, shards.size());
      SafeTensors.write(dir.resolve(file), shards.get(s), Map.of("format", "pt"), storage);
      shards.get(s).keySet().forEach(name -> weightMap.put(name, file));
    }
    Map<String, Object> index = new LinkedHashMap<>();
    index.put("metadata", Map.of("total_size", total));
    index.put("weight_map", weightMap);
    AtomicFiles.writeString(dir.resolve(INDEX_FILE), LlamaHfConfig.toJson(index));
  }

  /**
   * EOS ids for generation: {@code generation_config.json}'s {@code eos_token_id} (int or list)
   * when present, else the model config's.
   */
  public static List<Integer> eosTokenIds(LlamaConfig model, Map<String, Object> generation) {
    Object eos = generation.get("eos_token_id");
    if (eos instanceof Number n) {
      return List.of(n.intValue());
    }
    if (eos instanceof List<?> list && !list.isEmpty()) {
      List<Integer> ids = new ArrayList<>();
      for (Object o : list) {
        ids.add(((Number) o).intValue());
      }
      return ids;
    }
    return model.eosTokenIds();
  }

  /** A file of the directory, if present (e.g. {@code tokenizer.json}). */
  public static Optional<Path> file(Path dir, String name) {
    Path p = dir.resolve(name);
    return Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
  }
}
