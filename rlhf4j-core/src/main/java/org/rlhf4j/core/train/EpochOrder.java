package org.rlhf4j.core.train;

import java.util.SplittableRandom;

/**
 * Data order as a pure function of (seed, epoch): every trainer draws its example order here, so
 * a resumed run sees exactly the batches an uninterrupted run would have seen.
 */
public final class EpochOrder {
  private EpochOrder() {}

  /** A Fisher-Yates permutation of 0..n-1 seeded by (seed, epoch) only. */
  public static int[] permutation(int n, long seed, long epoch) {
    return shuffle(n, new SplittableRandom(seed * 1_000_003L + epoch));
  }

  /** A Fisher-Yates permutation of 0..n-1 drawn from {@code rng}. */
  public static int[] shuffle(int n, SplittableRandom rng) {
    int[] p = new int[n];
    for (int i = 0; i < n; i++) {
      p[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }
}
