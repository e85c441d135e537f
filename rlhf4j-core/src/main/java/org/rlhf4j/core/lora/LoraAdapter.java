package org.rlhf4j.core.lora;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.rlhf4j.core.checkpoint.CheckpointException;
import org.rlhf4j.core.checkpoint.SafeTensors;
import org.rlhf4j.core.model.LinearAdapter;
import org.rlhf4j.core.model.LlamaModel;

/**
 * LoRA adapters on a {@link LlamaModel} (Hu et al. 2021): each targeted linear layer W (out, in)
 * gets A (r, in) and B (out, r), and computes W x + (alpha / r) B A dropout(x). A starts
 * Kaiming-uniform with a = sqrt(5) (uniform in +-1/sqrt(in)) and B at zero, as in PEFT, so a fresh
 * adapter leaves the model unchanged.
 *
 * <p>Stored as PEFT stores it, so {@code PeftModel.from_pretrained} loads ours and we load theirs:
 * <pre>
 * dir/adapter_config.json         {"peft_type": "LORA", "r": 16, "lora_alpha": 32, "target_modules": [...], ...}
 * dir/adapter_model.safetensors   base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight (r, in)
 *                                 base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight (out, r)
 *                                 base_model.model.score.weight (1, C)   with modules_to_save ["score"]
 * </pre>
 *
 * <p>Owns its arrays in its own manager: close it when done. Apply it with {@link
 * LlamaModel#withAdapter}.
 */
public final class LoraAdapter implements LinearAdapter, AutoCloseable {
  public static final String CONFIG_FILE = "adapter_config.json";
  public static final String WEIGHTS_FILE = "adapter_model.safetensors";

  /** PEFT's prefix before the base model's own parameter names. */
  public static final String PEFT_PREFIX = "base_model.model.";

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final LoraConfig config;
  private final NDManager manager;
  private final Map<String, NDArray> tensors; // {module}.lora_A.weight, {module}.lora_B.weight, score.weight
  private final NDArray scaling; // () alpha / r, libtorch-owned

  private LoraAdapter(LoraConfig config, NDManager manager, Map<String, NDArray> tensors) {
    this.config = config;
    this.manager = manager;
    this.tensors = tensors;
    this.scaling = manager.full(new Shape(), config.scaling(), DataType.FLOAT32);
  }

  /**
   * A fresh adapter for {@code base}: A Kaiming-uniform, B zero; with {@code trainScoreHead}, a
   * trainable copy of the base's score head (which must have one).
   */
  public static LoraAdapter create(LoraConfig config, LlamaModel base, long seed) {
    NDManager m = NDManager.newBaseManager(base.device());
    SplittableRandom rng = new SplittableRandom(seed);
    Map<String, NDArray> t = new LinkedHashMap<>();
    for (Map.Entry<String, NDArray> e : base.baseParameters().entrySet()) {
      String name = e.getKey();
      if (!name.endsWith(".weight")) {
        continue;
      }
      String module = name.substring(0, name.length() - ".weight".length());
      if (!module.startsWith("model.layers.") || !config.targets(module)) {
        continue;
      }
      long out = e.getValue().getShape().get(0);
      long in = e.getValue().getShape().get(1);
      float bound = (float) (1.0 / Math.sqrt(in));
      float[] a = new float[Math.toIntExact(config.rank() * in)];
      for (int i = 0; i < a.length; i++) {
        a[i] = (float) ((rng.nextDouble() * 2 - 1) * bound);
      }
      t.put(module + ".lora_A.weight", m.create(a, new Shape(config.rank(), in)));
      t.put(module + ".lora_B.weight", m.zeros(new Shape(out, config.rank())));
    }
    if (t.isEmpty()) {
      m.close();
      throw new IllegalArgumentException("no layer of this model matches target_modules " + config.targetModules());
    }
    if (config.trainScoreHead()) {
      // The base's head when it has one (a reward model's, for a value model), else N(0, 1/sqrt(C+1)).
      NDArray score = base.baseParameters().get(LlamaModel.SCORE_WEIGHT);
      NDArray head;
      if (score != null) {
        head = score.duplicate();
        head.attach(m);
      } else {
        int c = base.config().hiddenSize();
        float[] w = new float[c];
        for (int i = 0; i < c; i++) {
          double u1 = 1.0 - rng.nextDouble();
          double u2 = rng.nextDouble();
          w[i] = (float) (Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2.0 * Math.PI * u2) / Math.sqrt(c + 1.0));
        }
        head = m.create(w, new Shape(1, c));
      }
      t.put(LlamaModel.SCORE_WEIGHT, head);
    }
    return new LoraAdapter(config, m, t);
  }

  @Override
  public NDArray delta(String module, NDArray x, boolean training) {
    NDArray a = tensors.get(module + ".lora_A.weight");
    if (a == null) {
      return null;
    }
    NDArray h = training && config.dropout() > 0 ? Dropout.dropout(x, config.dropout(), true).singletonOrThrow() : x;
    NDArray low = Linear.linear(h, a).singletonOrThrow(); // (B, T, r)
    return Linear.linear(low, tensors.get(module + ".lora_B.weight")).singletonOrThrow().mul(scaling); // (B, T, out)
  }

  @Override
  public NDArray replacement(String name) {
    return name.equals(LlamaModel.SCORE_WEIGHT) ? tensors.get(name) : null;
  }

  @Override
  public Map<String, NDArray> parameters() {
    return Collections.unmodifiableMap(tensors);
  }

  public LoraConfig config() {
    return config;
  }

  /** A deep copy (PPO trains a copy of the SFT adapter; the reference keeps the original). */
  public LoraAdapter copy() {
    NDManager m = NDManager.newBaseManager(manager.getDevice());
    Map<String, NDArray> t = new LinkedHashMap<>();
    tensors.forEach((k, v) -> {
      NDArray c = v.duplicate();
      c.attach(m);
      t.put(k, c);
    });
    return new LoraAdapter(config, m, t);
  }

  /**
   * The base weights with every update folded in, W + (alpha / r) B A, and the trained score head
   * in place of the base's: a plain checkpoint's parameter table. The arrays live in {@code m}.
   */
  public Map<String, NDArray> merge(LlamaModel base, NDManager m) {
    Map<String, NDArray> out = new LinkedHashMap<>();
    for (Map.Entry<String, NDArray> e : base.baseParameters().entrySet()) {
      String name = e.getKey();
      String module = name.endsWith(".weight") ? name.substring(0, name.length() - ".weight".length()) : name;
      NDArray a = tensors.get(module + ".lora_A.weight");
      NDArray merged;
      if (a != null) {
        NDArray ba = tensors.get(module + ".lora_B.weight").matMul(a).mul(scaling); // (out, in)
        merged = e.getValue().add(ba);
      } else if (tensors.containsKey(name)) {
        merged = tensors.get(name).duplicate();
      } else {
        merged = e.getValue().duplicate();
      }
      merged.attach(m);
      out.put(name, merged);
    }
    if (tensors.containsKey(LlamaModel.SCORE_WEIGHT) && !out.containsKey(LlamaModel.SCORE_WEIGHT)) {
      NDArray s = tensors.get(LlamaModel.SCORE_WEIGHT).duplicate();
      s.attach(m);
      out.put(LlamaModel.SCORE_WEIGHT, s);
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------------
  // PEFT format

  /**
   * Writes {@code adapter_config.json} and {@code adapter_model.safetensors} (float32) in PEFT's
   * layout.
   *
   * @param baseModel recorded as {@code base_model_name_or_path} (a path or hub id), may be null
   */
  public void save(Path dir, String baseModel) throws IOException {
    Files.createDirectories(dir);
    Map<String, Object> cfg = new TreeMap<>();
    cfg.put("peft_type", "LORA");
    cfg.put("task_type", config.trainScoreHead() ? "SEQ_CLS" : "CAUSAL_LM");
    cfg.put("r", config.rank());
    cfg.put("lora_alpha", config.alpha());
    cfg.put("lora_dropout", config.dropout());
    cfg.put("target_modules", config.targetModules());
    cfg.put("bias", "none");
    cfg.put("fan_in_fan_out", false);
    cfg.put("inference_mode", true);
    cfg.put("init_lora_weights", true);
    cfg.put("use_rslora", false);
    cfg.put("use_dora", false);
    cfg.put("modules_to_save", config.trainScoreHead() ? List.of("score") : null);
    cfg.put("base_model_name_or_path", baseModel);
    Map<String, NDArray> peft = new LinkedHashMap<>();
    tensors.forEach((k, v) -> peft.put(PEFT_PREFIX + k, v));
    SafeTensors.write(dir.resolve(WEIGHTS_FILE), peft, Map.of("format", "pt"), DataType.FLOAT32);
    Files.writeString(dir.resolve(CONFIG_FILE), JSON.writeValueAsString(cfg) + "\n");
  }

  /** Whether {@code dir} holds a PEFT adapter. */
  public static boolean isAdapter(Path dir) {
    return Files.isRegularFile(dir.resolve(CONFIG_FILE));
  }

  /** The {@code base_model_name_or_path} of an adapter directory, if it names one. */
  public static String baseModelPath(Path dir) throws IOException {
    JsonNode root = JSON.readTree(dir.resolve(CONFIG_FILE).toFile());
    JsonNode base = root.get("base_model_name_or_path");
    return base == null || base.isNull() ? null : base.asText();
  }

  /**
   * Reads a PEFT LoRA adapter for {@code base}: checks the config (LoRA, no DoRA, no rsLoRA, no
   * bias training, no fan_in_fan_out) and that every tensor names a layer of the base with the
   * right shapes.
   */
  public static LoraAdapter load(Path dir, LlamaModel base) throws IOException {
    Path cfgFile = dir.resolve(CONFIG_FILE);
    JsonNode root = JSON.readTree(cfgFile.toFile());
    if (!"LORA".equals(root.path("peft_type").asText())) {
      throw new CheckpointException(cfgFile, "peft_type", "is " + root.path("peft_type") + "; only LORA adapters load");
    }
    for (String flag : List.of("use_dora", "use_rslora", "fan_in_fan_out")) {
      if (root.path(flag).asBoolean(false)) {
        throw new CheckpointException(cfgFile, flag, "is true, which this implementation does not support");
      }
    }
    if (!root.path("bias").asText("none").equals("none")) {
      throw new CheckpointException(cfgFile, "bias", "must be \"none\"");
    }
    List<String> targets = new ArrayList<>();
    JsonNode tm = root.path("target_modules");
    if (tm.isTextual()) {
      throw new CheckpointException(cfgFile, "target_modules", "is a pattern; list the module names instead");
    }
    tm.forEach(n -> targets.add(n.asText()));
    boolean score = false;
    for (JsonNode n : root.path("modules_to_save")) {
      if (!n.asText().equals("score")) {
        throw new CheckpointException(cfgFile, "modules_to_save", "only \"score\" is supported, got " + n);
      }
      score = true;
    }
    LoraConfig config;
    try {
      config = new LoraConfig(root.path("r").asInt(8), (float) root.path("lora_alpha").asDouble(8),
          (float) root.path("lora_dropout").asDouble(0), targets, score);
    } catch (IllegalArgumentException e) {
      throw new CheckpointException(cfgFile, null, e.getMessage(), e);
    }
    NDManager m = NDManager.newBaseManager(base.device());
    boolean ok = false;
    try {
      Path weights = dir.resolve(WEIGHTS_FILE);
      Map<String, NDArray> raw = SafeTensors.read(weights, m);
      Map<String, NDArray> t = new LinkedHashMap<>();
      Map<String, NDArray> baseParams = base.baseParameters();
      for (Map.Entry<String, NDArray> e : raw.entrySet()) {
        String key = e.getKey();
        if (!key.startsWith(PEFT_PREFIX)) {
          throw new CheckpointException(weights, key, "does not start with " + PEFT_PREFIX);
        }
        String name = key.substring(PEFT_PREFIX.length()).replace(".default.", ".");
        NDArray a = e.getValue();
        Shape want = expectedShape(name, baseParams, config.rank());
        if (want == null) {
          throw new CheckpointException(weights, key, "names no LoRA matrix or score head of this base model");
        }
        if (!a.getShape().equals(want)) {
          throw new CheckpointException(weights, key, "has shape " + a.getShape() + ", expected " + want);
        }
        t.put(name, a);
      }
      LoraAdapter adapter = new LoraAdapter(config, m, t);
      ok = true;
      return adapter;
    } finally {
      if (!ok) {
        m.close();
      }
    }
  }

  private static Shape expectedShape(String name, Map<String, NDArray> base, int rank) {
    if (name.equals(LlamaModel.SCORE_WEIGHT)) {
      return new Shape(1, base.get("model.norm.weight").getShape().get(0));
    }
    for (String part : List.of(".lora_A.weight", ".lora_B.weight")) {
      if (name.endsWith(part)) {
        NDArray w = base.get(name.substring(0, name.length() - part.length()) + ".weight");
        if (w == null) {
          return null;
        }
        return part.contains("lora_A") ? new Shape(rank, w.getShape().get(1)) : new Shape(w.getShape().get(0), rank);
      }
    }
    return null;
  }

  /** The device the adapter lives on. */
  public Device device() {
    return manager.getDevice();
  }

  @Override
  public void close() {
    manager.close();
  }
}
