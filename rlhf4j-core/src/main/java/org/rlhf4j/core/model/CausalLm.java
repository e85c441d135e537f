package org.rlhf4j.core.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;
import java.util.Map;

/**
 * What generation, scoring and training need from a decoder, whatever its family: {@link GptModel}
 * (GPT-2 layout) or {@link LlamaModel} (Llama, Qwen2, Mistral, SmolLM). Each family keeps its own
 * readable model file; this interface names only the calls they share, so a trainer written
 * against it runs either (docs/bring-your-own-model.md).
 *
 * <p>Memory: parameters live in {@link #manager()}; every array {@link #forward} and the heads
 * return is attached to the manager of their first argument. Close the model when done.
 */
public interface CausalLm extends AutoCloseable {

  /**
   * Runs the decoder: (B, T) int64 ids, (B, S) attention mask over cached + new positions (null:
   * no padding), optional cache extended in place; returns (B, T, C) final hidden states.
   */
  NDArray forward(NDArray inputIds, NDArray attentionMask, KvCache cache);

  /** Language-model head: (B, T, C) -> (B, T, V). */
  NDArray logits(NDArray hidden);

  /** Scalar head at one position per row: (B, T, C), (B) -> (B). */
  NDArray score(NDArray hidden, NDArray index);

  /** Scalar head at every position: (B, T, C) -> (B, T). */
  NDArray scoreAll(NDArray hidden);

  boolean hasScoreHead();

  /** Adds a freshly initialised scalar head if absent (an LM becomes a reward/value model). */
  void addScoreHead(long seed);

  /** The shape record ({@link GptConfig} or {@link LlamaConfig}), e.g. for a run's resolved config. */
  Record config();

  /**
   * Overwrites the trainable parameters in place from a table with the same names and shapes
   * (resuming a run); see {@link #parameters}.
   */
  void loadParameters(Map<String, NDArray> tensors);

  /** Longest sequence the model accepts (prompt + response). */
  int contextLength();

  /** Decoder layers, the number of key/value pairs a {@link KvCache} holds per position. */
  int layers();

  int vocabSize();

  /** Ids that end a response; generation stops at any of them. The first is the one trainers append. */
  List<Integer> eosTokenIds();

  /** The padding id, or -1 when the model config names none (the tokenizer's pad is used then). */
  int padTokenId();

  /** Dropout on ({@code true}) or off. */
  void setTraining(boolean training);

  boolean isTraining();

  /** Dropout rate for every residual branch while training (null: the config's own rates). */
  void setDropoutOverride(Float p);

  /** Turns gradient tracking on or off for every trainable parameter (an adapter view's own). */
  default void setRequiresGradient(boolean on) {
    for (NDArray p : parameters().values()) {
      p.setRequiresGradient(on);
    }
  }

  /** The parameter table (Hugging Face names), owned by the model. */
  Map<String, NDArray> parameters();

  long parameterCount();

  /** A deep copy on the same device. */
  CausalLm copy();

  NDManager manager();

  Device device();

  @Override
  void close();
}
