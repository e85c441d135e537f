package org.rlhf4j.core.train;


/**
 * A token stream cut into packed, non-overlapping windows of {@code T + 1} tokens (inputs and
 * next-token targets), visited in an order that is a pure function of (seed, epoch). Because the
 * order is recomputed rather than stored, a resumed run sees exactly the batches the killed run
 * would have seen.
 */
public final class TokenWindows {
  private final int[] tokens;
  private final int window;
  private final int count;
  private final long seed;
  private int cachedEpoch = -1;
  private int[] order;

  /**
   * @param tokens the corpus, documents separated by EOS
   * @param contextLength T, tokens per training sequence
   * @param seed permutation seed
   */
  public TokenWindows(int[] tokens, int contextLength, long seed) {
    if (contextLength < 2) {
      throw new IllegalArgumentException("context length must be at least 2");
    }
    this.tokens = tokens;
    this.window = contextLength;
    this.count = (tokens.length - 1) / contextLength;
    this.seed = seed;
    if (count < 1) {
      throw new IllegalArgumentException(
          "corpus of " + tokens.length + " tokens is shorter than one window of " + (contextLength + 1));
    }
  }

  /** Number of windows per epoch. */
  public int size() {
    return count;
  }

  public int contextLength() {
    return window;
  }

  public long tokenCount() {
    return tokens.length;
  }

  /**
   * The {@code i}-th window of the whole run (i may exceed one epoch), as T + 1 token ids.
   */
  public long[] window(long i) {
    int epoch = (int) (i / count);
    int within = (int) (i % count);
    int start = permutation(epoch)[within] * window;
    long[] w = new long[window + 1];
    for (int j = 0; j <= window; j++) {
      w[j] = tokens[start + j];
    }
    return w;
  }

  /** The first {@code n} windows in file order (for a fixed validation set). */
  public long[][] firstWindows(int n) {
    int k = Math.min(n, count);
    long[][] out = new long[k][window + 1];
    for (int i = 0; i < k; i++) {
      for (int j = 0; j <= window; j++) {
        out[i][j] = tokens[i * window + j];
      }
    }
    return out;
  }

  private int[] permutation(int epoch) {
    if (epoch != cachedEpoch) {
      order = EpochOrder.permutation(count, seed, epoch);
      cachedEpoch = epoch;
    }
    return order;
  }
}
