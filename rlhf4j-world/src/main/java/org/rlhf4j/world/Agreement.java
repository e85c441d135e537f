package org.rlhf4j.world;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Inter-labeler agreement, measured as in the paper: two different labelers of the same pool
 * judge the same pairs of responses; they agree when they give the same verdict (first better,
 * second better, or tie). Pairs come from fresh K-way samples (K = 4..9) of realistic responses
 * ({@link ResponseSampler}) to train and validation prompts.
 */
public final class Agreement {

  /** Agreement within each pool, as fractions in [0, 1], and how many pairs each was based on. */
  public record Report(double training, double heldOut, int pairsPerPool) {
    /** Two lines, training pool first, in percent: what {@code rlhf4j world agreement} prints. */
    public String format() {
      return String.format(
          "training labelers: %.1f%% pairwise agreement (%d pairs)%n"
              + "held-out labelers: %.1f%% pairwise agreement (%d pairs)%n",
          100 * training, pairsPerPool, 100 * heldOut, pairsPerPool);
    }
  }

  private Agreement() {}

  /** Prompts per pool and seed of the standard measurement ({@code rlhf4j world agreement}). */
  public static final int DEFAULT_PROMPTS = 600;

  public static final long DEFAULT_SEED = 2022;

  /** The standard measurement: 600 fresh prompts per pool, fixed seed. */
  public static Report measure(World world) {
    return measure(world, ResponseSampler.create(world), DEFAULT_PROMPTS, DEFAULT_SEED);
  }

  /** Agreement of both standard pools on {@code prompts} fresh prompts each. */
  public static Report measure(World world, ResponseSampler sampler, int prompts, long seed) {
    long[] training = count(world, sampler, world.labelers().training(), prompts, seed);
    long[] heldOut = count(world, sampler, world.labelers().heldOut(), prompts, seed + 1);
    return new Report(
        training[0] / (double) training[1], heldOut[0] / (double) heldOut[1], (int) training[1]);
  }

  /** Agreement between random pairs of distinct labelers of one pool. */
  public static double within(
      World world, ResponseSampler sampler, List<Labeler> pool, int prompts, long seed) {
    long[] c = count(world, sampler, pool, prompts, seed);
    return c[0] / (double) c[1];
  }

  /** [agreeing pairs, pairs]. */
  private static long[] count(
      World world, ResponseSampler sampler, List<Labeler> pool, int prompts, long seed) {
    if (pool.size() < 2) {
      throw new IllegalArgumentException("agreement needs at least two labelers");
    }
    Random rng = new Random(seed);
    List<Task> tasks = new ArrayList<>(world.tasks(Split.TRAIN));
    tasks.addAll(world.tasks(Split.VALID));
    long agree = 0;
    long total = 0;
    for (int p = 0; p < prompts; p++) {
      Task task = tasks.get(rng.nextInt(tasks.size()));
      int k = 4 + rng.nextInt(6);
      List<String> responses = sampler.sample(task, k, rng);
      int a = rng.nextInt(pool.size());
      int b = rng.nextInt(pool.size() - 1);
      if (b >= a) {
        b++;
      }
      Labeler la = pool.get(a);
      Labeler lb = pool.get(b);
      double[] ua = la.utilities(task, responses);
      double[] ub = lb.utilities(task, responses);
      for (int i = 0; i < k; i++) {
        for (int j = i + 1; j < k; j++) {
          if (la.verdict(ua[i], ua[j]) == lb.verdict(ub[i], ub[j])) {
            agree++;
          }
          total++;
        }
      }
    }
    return new long[] {agree, total};
  }
}
