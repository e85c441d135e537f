package org.rlhf4j.core.bestofn;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.rlhf4j.core.generate.Generation;
import org.rlhf4j.core.generate.Generator;
import org.rlhf4j.core.model.GptModel;
import org.rlhf4j.core.reward.RewardFunction;
import org.rlhf4j.core.reward.TokenizedRankings;
import org.rlhf4j.core.tokenizer.Tokenizer;

/**
 * Best-of-n: sample n responses per prompt from a policy, score them with any {@link
 * RewardFunction}, keep the best. The simplest way to optimise a reward without training, and the
 * yardstick Gao, Schulman and Hilton (2022) measure RL against: its KL from the policy is known in
 * closed form ({@link #analyticKl}), so gold and proxy scores can be plotted against KL.
 *
 * <p>Memory: {@link Generator} closes everything it creates; nothing here holds native arrays.
 */
public final class BestOfN {
  private BestOfN() {}

  /**
   * The n samples of one prompt.
   *
   * @param prompt the prompt text
   * @param promptTokens the prompt's tokens as the policy saw them (left-truncated if too long)
   * @param responses decoded responses, without EOS
   * @param responseTokens sampled tokens, ending with EOS when the response ended
   * @param scores the reward of each response (after the EOS trick, when on)
   * @param endedWithEos whether each response ended with EOS
   * @param best index of the highest score (the first on ties)
   */
  public record Candidates(
      String prompt,
      int[] promptTokens,
      List<String> responses,
      List<int[]> responseTokens,
      double[] scores,
      boolean[] endedWithEos,
      int best) {
    public String bestResponse() {
      return responses.get(best);
    }

    public int[] bestTokens() {
      return responseTokens.get(best);
    }

    public double bestScore() {
      return scores[best];
    }
  }

  /**
   * KL(best-of-n || policy) = log n - (n - 1) / n, exact when the n samples are distinct
   * (Stiennon et al. 2020, appendix G.3; used by Gao et al. 2022, section 3.1). Dividing by log n
   * gives a measure of optimisation comparable with RL's KL.
   */
  public static double analyticKl(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("n must be >= 1, got " + n);
    }
    return Math.log(n) - (n - 1.0) / n;
  }

  /**
   * Samples {@code config.n()} responses for every prompt and scores them.
   *
   * @param tokenizer the policy's tokenizer (the reward function gets text, so it may use another)
   */
  public static List<Candidates> sample(
      GptModel policy, Tokenizer tokenizer, List<String> prompts, RewardFunction reward, BestOfNConfig config)
      throws IOException {
    TokenizedRankings.checkTokenizer(tokenizer, policy.config());
    int n = config.n();
    List<int[]> rows = new ArrayList<>(prompts.size() * n);
    for (int i = 0; i < prompts.size(); i++) {
      int[] p = tokenizer.encode(prompts.get(i));
      if (p.length == 0) {
        throw new IllegalArgumentException("prompt #" + (i + 1) + " encodes to no tokens");
      }
      for (int j = 0; j < n; j++) {
        rows.add(p);
      }
    }
    int total = rows.size();
    int[][] used = new int[total][];
    int[][] responses = new int[total][];
    boolean[] eos = new boolean[total];
    // Each generation call gets its own seed: reusing one would repeat the same random stream for
    // the copies of a prompt that fall in different calls.
    long call = 0;
    for (int s = 0; s < total; s += config.generationBatch()) {
      int e = Math.min(total, s + config.generationBatch());
      Generation g = Generator.generate(policy, rows.subList(s, e), config.sampling().withSeed(config.sampling().seed() + call++));
      for (int i = 0; i < g.size(); i++) {
        used[s + i] = g.prompts()[i];
        responses[s + i] = g.responses()[i];
        eos[s + i] = g.endedWithEos()[i];
      }
    }
    List<String> promptTexts = new ArrayList<>(total);
    List<String> texts = new ArrayList<>(total);
    for (int r = 0; r < total; r++) {
      promptTexts.add(prompts.get(r / n));
      int[] body = eos[r] ? Arrays.copyOf(responses[r], responses[r].length - 1) : responses[r];
      texts.add(tokenizer.decode(body));
    }
    double[] scores = reward.score(promptTexts, texts);
    if (scores.length != total) {
      throw new IllegalStateException("the reward function returned " + scores.length + " scores for " + total + " responses");
    }
    List<Candidates> out = new ArrayList<>(prompts.size());
    for (int i = 0; i < prompts.size(); i++) {
      int from = i * n;
      double[] sc = Arrays.copyOfRange(scores, from, from + n);
      boolean[] ended = Arrays.copyOfRange(eos, from, from + n);
      int best = 0;
      for (int j = 0; j < n; j++) {
        if (config.eosTrick() && !ended[j]) {
          sc[j] = config.noEosScore();
        }
        if (!Double.isFinite(sc[j])) {
          throw new IllegalStateException("the reward of prompt #" + (i + 1) + " sample " + j + " is " + sc[j]);
        }
        if (sc[j] > sc[best]) {
          best = j;
        }
      }
      out.add(new Candidates(prompts.get(i), used[from], List.copyOf(texts.subList(from, from + n)),
          List.of(Arrays.copyOfRange(responses, from, from + n)), sc, ended, best));
    }
    return out;
  }
}
