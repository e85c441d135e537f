package org.rlhf4j.core.lora;

import java.util.List;

/**
 * LoRA hyper-parameters (Hu et al. 2021), named as PEFT's {@code LoraConfig} so that {@code
 * adapter_config.json} maps one to one.
 *
 * @param rank r, the inner width of each update B A ({@code r}; PEFT's default 8)
 * @param alpha the update is scaled by alpha / r ({@code lora_alpha})
 * @param dropout dropout on the adapted layer's input before A, while training ({@code lora_dropout})
 * @param targetModules the linear layers adapted, by their last name segment ({@code
 *     target_modules}, e.g. q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj)
 * @param trainScoreHead whether the scalar head ({@code score}) is trained alongside, as PEFT's
 *     {@code modules_to_save=["score"]} does for sequence classification (reward, value models)
 */
public record LoraConfig(int rank, float alpha, float dropout, List<String> targetModules, boolean trainScoreHead) {

  /** The seven projections of a Llama block, the usual "all-linear" choice. */
  public static final List<String> ALL_LINEAR =
      List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");

  public LoraConfig {
    if (rank <= 0) {
      throw new IllegalArgumentException("LoRA rank must be positive, got " + rank);
    }
    if (!(alpha > 0)) {
      throw new IllegalArgumentException("lora_alpha must be positive, got " + alpha);
    }
    if (dropout < 0 || dropout >= 1) {
      throw new IllegalArgumentException("lora_dropout must be in [0, 1), got " + dropout);
    }
    targetModules = List.copyOf(targetModules);
    if (targetModules.isEmpty()) {
      throw new IllegalArgumentException("target_modules must name at least one layer");
    }
    for (String m : targetModules) {
      if (!ALL_LINEAR.contains(m)) {
        throw new IllegalArgumentException("target module '" + m + "' is not one of " + ALL_LINEAR);
      }
    }
  }

  /** Rank r, alpha 2r, dropout 0.05, all seven projections (a common recipe). */
  public static LoraConfig allLinear(int rank) {
    return new LoraConfig(rank, 2f * rank, 0.05f, ALL_LINEAR, false);
  }

  /** alpha / r, the factor on B A x. */
  public float scaling() {
    return alpha / rank;
  }

  /** The same config training (or not) the score head. */
  public LoraConfig withScoreHead(boolean train) {
    return new LoraConfig(rank, alpha, dropout, targetModules, train);
  }

  /** Whether linear layer {@code module} (a full name such as model.layers.0.mlp.up_proj) is adapted. */
  public boolean targets(String module) {
    return targetModules.contains(module.substring(module.lastIndexOf('.') + 1));
  }
}
