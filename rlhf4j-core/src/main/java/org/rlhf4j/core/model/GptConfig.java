package org.rlhf4j.core.model;

/**
 * Shape and regularisation of a GPT-2-architecture decoder (pre-LayerNorm, learned positions, GELU,
 * tied input/output embeddings). Field names follow Hugging Face's {@code GPT2Config} so that
 * {@code config.json} maps one to one (see {@code HfConfig}).
 *
 * @param vocabSize V, rows of {@code wte} ({@code vocab_size})
 * @param contextLength maximum sequence length, rows of {@code wpe} ({@code n_positions})
 * @param layers number of transformer blocks ({@code n_layer})
 * @param heads attention heads per block ({@code n_head}); must divide {@code width}
 * @param width model width C ({@code n_embd})
 * @param residualDropout dropout on each residual branch output ({@code resid_pdrop}); InstructGPT's
 *     SFT used 0.2, RM and PPO forward passes run with dropout off
 * @param embeddingDropout dropout after token + position embeddings ({@code embd_pdrop})
 * @param attentionDropout dropout on attention probabilities ({@code attn_pdrop})
 * @param layerNormEpsilon epsilon of every LayerNorm ({@code layer_norm_epsilon})
 * @param bosTokenId id prepended to documents, or -1 ({@code bos_token_id})
 * @param eosTokenId end-of-sequence id ({@code eos_token_id})
 * @param padTokenId dedicated padding id, distinct from EOS ({@code pad_token_id}); Huang et al.
 *     2024: EOS-as-pad masks EOS and the model never learns to stop
 * @param activation the MLP non-linearity ({@code activation_function}): our models use the exact
 *     GELU because libtorch fuses it; Hugging Face GPT-2 checkpoints use the tanh approximation
 */
public record GptConfig(
    int vocabSize,
    int contextLength,
    int layers,
    int heads,
    int width,
    float residualDropout,
    float embeddingDropout,
    float attentionDropout,
    float layerNormEpsilon,
    int bosTokenId,
    int eosTokenId,
    int padTokenId,
    Activation activation) {

  /** GELU variants, named as in Hugging Face's {@code ACT2FN}. */
  public enum Activation {
    /** Exact erf GELU, one fused libtorch kernel. */
    GELU("gelu"),
    /** Tanh approximation used by the original GPT-2 ({@code gelu_new}), composed from 6 ops. */
    GELU_TANH("gelu_new");

    private final String hfName;

    Activation(String hfName) {
      this.hfName = hfName;
    }

    public String hfName() {
      return hfName;
    }

    /** Parses a Hugging Face {@code activation_function} value. */
    public static Activation fromHfName(String name) {
      for (Activation a : values()) {
        if (a.hfName.equals(name)) {
          return a;
        }
      }
      if ("gelu_pytorch_tanh".equals(name) || "gelu_fast".equals(name)) {
        return GELU_TANH;
      }
      throw new IllegalArgumentException(
          "unsupported activation_function '" + name + "' (supported: gelu, gelu_new, gelu_pytorch_tanh)");
    }
  }

  public GptConfig {
    require(vocabSize > 0, "vocab_size must be positive, got " + vocabSize);
    require(contextLength > 0, "n_positions must be positive, got " + contextLength);
    require(layers > 0, "n_layer must be positive, got " + layers);
    require(heads > 0, "n_head must be positive, got " + heads);
    require(width > 0 && width % heads == 0, "n_embd (" + width + ") must be a positive multiple of n_head (" + heads + ")");
    require(inUnit(residualDropout), "resid_pdrop must be in [0,1), got " + residualDropout);
    require(inUnit(embeddingDropout), "embd_pdrop must be in [0,1), got " + embeddingDropout);
    require(inUnit(attentionDropout), "attn_pdrop must be in [0,1), got " + attentionDropout);
    require(layerNormEpsilon > 0, "layer_norm_epsilon must be positive");
    require(eosTokenId >= 0 && eosTokenId < vocabSize, "eos_token_id out of range: " + eosTokenId);
    require(padTokenId >= 0 && padTokenId < vocabSize, "pad_token_id out of range: " + padTokenId);
    require(padTokenId != eosTokenId, "pad_token_id must differ from eos_token_id (" + eosTokenId + ")");
    require(bosTokenId >= -1 && bosTokenId < vocabSize, "bos_token_id out of range: " + bosTokenId);
    require(activation != null, "activation_function must be set");
  }

  /** A config with GPT-2's defaults for dropout (0.1) and epsilon (1e-5). */
  public static GptConfig of(int vocabSize, int contextLength, int layers, int heads, int width, int eos, int pad) {
    return new GptConfig(
        vocabSize, contextLength, layers, heads, width, 0.1f, 0.1f, 0.1f, 1e-5f, -1, eos, pad, Activation.GELU);
  }

  /** Width of one attention head, C / H. */
  public int headDim() {
    return width / heads;
  }

  /** The same shape with all dropout set to {@code p} (InstructGPT: 0.2 for SFT, 0 for RM/PPO). */
  public GptConfig withDropout(float p) {
    return new GptConfig(
        vocabSize, contextLength, layers, heads, width, p, p, p, layerNormEpsilon, bosTokenId, eosTokenId, padTokenId,
        activation);
  }

  /**
   * Parameter count with tied embeddings: wte + wpe + per block (2 LN, qkv, proj, 2 MLP) + ln_f.
   */
  public long parameterCount() {
    long c = width;
    long block = 2 * (2 * c) + (c * 3 * c + 3 * c) + (c * c + c) + (c * 4 * c + 4 * c) + (4 * c * c + c);
    return (long) vocabSize * c + (long) contextLength * c + layers * block + 2 * c;
  }

  private static boolean inUnit(float p) {
    return p >= 0f && p < 1f;
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }
}
