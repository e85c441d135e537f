package org.rlhf4j.cli;

import java.util.List;
import org.rlhf4j.core.reward.RewardFunction;
import org.rlhf4j.world.PromptFormat;
import org.rlhf4j.world.Task;
import org.rlhf4j.world.World;

/**
 * The embedded world's gold judge as a {@link RewardFunction}: the "gold reward model" of Gao et
 * al. 2022. PPO against it shows what the policy could learn from a perfect reward model, which
 * separates the limits of the reward model from the limits of the policy. It is a diagnostic: the
 * gold judge is what evaluation measures, so a policy trained on it is not a fair InstructGPT model.
 *
 * <p>A prompt that is not one of the world's tasks is an error, named with its position.
 */
final class GoldReward implements RewardFunction {
  private final World world;

  GoldReward(World world) {
    this.world = world;
  }

  @Override
  public double[] score(List<String> prompts, List<String> responses) {
    double[] out = new double[prompts.size()];
    for (int i = 0; i < out.length; i++) {
      Task t = world.taskForPrompt(prompts.get(i));
      if (t == null) {
        throw new IllegalArgumentException("gold reward: prompt #" + (i + 1) + " is not a task of the embedded world: "
            + PromptFormat.abbreviate(prompts.get(i)));
      }
      out[i] = world.judge().judge(t, responses.get(i)).score();
    }
    return out;
  }
}
