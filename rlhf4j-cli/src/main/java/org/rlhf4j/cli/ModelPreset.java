package org.rlhf4j.cli;

import org.rlhf4j.core.model.GptConfig;

/**
 * The shipped base models' shapes. Their roles are InstructGPT's 1.3B and 175B models: the
 * question is whether the aligned small one is preferred to the unaligned large one.
 */
enum ModelPreset {
  /** About 1.3M parameters with a 4k vocabulary. */
  SMALL(4, 4, 128, 256),
  /** About 5.8M parameters (4.4x small). */
  LARGE(6, 8, 256, 256),
  /** For tests and smoke runs. */
  TINY(2, 2, 32, 128);

  final int layers;
  final int heads;
  final int width;
  final int context;

  ModelPreset(int layers, int heads, int width, int context) {
    this.layers = layers;
    this.heads = heads;
    this.width = width;
    this.context = context;
  }

  GptConfig config(int vocab, int eos, int pad, float dropout) {
    return new GptConfig(vocab, context, layers, heads, width, dropout, dropout, dropout, 1e-5f, -1, eos, pad,
        GptConfig.Activation.GELU);
  }
}
