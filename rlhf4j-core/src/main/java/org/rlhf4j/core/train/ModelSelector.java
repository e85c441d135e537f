package org.rlhf4j.core.train;

import java.io.IOException;
import org.rlhf4j.core.model.CausalLm;

/**
 * Scores a model during training so the best checkpoint can be kept. InstructGPT picks the SFT
 * checkpoint by reward-model score on validation prompts, because validation loss overfits after
 * one epoch while human preference keeps improving (section 3.5).
 */
public interface ModelSelector {
  /** Metric name, e.g. {@code val/loss} or {@code val/rm_score}. */
  String name();

  /** Evaluates the model (dropout is already off; no gradients are recorded). */
  double evaluate(CausalLm model) throws IOException;

  /** Whether larger values are better (RM score) or smaller (loss). */
  boolean higherIsBetter();
}
