package org.rlhf4j.core.train;

import java.util.Map;

/** Receives metrics after each logged optimizer step (progress bars, dashboards). */
@FunctionalInterface
public interface StepListener {
  /**
   * @param step optimizer steps completed
   * @param totalSteps planned steps
   * @param metrics values keyed by {@link Metrics} names
   */
  void onStep(long step, long totalSteps, Map<String, Double> metrics);

  StepListener NONE = (step, total, metrics) -> {};
}
