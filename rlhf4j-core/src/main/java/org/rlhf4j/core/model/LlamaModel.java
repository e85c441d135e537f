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
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A Llama-family decoder (Llama 2/3/3.x, Qwen2/2.5, Mistral, SmolLM) written top to bottom on
 * DJL's PyTorch engine, following Hugging Face's {@code modeling_llama.py}: token embedding, then
 * {@code layers} pre-RMSNorm blocks (grouped-query attention with rotary positions, SwiGLU MLP),
 * then the final RMSNorm and the LM head ({@code lm_head}, or {@code embed_tokens} when tied),
 * with an optional scalar head ({@code score.weight}, HF {@code LlamaForSequenceClassification})
 * for reward and value models.
 *
 * <p>Dimension legend used in the shape comments: B batch, T time (new tokens this call), S total
 * keys (cached + new), C channels ({@code hidden_size}), H query heads, K key/value heads, G = H /
 * K query heads per key/value head, D head width, F MLP width ({@code intermediate_size}), V
 * vocabulary.
 *
 * <p>Parameters are a table keyed by the Hugging Face names ({@code model.embed_tokens.weight},
 * {@code model.layers.0.self_attn.q_proj.weight}, ..., {@code model.norm.weight}, {@code
 * lm_head.weight}) in {@code nn.Linear} layout (out, in), so a checkpoint loads as a table, with
 * no renaming or transposition. Linear layers run through libtorch's fused {@code linear}.
 *
 * <p>Positions come from the attention mask (real tokens count 0, 1, 2, ... from the first real
 * token), as Hugging Face's {@code generate} computes them for left-padded batches; RoPE is
 * relative, so a left-padded row gives the same logits as the same row unpadded.
 *
 * <p>Memory: as {@link GptModel}, parameters live in the model's own manager and every other array
 * is attached to the manager of {@code inputIds}; activations are always the first operand.
 * Constant scalars are libtorch-owned 0-d arrays made once (never a Java number passed to {@code
 * mul}, whose buffer DJL frees at the next GC while autograd may still hold it).
 */
@SuppressWarnings("checkstyle:LocalVariableName") // single-letter dimension names, as in the legend
public final class LlamaModel implements CausalLm {

  /** Name of the scalar (reward/value) head, as in HF {@code LlamaForSequenceClassification}. */
  public static final String SCORE_WEIGHT = "score.weight";

  private final LlamaConfig config;
  private final NDManager manager;
  private final Map<String, NDArray> params;
  private final NDArray inverseFrequencies; // (D/2)
  private final NDArray attentionScale; // () 1 / sqrt(D)
  private final NDArray epsilon; // () rms_norm_eps
  private final LinearAdapter adapter; // null: plain model
  private final boolean ownsManager; // false for an adapter view, which shares the base weights
  private boolean training;
  private Float dropoutOverride;

  private LlamaModel(LlamaConfig config, NDManager manager, Map<String, NDArray> params) {
    this(config, manager, params, null, true);
  }

  private LlamaModel(
      LlamaConfig config, NDManager manager, Map<String, NDArray> params, LinearAdapter adapter, boolean ownsManager) {
    this.config = config;
    this.manager = manager;
    this.params = params;
    this.adapter = adapter;
    this.ownsManager = ownsManager;
    try (NDArray javaBacked = manager.create(config.inverseFrequencies())) {
      this.inverseFrequencies = javaBacked.duplicate(); // libtorch-owned memory
    }
    this.attentionScale = ModelTensors.scalar(manager, (float) (1.0 / Math.sqrt(config.headDim())));
    this.epsilon = ModelTensors.scalar(manager, config.rmsNormEps());
  }

  // ---------------------------------------------------------------------------------------------
  // Parameters

  /**
   * The parameter names and shapes of a model with {@code config}'s shape, in model order, HF
   * {@code nn.Linear} layout (out, in).
   */
  public static Map<String, Shape> expectedShapes(LlamaConfig config, boolean scoreHead) {
    long C = config.hiddenSize();
    long F = config.intermediateSize();
    long HD = (long) config.heads() * config.headDim();
    long KD = (long) config.kvHeads() * config.headDim();
    Map<String, Shape> s = new LinkedHashMap<>();
    s.put("model.embed_tokens.weight", new Shape(config.vocabSize(), C));
    for (int i = 0; i < config.layers(); i++) {
      String b = "model.layers." + i + ".";
      s.put(b + "input_layernorm.weight", new Shape(C));
      linearShapes(s, b + "self_attn.q_proj", HD, C, config.qkvBias());
      linearShapes(s, b + "self_attn.k_proj", KD, C, config.qkvBias());
      linearShapes(s, b + "self_attn.v_proj", KD, C, config.qkvBias());
      linearShapes(s, b + "self_attn.o_proj", C, HD, config.outputBias());
      s.put(b + "post_attention_layernorm.weight", new Shape(C));
      linearShapes(s, b + "mlp.gate_proj", F, C, config.mlpBias());
      linearShapes(s, b + "mlp.up_proj", F, C, config.mlpBias());
      linearShapes(s, b + "mlp.down_proj", C, F, config.mlpBias());
    }
    s.put("model.norm.weight", new Shape(C));
    if (!config.tieWordEmbeddings()) {
      s.put("lm_head.weight", new Shape(config.vocabSize(), C));
    }
    if (scoreHead) {
      s.put(SCORE_WEIGHT, new Shape(1, C));
    }
    return s;
  }

  private static void linearShapes(Map<String, Shape> s, String name, long out, long in, boolean bias) {
    s.put(name + ".weight", new Shape(out, in));
    if (bias) {
      s.put(name + ".bias", new Shape(out));
    }
  }

  /**
   * A freshly initialised model, as Hugging Face's {@code _init_weights}: every matrix N(0, 0.02)
   * ({@code initializer_range}), biases 0, RMSNorm gains 1; the scalar head N(0, 1/sqrt(C+1)) as
   * in OpenAI's lm-human-preferences reward head.
   */
  public static LlamaModel create(LlamaConfig config, Device device, long seed, boolean scoreHead) {
    NDManager m = NDManager.newBaseManager(device);
    SplittableRandom rng = new SplittableRandom(seed);
    Map<String, NDArray> p = new LinkedHashMap<>();
    for (Map.Entry<String, Shape> e : expectedShapes(config, scoreHead).entrySet()) {
      String name = e.getKey();
      Shape shape = e.getValue();
      if (name.endsWith("norm.weight")) {
        p.put(name, m.ones(shape));
      } else if (name.endsWith(".bias")) {
        p.put(name, m.zeros(shape));
      } else {
        float std = name.equals(SCORE_WEIGHT) ? (float) (1.0 / Math.sqrt(config.hiddenSize() + 1.0)) : 0.02f;
        p.put(name, ModelTensors.normal(m, rng, std, shape));
      }
    }
    return new LlamaModel(config, m, p);
  }

  /**
   * Wraps loaded tensors (e.g. a checkpoint's, any float dtype). They are copied into a manager
   * owned by the model on {@code device}, in float32; the caller keeps ownership of its arrays.
   * {@code lm_head.weight} is ignored when the config ties it to the embedding.
   */
  public static LlamaModel fromTensors(LlamaConfig config, Map<String, NDArray> tensors, Device device) {
    boolean scoreHead = tensors.containsKey(SCORE_WEIGHT);
    Map<String, Shape> expected = expectedShapes(config, scoreHead);
    NDManager m = NDManager.newBaseManager(device);
    Map<String, NDArray> p = new LinkedHashMap<>();
    try {
      for (Map.Entry<String, Shape> e : expected.entrySet()) {
        NDArray src = tensors.get(e.getKey());
        if (src == null) {
          throw new IllegalArgumentException("missing tensor '" + e.getKey() + "' (expected shape " + e.getValue() + ")");
        }
        if (!src.getShape().equals(e.getValue())) {
          throw new IllegalArgumentException(
              "tensor '" + e.getKey() + "' has shape " + src.getShape() + ", expected " + e.getValue());
        }
        p.put(e.getKey(), ModelTensors.ownedFloatCopy(src, m));
      }
      for (String name : tensors.keySet()) {
        if (!expected.containsKey(name) && !(name.equals("lm_head.weight") && config.tieWordEmbeddings())) {
          throw new IllegalArgumentException("unexpected tensor '" + name + "' for this " + config.modelType() + " config");
        }
      }
    } catch (RuntimeException e) {
      m.close();
      throw e;
    }
    return new LlamaModel(config, m, p);
  }

  /** A deep copy of the base weights (for example a frozen reference); adapters are not copied. */
  public LlamaModel copy() {
    if (adapter != null) {
      throw new IllegalStateException("copy the adapter instead: a view shares its base weights");
    }
    return fromTensors(config, params, manager.getDevice());
  }

  // ---------------------------------------------------------------------------------------------
  // Forward pass

  /**
   * Runs the decoder and returns the final hidden states (after {@code model.norm}).
   *
   * @param inputIds (B, T) int64 token ids of the new tokens
   * @param attentionMask (B, S) with 1 for real tokens and 0 for padding, covering the cached keys
   *     followed by the new tokens (S = cached + T); {@code null} means no padding
   * @param cache keys and values of earlier calls (K heads each, before grouping), extended in
   *     place; {@code null} for none
   * @return (B, T, C) hidden states
   */
  public NDArray forward(NDArray inputIds, NDArray attentionMask, KvCache cache) {
    NDManager m = inputIds.getManager();
    long B = inputIds.getShape().get(0);
    long T = inputIds.getShape().get(1);
    long past = cache == null ? 0 : cache.length();
    long S = past + T;
    if (S > config.maxPositions()) {
      throw new IllegalArgumentException(
          "sequence of " + S + " tokens exceeds max_position_embeddings " + config.maxPositions());
    }
    if (config.slidingWindow() > 0 && S > config.slidingWindow()) {
      throw new IllegalArgumentException("sequence of " + S + " tokens exceeds sliding_window "
          + config.slidingWindow() + ", which this implementation does not apply");
    }
    NDArray mask = attentionMask != null ? attentionMask : m.ones(new Shape(B, S), DataType.INT64);
    if (mask.getShape().get(1) != S) {
      throw new IllegalArgumentException(
          "attention mask covers " + mask.getShape().get(1) + " positions, expected " + S);
    }
    NDArray positions = GptModel.positionIds(mask).get(":, " + past + ":"); // (B, T)
    NDArray bias = GptModel.attentionBias(mask, past, T); // (B, 1, T, S)
    NDArray[] rope = rotary(positions); // cos, sin: (B, 1, T, D)

    NDArray x = Embedding.embedding(inputIds, param("model.embed_tokens.weight"), SparseFormat.DENSE)
        .singletonOrThrow(); // (B, T, C)
    for (int i = 0; i < config.layers(); i++) {
      x = block(i, x, bias, rope, cache);
    }
    if (cache != null) {
      cache.advance(T);
    }
    return rmsNorm(x, "model.norm"); // (B, T, C)
  }

  /**
   * cos and sin of position * frequency, each frequency used twice (HF's {@code cat((freqs,
   * freqs))}), to rotate dimension j together with j + D/2 ({@link #rotateHalf}).
   */
  private NDArray[] rotary(NDArray positions) {
    long B = positions.getShape().get(0);
    long T = positions.getShape().get(1);
    NDArray freqs = positions.toType(DataType.FLOAT32, false).expandDims(-1)
        .mul(inverseFrequencies); // (B, T, D/2)
    NDArray emb = freqs.concat(freqs, -1).reshape(B, 1, T, config.headDim()); // (B, 1, T, D)
    return new NDArray[] {emb.cos(), emb.sin()};
  }

  /** RoPE in HF's rotate-half convention: x * cos + rotate_half(x) * sin. */
  private static NDArray applyRotary(NDArray x, NDArray[] rope) {
    return x.mul(rope[0]).add(rotateHalf(x).mul(rope[1])); // (B, heads, T, D)
  }

  /** (x1, x2) -> (-x2, x1) with x1, x2 the first and second halves of the last dimension. */
  private static NDArray rotateHalf(NDArray x) {
    NDList halves = x.split(2, 3); // x is (B, heads, T, D); DJL's split takes no negative axis
    return halves.get(1).neg().concat(halves.get(0), 3);
  }

  private NDArray block(int i, NDArray x, NDArray bias, NDArray[] rope, KvCache cache) {
    String b = "model.layers." + i + ".";
    x = x.add(dropout(attention(i, rmsNorm(x, b + "input_layernorm"), bias, rope, cache))); // (B, T, C)
    return x.add(dropout(mlp(i, rmsNorm(x, b + "post_attention_layernorm")))); // (B, T, C)
  }

  private NDArray attention(int i, NDArray x, NDArray bias, NDArray[] rope, KvCache cache) {
    String b = "model.layers." + i + ".self_attn.";
    long B = x.getShape().get(0);
    long T = x.getShape().get(1);
    int H = config.heads();
    int K = config.kvHeads();
    int D = config.headDim();
    NDArray q = heads(linear(x, b + "q_proj"), B, T, H, D); // (B, H, T, D)
    NDArray k = heads(linear(x, b + "k_proj"), B, T, K, D); // (B, K, T, D)
    NDArray v = heads(linear(x, b + "v_proj"), B, T, K, D); // (B, K, T, D)
    q = applyRotary(q, rope); // (B, H, T, D)
    k = applyRotary(k, rope); // (B, K, T, D)
    if (cache != null) {
      NDArray[] kv = cache.append(i, k, v);
      k = kv[0]; // (B, K, S, D)
      v = kv[1]; // (B, K, S, D)
    }
    k = groupKeys(k); // (B, H, S, D)
    v = groupKeys(v); // (B, H, S, D)
    NDArray att = q.matMul(k.transpose(0, 1, 3, 2)).mul(attentionScale); // (B, H, T, S)
    att = att.add(bias).softmax(-1);
    NDArray y = att.matMul(v); // (B, H, T, D)
    y = y.transpose(0, 2, 1, 3).reshape(B, T, (long) H * D); // (B, T, H*D)
    return linear(y, b + "o_proj"); // (B, T, C)
  }

  /** (B, T, heads*D) -> (B, heads, T, D). */
  private static NDArray heads(NDArray x, long B, long T, int heads, int D) {
    return x.reshape(B, T, heads, D).transpose(0, 2, 1, 3);
  }

  /**
   * Grouped-query attention: key/value head j serves query heads j*G .. j*G+G-1 (HF's {@code
   * repeat_kv}), (B, K, S, D) -> (B, H, S, D).
   */
  private NDArray groupKeys(NDArray kv) {
    int G = config.groupSize();
    if (G == 1) {
      return kv;
    }
    Shape s = kv.getShape();
    long B = s.get(0);
    long K = s.get(1);
    long S = s.get(2);
    long D = s.get(3);
    return kv.expandDims(2).broadcast(B, K, G, S, D).reshape(B, K * G, S, D);
  }

  /**
   * Residual-branch dropout, only when a trainer asks for it ({@link #setDropoutOverride}, e.g.
   * InstructGPT's 0.2 for SFT): Llama-family checkpoints train without dropout.
   */
  private NDArray dropout(NDArray x) {
    if (!training || dropoutOverride == null || dropoutOverride == 0f) {
      return x;
    }
    return ai.djl.nn.norm.Dropout.dropout(x, dropoutOverride, true).singletonOrThrow();
  }

  /** SwiGLU: down_proj(silu(gate_proj(x)) * up_proj(x)). */
  private NDArray mlp(int i, NDArray x) {
    String b = "model.layers." + i + ".mlp.";
    NDArray gate = linear(x, b + "gate_proj"); // (B, T, F)
    NDArray up = linear(x, b + "up_proj"); // (B, T, F)
    NDArray h = gate.mul(Activation.sigmoid(gate)).mul(up); // (B, T, F), silu(gate) * up
    return linear(h, b + "down_proj"); // (B, T, C)
  }

  /** x / sqrt(mean(x^2) + eps) * weight, over the last dimension (HF {@code LlamaRMSNorm}). */
  private NDArray rmsNorm(NDArray x, String name) {
    NDArray rms = x.square().mean(new int[] {-1}, true).add(epsilon).sqrt(); // (B, T, 1)
    return x.div(rms).mul(param(name + ".weight")); // (B, T, C)
  }

  /**
   * x W^T (+ b) with libtorch's fused linear, plus the adapter's update for this layer if it has
   * one; {@code name} without ".weight".
   */
  private NDArray linear(NDArray x, String name) {
    NDArray bias = params.get(name + ".bias");
    NDArray y = Linear.linear(x, param(name + ".weight"), bias).singletonOrThrow();
    NDArray delta = adapter == null ? null : adapter.delta(name, x, training);
    return delta == null ? y : y.add(delta);
  }

  // ---------------------------------------------------------------------------------------------
  // Heads

  /** Language-model head: (B, T, C) -> (B, T, V), {@code lm_head} or the tied embedding. */
  public NDArray logits(NDArray hidden) {
    String head = config.tieWordEmbeddings() ? "model.embed_tokens.weight" : "lm_head.weight";
    return Linear.linear(hidden, param(head)).singletonOrThrow();
  }

  /**
   * Scalar head read at one position per sequence, typically the last non-pad token (HF's
   * sequence-classification pooling; InstructGPT section 3.5).
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
    NDArray w = adapter != null && adapter.replacement(SCORE_WEIGHT) != null
        ? adapter.replacement(SCORE_WEIGHT) : params.get(SCORE_WEIGHT);
    if (w == null) {
      throw new IllegalStateException("this model has no scalar head (score.weight)");
    }
    return w;
  }

  /** Adds a scalar head N(0, 1/sqrt(C+1)) if absent (turning an LM into a reward/value model). */
  public void addScoreHead(long seed) {
    if (adapter != null && !hasScoreHead()) {
      throw new IllegalStateException("an adapter view gets its score head from the adapter (modules_to_save)");
    }
    if (!params.containsKey(SCORE_WEIGHT)) {
      float std = (float) (1.0 / Math.sqrt(config.hiddenSize() + 1.0));
      params.put(SCORE_WEIGHT,
          ModelTensors.normal(manager, new SplittableRandom(seed), std, new Shape(1, config.hiddenSize())));
    }
  }

  public boolean hasScoreHead() {
    return params.containsKey(SCORE_WEIGHT) || (adapter != null && adapter.replacement(SCORE_WEIGHT) != null);
  }

  // ---------------------------------------------------------------------------------------------
  // Adapters

  /**
   * A view of this model with {@code adapter} applied: it shares this model's (frozen) weights,
   * so one copy of the base serves a policy, its reference and a value model, each with its own
   * adapter. Its {@link #parameters} are the adapter's (what a trainer optimises and saves);
   * closing it closes neither the base nor the adapter.
   */
  public LlamaModel withAdapter(LinearAdapter adapter) {
    if (this.adapter != null) {
      throw new IllegalStateException("this model already carries an adapter; merge it first");
    }
    return new LlamaModel(config, manager, params, adapter, false);
  }

  /** The adapter this view applies, or null for a plain model. */
  public LinearAdapter adapter() {
    return adapter;
  }

  /** The base weights (HF names), whether or not an adapter is applied. */
  public Map<String, NDArray> baseParameters() {
    return Collections.unmodifiableMap(params);
  }

  // ---------------------------------------------------------------------------------------------
  // State

  @Override
  public void setTraining(boolean training) {
    this.training = training;
  }

  @Override
  public boolean isTraining() {
    return training;
  }

  @Override
  public void setDropoutOverride(Float p) {
    if (p != null && (p < 0 || p >= 1)) {
      throw new IllegalArgumentException("dropout must be in [0, 1), got " + p);
    }
    this.dropoutOverride = p;
  }

  @Override
  public int contextLength() {
    return config.maxPositions();
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
    return config.eosTokenIds();
  }

  @Override
  public int padTokenId() {
    return config.padTokenId();
  }

  public LlamaConfig config() {
    return config;
  }

  public NDManager manager() {
    return manager;
  }

  public Device device() {
    return manager.getDevice();
  }

  /**
   * The trainable table: every weight in model order for a plain model, the adapter's arrays for
   * an adapter view (the base stays frozen). Arrays are owned by the model or the adapter.
   */
  public Map<String, NDArray> parameters() {
    return adapter != null ? adapter.parameters() : Collections.unmodifiableMap(params);
  }

  @Override
  public void loadParameters(Map<String, NDArray> tensors) {
    for (Map.Entry<String, NDArray> e : parameters().entrySet()) {
      NDArray src = tensors.get(e.getKey());
      if (src == null || !src.getShape().equals(e.getValue().getShape())) {
        throw new IllegalArgumentException("tensor '" + e.getKey() + "' is "
            + (src == null ? "missing" : "shaped " + src.getShape()) + ", expected " + e.getValue().getShape());
      }
      e.getValue().set(src.toType(DataType.FLOAT32, false).toFloatArray());
    }
  }

  /** Number of trainable scalar parameters (a tied head counted once; the adapter's in a view). */
  public long parameterCount() {
    return ModelTensors.count(parameters());
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
    if (ownsManager) {
      manager.close();
    }
  }
}
