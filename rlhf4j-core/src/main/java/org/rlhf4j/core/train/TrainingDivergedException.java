package org.rlhf4j.core.train;

/** A NaN or infinite quantity stopped training; the last good checkpoint is left untouched. */
public final class TrainingDivergedException extends IllegalStateException {
  public TrainingDivergedException(String message) {
    super(message);
  }
}
