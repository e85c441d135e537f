package org.rlhf4j.core.train;

/**
 * Metric names, declared once (as CleanRL and TRL do) so logs, progress bars, reports and docs
 * agree. {@code docs/metrics.md} defines each one.
 */
public final class Metrics {
  private Metrics() {}

  public static final String STEP = "step";
  public static final String TRAIN_LOSS = "train/loss";
  public static final String VAL_LOSS = "val/loss";
  public static final String LEARNING_RATE = "train/lr";
  public static final String GRAD_NORM = "train/grad_norm";
  public static final String TOKENS_SEEN = "train/tokens";
  public static final String TOKENS_PER_SECOND = "perf/tokens_per_s";
  public static final String ELAPSED_SECONDS = "perf/elapsed_s";
}
