package org.rlhf4j.cli;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.rlhf4j.core.generate.Generation;
import org.rlhf4j.core.generate.Generator;
import org.rlhf4j.core.generate.SamplingConfig;
import org.rlhf4j.core.model.CausalLm;
import org.rlhf4j.core.reward.RewardFunction;
import org.rlhf4j.core.tokenizer.Tokenizer;
import org.rlhf4j.core.train.ModelSelector;

/**
 * SFT model selection by reward: the mean reward of the model's own responses to validation
 * prompts. InstructGPT selects its SFT checkpoint this way because validation loss keeps rising
 * after one epoch while the RM score (and human preference) keeps improving (Ouyang et al. 2022,
 * section 3.5).
 *
 * <p>Responses are decoded with a fixed sampling config (greedy by default) so that two
 * evaluations of the same weights give the same score and checkpoints are compared on equal
 * terms. A response cut off at {@code maxNewTokens} is scored like any other (the reward model reads
 * it at an appended EOS), as the pipeline's evaluation does.
 */
final class RewardSelector implements ModelSelector {
  /** The metric name written to the SFT metrics log. */
  static final String NAME = "val/rm_score";

  private final List<String> prompts;
  private final Tokenizer tokenizer;
  private final RewardFunction reward;
  private final SamplingConfig sampling;
  private final int batch;

  /**
   * @param prompts validation prompt texts
   * @param tokenizer the policy's tokenizer (the reward function reads text, so it may use another)
   */
  RewardSelector(List<String> prompts, Tokenizer tokenizer, RewardFunction reward, SamplingConfig sampling, int batch) {
    if (prompts.isEmpty()) {
      throw new IllegalArgumentException("selection by reward needs validation prompts");
    }
    if (batch < 1) {
      throw new IllegalArgumentException("batch must be >= 1");
    }
    this.prompts = List.copyOf(prompts);
    this.tokenizer = tokenizer;
    this.reward = reward;
    this.sampling = sampling;
    this.batch = batch;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public double evaluate(CausalLm model) throws IOException {
    List<int[]> encoded = tokenizer.encodeBatch(prompts);
    List<String> responses = new ArrayList<>(prompts.size());
    for (int s = 0; s < encoded.size(); s += batch) {
      Generation g = Generator.generate(model, encoded.subList(s, Math.min(encoded.size(), s + batch)), sampling);
      for (int i = 0; i < g.size(); i++) {
        int[] r = g.responses()[i];
        int[] visible = g.endedWithEos()[i] ? Arrays.copyOf(r, r.length - 1) : r;
        responses.add(tokenizer.decode(visible).strip());
      }
    }
    double[] scores = reward.score(prompts, responses);
    double sum = 0;
    for (double v : scores) {
      if (!Double.isFinite(v)) {
        throw new IllegalStateException("the reward model returned " + v + " while selecting the SFT checkpoint");
      }
      sum += v;
    }
    return sum / scores.length;
  }

  @Override
  public boolean higherIsBetter() {
    return true;
  }
}
