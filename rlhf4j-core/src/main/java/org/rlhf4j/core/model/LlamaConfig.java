package org.rlhf4j.core.model;

import java.util.List;

/**
 * Shape of a Llama-family decoder (Llama 2/3/3.1/3.2, Qwen2/2.5, Mistral, SmolLM): RMSNorm,
 * rotary position embeddings, SwiGLU MLP and grouped-query attention. Field names follow Hugging
 * Face's {@code LlamaConfig} / {@code Qwen2Config} / {@code MistralConfig} so that {@code
 * config.json} maps one to one (see {@code LlamaHfConfig}).
 *
 * @param modelType {@code model_type}: {@code llama}, {@code qwen2} or {@code mistral}
 * @param vocabSize V ({@code vocab_size})
 * @param hiddenSize C ({@code hidden_size})
 * @param intermediateSize F, the SwiGLU width ({@code intermediate_size})
 * @param layers number of decoder layers ({@code num_hidden_layers})
 * @param heads query heads H ({@code num_attention_heads})
 * @param kvHeads key/value heads K ({@code num_key_value_heads}); H must be a multiple of K, and
 *     each group of H / K query heads shares one key/value head (grouped-query attention)
 * @param headDim D ({@code head_dim}, default C / H)
 * @param maxPositions {@code max_position_embeddings}: the longest sequence we accept
 * @param rmsNormEps epsilon of every RMSNorm ({@code rms_norm_eps})
 * @param ropeTheta RoPE base ({@code rope_theta})
 * @param ropeScaling {@code rope_scaling} of type {@code llama3}, or null for none
 * @param qkvBias q/k/v projections carry a bias (Qwen2 always; Llama with {@code attention_bias})
 * @param outputBias o_proj carries a bias (Llama with {@code attention_bias}; never Qwen2)
 * @param mlpBias gate/up/down projections carry a bias (Llama's {@code mlp_bias})
 * @param tieWordEmbeddings the LM head is {@code embed_tokens} ({@code tie_word_embeddings})
 * @param slidingWindow Mistral's/Qwen2's attention window, or 0 for none. We do not implement a
 *     sliding window: sequences longer than the window are refused instead of computed wrongly
 * @param bosTokenId {@code bos_token_id}, or -1
 * @param eosTokenIds {@code eos_token_id}, one or several (Llama 3.1 lists three)
 * @param padTokenId {@code pad_token_id}, or -1 when the config names none (the tokenizer's
 *     pad token is used then)
 */
public record LlamaConfig(
    String modelType,
    int vocabSize,
    int hiddenSize,
    int intermediateSize,
    int layers,
    int heads,
    int kvHeads,
    int headDim,
    int maxPositions,
    float rmsNormEps,
    double ropeTheta,
    RopeScaling ropeScaling,
    boolean qkvBias,
    boolean outputBias,
    boolean mlpBias,
    boolean tieWordEmbeddings,
    int slidingWindow,
    int bosTokenId,
    List<Integer> eosTokenIds,
    int padTokenId) {

  /** The model types this record describes. */
  public static final List<String> MODEL_TYPES = List.of("llama", "qwen2", "mistral");

  /**
   * Llama 3.1's frequency-dependent RoPE rescaling ({@code rope_scaling.rope_type = "llama3"}):
   * wavelengths longer than {@code originalMaxPositions / lowFreqFactor} are stretched by {@code
   * factor}, shorter than {@code originalMaxPositions / highFreqFactor} kept, and those between
   * interpolated smoothly (Meta's {@code apply_scaling}; HF {@code _compute_llama3_parameters}).
   */
  public record RopeScaling(double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositions) {
    public RopeScaling {
      require(factor > 0, "rope_scaling.factor must be positive");
      require(highFreqFactor > lowFreqFactor, "rope_scaling.high_freq_factor must exceed low_freq_factor");
      require(originalMaxPositions > 0, "rope_scaling.original_max_position_embeddings must be positive");
    }
  }

  public LlamaConfig {
    require(MODEL_TYPES.contains(modelType), "model_type must be one of " + MODEL_TYPES + ", got " + modelType);
    require(vocabSize > 0, "vocab_size must be positive");
    require(hiddenSize > 0, "hidden_size must be positive");
    require(intermediateSize > 0, "intermediate_size must be positive");
    require(layers > 0, "num_hidden_layers must be positive");
    require(heads > 0 && kvHeads > 0 && heads % kvHeads == 0,
        "num_attention_heads (" + heads + ") must be a positive multiple of num_key_value_heads (" + kvHeads + ")");
    require(headDim > 0 && headDim % 2 == 0, "head_dim must be positive and even (RoPE rotates pairs), got " + headDim);
    require(maxPositions > 0, "max_position_embeddings must be positive");
    require(rmsNormEps > 0, "rms_norm_eps must be positive");
    require(ropeTheta > 0, "rope_theta must be positive");
    require(slidingWindow >= 0, "sliding_window must be >= 0");
    eosTokenIds = List.copyOf(eosTokenIds);
    require(!eosTokenIds.isEmpty(), "eos_token_id must name at least one token");
    for (int e : eosTokenIds) {
      require(e >= 0 && e < vocabSize, "eos_token_id out of range: " + e);
    }
    require(bosTokenId >= -1 && bosTokenId < vocabSize, "bos_token_id out of range: " + bosTokenId);
    require(padTokenId >= -1 && padTokenId < vocabSize, "pad_token_id out of range: " + padTokenId);
  }

  /** A Llama shape with Llama's defaults (theta 10000, eps 1e-5, no biases, untied head). */
  public static LlamaConfig llama(int vocab, int hidden, int intermediate, int layers, int heads, int kvHeads, int maxPositions) {
    return new LlamaConfig("llama", vocab, hidden, intermediate, layers, heads, kvHeads, hidden / heads, maxPositions,
        1e-5f, 10000.0, null, false, false, false, false, 0, -1, List.of(0), -1);
  }

  /** Query heads per key/value head, H / K. */
  public int groupSize() {
    return heads / kvHeads;
  }

  /** The first EOS id (the one a trainer appends to responses). */
  public int eosTokenId() {
    return eosTokenIds.get(0);
  }

  /** The same shape with another head tying. */
  public LlamaConfig withTieWordEmbeddings(boolean tie) {
    return new LlamaConfig(modelType, vocabSize, hiddenSize, intermediateSize, layers, heads, kvHeads, headDim,
        maxPositions, rmsNormEps, ropeTheta, ropeScaling, qkvBias, outputBias, mlpBias, tie, slidingWindow,
        bosTokenId, eosTokenIds, padTokenId);
  }

  /** The same shape with other special token ids. */
  public LlamaConfig withTokens(int bos, List<Integer> eos, int pad) {
    return new LlamaConfig(modelType, vocabSize, hiddenSize, intermediateSize, layers, heads, kvHeads, headDim,
        maxPositions, rmsNormEps, ropeTheta, ropeScaling, qkvBias, outputBias, mlpBias, tieWordEmbeddings,
        slidingWindow, bos, eos, pad);
  }

  /**
   * RoPE inverse frequencies theta^(-2i/D), i = 0 .. D/2-1, with the llama3 rescaling applied when
   * configured. Computed in double and rounded once; HF computes them in float32, which differs
   * by at most one float32 ulp per frequency.
   */
  public float[] inverseFrequencies() {
    int half = headDim / 2;
    float[] out = new float[half];
    for (int i = 0; i < half; i++) {
      double f = 1.0 / Math.pow(ropeTheta, (2.0 * i) / headDim);
      if (ropeScaling != null) {
        RopeScaling s = ropeScaling;
        double wavelen = 2 * Math.PI / f;
        double lowFreqWavelen = s.originalMaxPositions() / s.lowFreqFactor();
        double highFreqWavelen = s.originalMaxPositions() / s.highFreqFactor();
        if (wavelen > lowFreqWavelen) {
          f = f / s.factor(); // low frequencies: stretched
        } else if (wavelen >= highFreqWavelen) {
          double smooth = (s.originalMaxPositions() / wavelen - s.lowFreqFactor())
              / (s.highFreqFactor() - s.lowFreqFactor());
          f = (1 - smooth) * f / s.factor() + smooth * f; // between: interpolated
        } // high frequencies: unchanged
      }
      out[i] = (float) f;
    }
    return out;
  }

  /** Scalar parameters, counting a tied head once. */
  public long parameterCount(boolean scoreHead) {
    long c = hiddenSize;
    long q = (long) heads * headDim;
    long kv = (long) kvHeads * headDim;
    long attn = c * q + 2 * c * kv + q * c + (qkvBias ? q + 2 * kv : 0) + (outputBias ? c : 0);
    long mlp = 3 * c * intermediateSize + (mlpBias ? 2L * intermediateSize + c : 0);
    long block = attn + mlp + 2 * c;
    return (long) vocabSize * c * (tieWordEmbeddings ? 1 : 2) + layers * block + c + (scoreHead ? c : 0);
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }
}
