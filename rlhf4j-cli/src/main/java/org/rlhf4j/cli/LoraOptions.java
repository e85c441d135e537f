package org.rlhf4j.cli;

import java.util.List;
import org.rlhf4j.core.lora.LoraConfig;
import picocli.CommandLine.Option;

/** {@code --lora} and its settings, shared by the training commands that take Llama-family models. */
final class LoraOptions {
  @Option(names = "--lora", defaultValue = "0",
      description = "Llama-family models: train LoRA adapters of this rank instead of every weight (0: full fine-tuning; default ${DEFAULT-VALUE})")
  int loraRank;

  @Option(names = "--lora-alpha", description = "LoRA alpha (default: 2 x rank)")
  Float loraAlpha;

  @Option(names = "--lora-dropout", defaultValue = "0.05", description = "LoRA dropout (default ${DEFAULT-VALUE})")
  float loraDropout;

  @Option(names = "--lora-targets", split = ",", description = "adapted layers (default: q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj)")
  List<String> loraTargets;

  /** The adapter settings, or null for full fine-tuning. */
  LoraConfig config() {
    return loraRank == 0 ? null : new LoraConfig(loraRank, loraAlpha == null ? 2f * loraRank : loraAlpha,
        loraDropout, loraTargets == null ? LoraConfig.ALL_LINEAR : loraTargets, false);
  }
}
