package org.rlhf4j.core.model;

import ai.djl.ndarray.NDArray;
import java.util.Map;

/**
 * A parameter-efficient adapter on a frozen {@link LlamaModel}: a trainable update added to
 * chosen linear layers' outputs (LoRA, {@code org.rlhf4j.core.lora}) and trainable copies that
 * replace whole parameters (PEFT's {@code modules_to_save}, e.g. a reward model's {@code
 * score.weight}). The model calls it; it never changes the base weights.
 */
public interface LinearAdapter {

  /**
   * The update to add to linear layer {@code module}'s output (for example {@code
   * model.layers.0.self_attn.q_proj}), or null when this adapter leaves that layer alone.
   *
   * @param x the layer's input (B, T, in)
   * @param training whether dropout applies
   * @return (B, T, out), or null
   */
  NDArray delta(String module, NDArray x, boolean training);

  /** A trainable replacement for parameter {@code name}, or null to use the base one. */
  NDArray replacement(String name);

  /** The trainable arrays, keyed by name; what an optimiser updates and a checkpoint stores. */
  Map<String, NDArray> parameters();
}
