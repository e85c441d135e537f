package org.rlhf4j.core.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.norm.LayerNorm;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A GPT-2 decoder written top to bottom on DJL's PyTorch engine, in the spirit of nanoGPT's
 * {@code model.py}: embeddings, then {@code layers} pre-LayerNorm blocks (attention, MLP), then the
 * final LayerNorm, with the language-model head tied to {@code wte} and an optional scalar head
 * ({@code score.weight}) for reward and value models.
 *
 * <p>Dimension legend used in the shape comments: B batch, T time (new tokens this call), S total
 * keys (cached + new), C channels ({@code width}), H heads, D head width (C / H), V vocabulary.
 *
 * <p>Parameters are a table keyed by Hugging Face GPT-2 names ({@code wte.weight},
 * {@code h.0.attn.c_attn.weight}, ...) and stored in Hugging Face's Conv1D layout (in, out), so a
 * checkpoint loads as a table, with no renaming or transposition.
 *
 * <p>Memory: the parameters live in this model's own {@link NDManager}; every other array produced
 * by {@link #forward} is attached to the manager of the {@code inputIds} passed in, so callers run
 * each step inside a sub-manager and close it. All ops keep an activation as their first operand
 * for that reason (DJL attaches a result to its first operand's manager).
 *
 * <p>Scalar operands go through {@link Scalars}, never a Java number: DJL frees a number's buffer
 * while autograd still holds it (docs/known-issues.md).
 */
@SuppressWarnings("checkstyle:LocalVariableName") // single-letter dimension names, as in the legend
public final class GptModel implements CausalLm {

  /** Large negative additive bias for masked attention scores; exp() of it underflows to 0. */
  private static final float MASKED = -1e9f;

  private final GptConfig config;
  private final NDManager manager;
  private final Map<String, NDArray> params;
  private boolean training;
  private Float dropoutOverride;

  private GptModel(GptConfig config, NDManager manager, Map<String, NDArray> params) {
    this.config = config;
    this.manager = manager;
    this.params = params;
  }

  /**
   * A freshly initialised model, as GPT-2: weights N(0, 0.02), residual projections scaled by
   * 1/sqrt(2L) (Radford et al. 2019), biases 0, LayerNorm gains 1. The scalar head, when asked for,
   * is N(0, 1/sqrt(C+1)) as in OpenAI's lm-human-preferences reward head.
   */
  public static GptModel create(GptConfig config, Device device, long seed, boolean scoreHead) {
    NDManager m = NDManager.newBaseManager(device);
    SplittableRandom rng = new SplittableRandom(seed);
    Map<String, NDArray> p = new LinkedHashMap<>();
    int c = config.width();
    float std = 0.02f;
    float projStd = (float) (0.02 / Math.sqrt(2.0 * config.layers()));
    p.put("wte.weight", normal(m, rng, std, config.vocabSize(), c));
    p.put("wpe.weight", normal(m, rng, 0.01f, config.contextLength(), c));
    for (int i = 0; i < config.layers(); i++) {
      String b = "h." + i + ".";
      p.put(b + "ln_1.weight", m.ones(new Shape(c)));
      p.put(b + "ln_1.bias", m.zeros(new Shape(c)));
      p.put(b + "attn.c_attn.weight", normal(m, rng, std, c, 3 * c));
      p.put(b + "attn.c_attn.bias", m.zeros(new Shape(3L * c)));
      p.put(b + "attn.c_proj.weight", normal(m, rng, projStd, c, c));
      p.put(b + "attn.c_proj.bias", m.zeros(new Shape(c)));
      p.put(b + "ln_2.weight", m.ones(new Shape(c)));
      p.put(b + "ln_2.bias", m.zeros(new Shape(c)));
      p.put(b + "mlp.c_fc.weight", normal(m, rng, std, c, 4 * c));
      p.put(b + "mlp.c_fc.bias", m.zeros(new Shape(4L * c)));
      p.put(b + "mlp.c_proj.weight", normal(m, rng, projStd, 4 * c, c));
      p.put(b + "mlp.c_proj.bias", m.zeros(new Shape(c)));
    }
    p.put("ln_f.weight", m.ones(new Shape(c)));
    p.put("ln_f.bias", m.zeros(new Shape(c)));
    if (scoreHead) {
      p.put("score.weight", normal(m, rng, (float) (1.0 / Math.sqrt(c + 1.0)), 1, c));
    }
    return new GptModel(config, m, p);
  }

  /**
   * Wraps loaded tensors (for example from a checkpoint). The arrays are copied into a manager
   * owned by the model on {@code device}, in float32; the caller keeps ownership of its arrays.
   */
  public static GptModel fromTensors(GptConfig config, Map<String, NDArray> tensors, Device device) {
    NDManager m = NDManager.newBaseManager(device);
    Map<String, NDArray> p = new LinkedHashMap<>();
    for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
      p.put(e.getKey(), ModelTensors.ownedFloatCopy(e.getValue(), m));
    }
    GptModel model = new GptModel(config, m, p);
    model.checkShapes();
    return model;
  }

  /** A deep copy (for example the frozen reference policy, or a value model from the RM). */
  public GptModel copy() {
    return fromTensors(config, params, manager.getDevice());
  }

  private static NDArray normal(NDManager m, SplittableRandom rng, float std, int... dims) {
    long[] l = new long[dims.length];
    for (int i = 0; i < dims.length; i++) {
      l[i] = dims[i];
    }
    return ModelTensors.normal(m, rng, std, new Shape(l));
  }

  private void checkShapes() {
    int c = config.width();
    require("wte.weight", new Shape(config.vocabSize(), c));
    require("wpe.weight", new Shape(config.contextLength(), c));
    for (int i = 0; i < config.layers(); i++) {
      String b = "h." + i + ".";
      require(b + "attn.c_attn.weight", new Shape(c, 3L * c));
      require(b + "attn.c_proj.weight", new Shape(c, c));
      require(b + "mlp.c_fc.weight", new Shape(c, 4L * c));
      require(b + "mlp.c_proj.weight", new Shape(4L * c, c));
      for (String n : new String[] {"ln_1.weight", "ln_1.bias", "ln_2.weight", "ln_2.bias"}) {
        require(b + n, new Shape(c));
      }
    }
    require("ln_f.weight", new Shape(c));
    if (params.containsKey("score.weight")) {
      require("score.weight", new Shape(1, c));
    }
  }

  private void require(String name, Shape shape) {
    NDArray a = params.get(name);
    if (a == null) {
      throw new IllegalArgumentException("missing tensor '" + name + "' (expected shape " + shape + ")");
    }
    if (!a.getShape().equals(shape)) {
      throw new IllegalArgumentException(
          "tensor '" + name + "' has shape " + a.getShape() + ", expected " + shape);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Forward pass

  /**
   * Runs the decoder and returns the final hidden states (after {@code ln_f}).
   *
   * @param inputIds (B, T) int64 token ids of the new tokens
   * @param attentionMask (B, S) with 1 for real tokens and 0 for padding, covering the cached keys
   *     followed by the new tokens (S = cached + T); {@code null} means no padding
   * @param cache keys and values of earlier calls, extended in place; {@code null} for none
   * @return (B, T, C) hidden states
   */
  public NDArray forward(NDArray inputIds, NDArray attentionMask, KvCache cache) {
    NDManager m = inputIds.getManager();
    long B = inputIds.getShape().get(0);
    long T = inputIds.getShape().get(1);
    long past = cache == null ? 0 : cache.length();
    long S = past + T;
    if (S > config.contextLength()) {
      throw new IllegalArgumentException(
          "sequence of " + S + " tokens exceeds the context length " + config.contextLength());
    }
    NDArray mask = attentionMask != null ? attentionMask : m.ones(new Shape(B, S), DataType.INT64);
    if (mask.getShape().get(1) != S) {
      throw new IllegalArgumentException(
          "attention mask covers " + mask.getShape().get(1) + " positions, expected " + S);
    }
    // Positions count real tokens only, so a left-padded prompt starts at position 0 (Huang et al.
    // 2024, detail "position ids from the attention mask").
    NDArray positions = positionIds(mask).get(":, " + past + ":"); // (B, T)
    NDArray bias = attentionBias(mask, past, T); // (B, 1, T, S)

    NDArray x = Embedding.embedding(inputIds, param("wte.weight"), SparseFormat.DENSE)
            .singletonOrThrow(); // (B, T, C)
    x = x.add(
        Embedding.embedding(positions, param("wpe.weight"), SparseFormat.DENSE).singletonOrThrow());
    x = dropout(x, config.embeddingDropout());
    for (int i = 0; i < config.layers(); i++) {
      x = block(i, x, bias, cache);
    }
    if (cache != null) {
      cache.advance(T);
    }
    return layerNorm(x, "ln_f"); // (B, T, C)
  }

  /** Position ids from an attention mask: cumulative count of real tokens minus one, at least 0. */
  public static NDArray positionIds(NDArray attentionMask) {
    return Scalars.maximum(attentionMask.toType(DataType.INT64, false).cumSum(1).sub(1), 0);
  }

  /**
   * Additive attention bias: query i (absolute position past+i) may attend key j when j is not in
   * its future and key j is a real token; every query may attend itself, so a padding query row
   * is never empty (its output is ignored downstream).
   */
  static NDArray attentionBias(NDArray mask, long past, long T) {
    NDManager m = mask.getManager();
    long S = mask.getShape().get(1);
    NDArray q = m.arange(past, past + T, 1, DataType.INT64).reshape(T, 1); // (T, 1)
    NDArray k = m.arange(0, S, 1, DataType.INT64).reshape(1, S); // (1, S)
    NDArray causal = k.lte(q); // (T, S)
    NDArray self = k.eq(q); // (T, S)
    NDArray real = mask.reshape(mask.getShape().get(0), 1, 1, S).eq(1); // (B, 1, 1, S)
    NDArray allowed = real.logicalAnd(causal).logicalOr(self); // (B, 1, T, S)
    // (allowed - 1) * 1e9: 0 where allowed, -1e9 elsewhere (DJL's where() does not broadcast).
    return Scalars.mul(allowed.toType(DataType.FLOAT32, false).sub(1f), -MASKED); // (B, 1, T, S)
  }

  private NDArray block(int i, NDArray x, NDArray bias, KvCache cache) {
    String b = "h." + i + ".";
    x = x.add(dropout(attention(i, layerNorm(x, b + "ln_1"), bias, cache), config.residualDropout()));
    x = x.add(dropout(mlp(i, layerNorm(x, b + "ln_2")), config.residualDropout()));
    return x; // (B, T, C)
  }

  private NDArray attention(int i, NDArray x, NDArray bias, KvCache cache) {
    String b = "h." + i + ".attn.";
    long B = x.getShape().get(0);
    long T = x.getShape().get(1);
    int C = config.width();
    int H = config.heads();
    int D = config.headDim();
    NDArray qkv = x.matMul(param(b + "c_attn.weight")).add(param(b + "c_attn.bias")); // (B, T, 3C)
    NDList parts = qkv.split(3, 2);
    NDArray q = heads(parts.get(0), B, T, H, D); // (B, H, T, D)
    NDArray k = heads(parts.get(1), B, T, H, D); // (B, H, T, D)
    NDArray v = heads(parts.get(2), B, T, H, D); // (B, H, T, D)
    if (cache != null) {
      NDArray[] kv = cache.append(i, k, v);
      k = kv[0]; // (B, H, S, D)
      v = kv[1]; // (B, H, S, D)
    }
    // Out-of-place ops throughout: autograd needs the saved activations unmodified.
    NDArray att = Scalars.mul(q.matMul(k.transpose(0, 1, 3, 2)), (float) (1.0 / Math.sqrt(D))); // (B,H,T,S)
    att = att.add(bias).softmax(-1);
    att = dropout(att, config.attentionDropout());
    NDArray y = att.matMul(v); // (B, H, T, D)
    y = y.transpose(0, 2, 1, 3).reshape(B, T, C); // (B, T, C)
    return y.matMul(param(b + "c_proj.weight")).add(param(b + "c_proj.bias")); // (B, T, C)
  }

  private static NDArray heads(NDArray x, long B, long T, int H, int D) {
    return x.reshape(B, T, H, D).transpose(0, 2, 1, 3);
  }

  private NDArray mlp(int i, NDArray x) {
    String b = "h." + i + ".mlp.";
    NDArray h = x.matMul(param(b + "c_fc.weight")).add(param(b + "c_fc.bias")); // (B, T, 4C)
    h = gelu(h);
    return h.matMul(param(b + "c_proj.weight")).add(param(b + "c_proj.bias")); // (B, T, C)
  }

  private NDArray gelu(NDArray x) {
    if (config.activation() == GptConfig.Activation.GELU) {
      return Activation.gelu(x);
    }
    // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), GPT-2's "gelu_new".
    NDArray inner = Scalars.mul(Scalars.mul(Scalars.pow(x, 3), 0.044715f).add(x), (float) Math.sqrt(2.0 / Math.PI));
    return Scalars.mul(inner.tanh().add(1f).mul(x), 0.5f);
  }

  private NDArray layerNorm(NDArray x, String name) {
    return LayerNorm.layerNorm(
            x,
            new Shape(config.width()),
            param(name + ".weight"),
            param(name + ".bias"),
            config.layerNormEpsilon())
        .singletonOrThrow();
  }

  private NDArray dropout(NDArray x, float configured) {
    float p = dropoutOverride != null ? dropoutOverride : configured;
    if (!training || p == 0f) {
      return x;
    }
    return Dropout.dropout(x, p, true).singletonOrThrow();
  }

  // ---------------------------------------------------------------------------------------------
  // Heads

  /** Language-model head tied to the token embedding: (B, T, C) -> (B, T, V). */
  public NDArray logits(NDArray hidden) {
    return Linear.linear(hidden, param("wte.weight")).singletonOrThrow();
  }

  /**
   * Scalar head read at one position per sequence, typically the last non-pad token (reward at
   * EOS, InstructGPT section 3.5).
   *
   * @param hidden (B, T, C)
   * @param index (B) int64 position to read in each row
   * @return (B) scores
   */
  public NDArray score(NDArray hidden, NDArray index) {
    return ModelTensors.scoreAt(hidden, index, scoreWeight());
  }

  /** Scalar head at every position: (B, T, C) -> (B, T); used by value models. */
  public NDArray scoreAll(NDArray hidden) {
    return ModelTensors.scoreEverywhere(hidden, scoreWeight());
  }

  private NDArray scoreWeight() {
    NDArray w = params.get("score.weight");
    if (w == null) {
      throw new IllegalStateException("this model has no scalar head (score.weight)");
    }
    return w;
  }

  /** Adds a scalar head N(0, 1/sqrt(C+1)) if absent (turning an LM into a reward/value model). */
  public void addScoreHead(long seed) {
    if (!params.containsKey("score.weight")) {
      params.put("score.weight", normal(manager, new SplittableRandom(seed), (float) (1.0 / Math.sqrt(config.width() + 1.0)), 1, config.width()));
    }
  }

  @Override
  public int contextLength() {
    return config.contextLength();
  }

  @Override
  public int layers() {
    return config.layers();
  }

  @Override
  public int vocabSize() {
    return config.vocabSize();
  }

  @Override
  public java.util.List<Integer> eosTokenIds() {
    return java.util.List.of(config.eosTokenId());
  }

  @Override
  public int padTokenId() {
    return config.padTokenId();
  }

  /** Removes the scalar head (when a reward model's trunk is reused as a policy). */
  public void removeScoreHead() {
    NDArray w = params.remove("score.weight");
    if (w != null) {
      w.close();
    }
  }

  public boolean hasScoreHead() {
    return params.containsKey("score.weight");
  }

  // ---------------------------------------------------------------------------------------------
  // State

  /** Dropout on ({@code true}) or off. RM and PPO forward passes run with it off. */
  public void setTraining(boolean training) {
    this.training = training;
  }

  /**
   * Uses {@code p} for every dropout site instead of the config's rates (null restores them), so a
   * trainer can run SFT at InstructGPT's 0.2 without changing the checkpoint's config.
   */
  public void setDropoutOverride(Float p) {
    if (p != null && (p < 0 || p >= 1)) {
      throw new IllegalArgumentException("dropout must be in [0, 1), got " + p);
    }
    this.dropoutOverride = p;
  }

  public boolean isTraining() {
    return training;
  }

  public GptConfig config() {
    return config;
  }

  public NDManager manager() {
    return manager;
  }

  public Device device() {
    return manager.getDevice();
  }

  /** The parameter table in a stable order; arrays are owned by this model. */
  public Map<String, NDArray> parameters() {
    return Collections.unmodifiableMap(params);
  }

  /** Number of scalar parameters (tied embeddings counted once). */
  public long parameterCount() {
    return ModelTensors.count(params);
  }

  /** Copies every parameter from {@code other} (same config) into this model, in place. */
  public void copyFrom(GptModel other) {
    for (Map.Entry<String, NDArray> e : params.entrySet()) {
      NDArray src = other.params.get(e.getKey());
      if (src == null) {
        throw new IllegalArgumentException("source model lacks tensor '" + e.getKey() + "'");
      }
      e.getValue().set(src.toFloatArray());
    }
  }


  /** Overwrites parameters in place from a table with the same names and shapes. */
  public void loadParameters(Map<String, NDArray> tensors) {
    for (Map.Entry<String, NDArray> e : params.entrySet()) {
      NDArray src = tensors.get(e.getKey());
      if (src == null) {
        throw new IllegalArgumentException("missing tensor '" + e.getKey() + "'");
      }
      if (!src.getShape().equals(e.getValue().getShape())) {
        throw new IllegalArgumentException(
            "tensor '" + e.getKey() + "' has shape " + src.getShape() + ", expected " + e.getValue().getShape());
      }
      e.getValue().set(src.toType(DataType.FLOAT32, false).toFloatArray());
    }
  }

  NDArray param(String name) {
    NDArray p = params.get(name);
    if (p == null) {
      throw new IllegalStateException("missing parameter " + name);
    }
    return p;
  }

  @Override
  public void close() {
    manager.close();
  }
}
