package org.rlhf4j.core.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.rlhf4j.core.model.CausalLm;
import org.rlhf4j.core.model.KvCache;

/**
 * Batched sampling with a KV cache. Prompts of different lengths are left-padded with the
 * dedicated pad token, masked out of attention, and their position ids come from the mask, so
 * padding does not change what a row generates (Huang et al. 2024, "left padding").
 *
 * <p>Token selection runs in Java on the last position's logits, with a seeded
 * {@link SplittableRandom}: results are reproducible and independent of the device.
 *
 * <p>Memory: everything but the returned Java arrays is closed before {@link #generate} returns.
 */
public final class Generator {
  private Generator() {}

  /** Samples continuations for every prompt (dropout is switched off for the call). */
  public static Generation generate(CausalLm model, List<int[]> prompts, SamplingConfig cfg) {
    int b = prompts.size();
    if (b == 0) {
      return new Generation(new int[0][], new int[0][], new float[0][], new boolean[0]);
    }
    java.util.Set<Integer> eos = java.util.Set.copyOf(model.eosTokenIds());
    // Fills masked positions only, so any id serves when a Llama config names no pad.
    int pad = model.padTokenId() >= 0 ? model.padTokenId() : model.eosTokenIds().get(0);
    int maxPrompt = model.contextLength() - cfg.maxNewTokens();
    if (maxPrompt < 1) {
      throw new IllegalArgumentException(
          "maxNewTokens " + cfg.maxNewTokens() + " leaves no room for a prompt in context "
              + model.contextLength());
    }
    int[][] used = new int[b][];
    int tp = 1;
    for (int i = 0; i < b; i++) {
      int[] p = prompts.get(i);
      if (p.length == 0) {
        throw new IllegalArgumentException("prompt " + i + " is empty");
      }
      // Keep the end of an over-long prompt: the instruction's last words matter most.
      used[i] = p.length > maxPrompt ? Arrays.copyOfRange(p, p.length - maxPrompt, p.length) : p;
      tp = Math.max(tp, used[i].length);
    }
    int steps = cfg.maxNewTokens();
    long[][] mask = new long[b][tp + steps];
    long[][] ids = new long[b][tp];
    for (int i = 0; i < b; i++) {
      int off = tp - used[i].length;
      Arrays.fill(ids[i], pad);
      for (int j = 0; j < used[i].length; j++) {
        ids[i][off + j] = used[i][j];
        mask[i][off + j] = 1;
      }
    }
    int[][] out = new int[b][steps];
    float[][] lps = new float[b][steps];
    int[] len = new int[b];
    boolean[] done = new boolean[b];
    SplittableRandom rng = new SplittableRandom(cfg.seed());
    boolean wasTraining = model.isTraining();
    model.setTraining(false);
    try (NDManager gen = model.manager().newSubManager();
        KvCache cache = new KvCache(gen, model.layers())) {
      long[][] next = ids;
      int width = tp;
      for (int t = 0; t < steps; t++) {
        float[] logits;
        int vocab = model.vocabSize();
        try (NDManager step = gen.newSubManager()) {
          NDArray in = step.create(next);
          NDArray m = step.create(prefix(mask, width));
          NDArray hidden = model.forward(in, m, cache); // (B, T, C)
          long tnow = hidden.getShape().get(1);
          NDArray last = hidden.get(":, " + (tnow - 1) + ":, :"); // (B, 1, C)
          logits = model.logits(last).toFloatArray(); // (B * V)
        }
        long[][] chosen = new long[b][1];
        boolean all = true;
        for (int i = 0; i < b; i++) {
          if (done[i]) {
            chosen[i][0] = pad;
            continue;
          }
          float[] row = Arrays.copyOfRange(logits, i * vocab, (i + 1) * vocab);
          double[] choice = pick(row, cfg, rng);
          int tok = (int) choice[0];
          out[i][len[i]] = tok;
          lps[i][len[i]] = (float) choice[1];
          len[i]++;
          chosen[i][0] = tok;
          mask[i][width] = 1;
          if (eos.contains(tok)) {
            done[i] = true;
          }
          all &= done[i];
        }
        width++;
        next = chosen;
        if (all) {
          break;
        }
      }
    } finally {
      model.setTraining(wasTraining);
    }
    int[][] responses = new int[b][];
    float[][] logprobs = new float[b][];
    for (int i = 0; i < b; i++) {
      responses[i] = Arrays.copyOf(out[i], len[i]);
      logprobs[i] = Arrays.copyOf(lps[i], len[i]);
    }
    return new Generation(used, responses, logprobs, done);
  }

  private static long[][] prefix(long[][] mask, int width) {
    long[][] p = new long[mask.length][];
    for (int i = 0; i < mask.length; i++) {
      p[i] = Arrays.copyOf(mask[i], width);
    }
    return p;
  }

  /**
   * Chooses a token from one row of logits according to the sampling config and returns {token,
   * log-probability under softmax(logits / temperature) over the full vocabulary}. One pass of
   * exponentials serves both (decoding is dominated by per-step overhead on small models).
   */
  static double[] pick(float[] logits, SamplingConfig cfg, SplittableRandom rng) {
    int v = logits.length;
    float t = cfg.isGreedy() ? 1f : cfg.temperature();
    double max = Double.NEGATIVE_INFINITY;
    int best = 0;
    for (int j = 0; j < v; j++) {
      if (logits[j] > logits[best]) {
        best = j;
      }
    }
    max = logits[best] / (double) t;
    double[] p = new double[v];
    double z = 0;
    for (int j = 0; j < v; j++) {
      p[j] = Math.exp(logits[j] / (double) t - max);
      z += p[j];
    }
    double logZ = Math.log(z);
    if (cfg.isGreedy()) {
      return new double[] {best, logits[best] / (double) t - max - logZ};
    }
    double total = z;
    if (cfg.topK() > 0 || cfg.topP() < 1f) {
      for (int j = 0; j < v; j++) {
        p[j] /= z;
      }
      truncate(p, cfg.topK(), cfg.topP());
      total = 0;
      for (double x : p) {
        total += x;
      }
    }
    double u = rng.nextDouble() * total;
    double acc = 0;
    int tok = -1;
    for (int j = 0; j < v; j++) {
      acc += p[j];
      if (u < acc) {
        tok = j;
        break;
      }
    }
    if (tok < 0) {
      // Rounding left u above the last cumulative value: take the last token with mass.
      for (int j = v - 1; j >= 0 && tok < 0; j--) {
        if (p[j] > 0) {
          tok = j;
        }
      }
    }
    return new double[] {tok, logits[tok] / (double) t - max - logZ};
  }

  /** Zeroes probabilities outside the top-k and outside the nucleus of mass topP. */
  private static void truncate(double[] p, int topK, float topP) {
    Integer[] order = new Integer[p.length];
    for (int j = 0; j < p.length; j++) {
      order[j] = j;
    }
    Arrays.sort(order, (a, c) -> Double.compare(p[c], p[a]));
    double acc = 0;
    for (int r = 0; r < order.length; r++) {
      int j = order[r];
      boolean outK = topK > 0 && r >= topK;
      boolean outP = acc >= topP && r > 0;
      acc += p[j];
      if (outK || outP) {
        p[j] = 0;
      }
    }
  }
}
