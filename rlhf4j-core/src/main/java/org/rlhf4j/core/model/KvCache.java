package org.rlhf4j.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * Keys and values of earlier positions, one pair per layer, so that decoding a new token costs one
 * position's work instead of re-running the whole prefix.
 *
 * <p>The cache owns its arrays in its own {@link NDManager}: a decode step's temporaries can live
 * in a short-lived sub-manager while the cache survives across steps. Close the cache when the
 * generation is done.
 */
public final class KvCache implements AutoCloseable {
  private final NDManager manager;
  private final NDArray[] keys;
  private final NDArray[] values;
  private long length;

  public KvCache(NDManager parent, int layers) {
    this.manager = parent.newSubManager();
    this.keys = new NDArray[layers];
    this.values = new NDArray[layers];
  }

  /** Number of cached positions (including padding positions of left-padded prompts). */
  public long length() {
    return length;
  }

  /**
   * Appends one layer's new keys and values (B, H, T, D) and returns the full (B, H, S, D) pair.
   */
  NDArray[] append(int layer, NDArray k, NDArray v) {
    keys[layer] = concat(keys[layer], k);
    values[layer] = concat(values[layer], v);
    return new NDArray[] {keys[layer], values[layer]};
  }

  private NDArray concat(NDArray old, NDArray fresh) {
    NDArray joined = old == null ? fresh.duplicate() : old.concat(fresh, 2);
    joined.attach(manager);
    if (old != null) {
      old.close();
    }
    return joined;
  }

  /** Called by the model once every layer has appended {@code t} positions. */
  void advance(long t) {
    length += t;
  }

  /**
   * Keeps only the given batch rows (in order), e.g. to drop finished sequences from a batch.
   *
   * @param rows (B') int64 indices into the current batch
   */
  public void select(NDArray rows) {
    for (int i = 0; i < keys.length; i++) {
      keys[i] = take(keys[i], rows);
      values[i] = take(values[i], rows);
    }
  }

  private NDArray take(NDArray a, NDArray rows) {
    if (a == null) {
      return null;
    }
    NDArray picked = a.get(rows);
    picked.attach(manager);
    a.close();
    return picked;
  }

  @Override
  public void close() {
    manager.close();
  }
}
