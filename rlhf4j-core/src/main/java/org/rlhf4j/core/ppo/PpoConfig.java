package org.rlhf4j.core.ppo;

import org.rlhf4j.core.train.OptimizerConfig;

/**
 * PPO against a reward function with a per-token KL penalty to the reference (SFT) policy,
 * optionally mixed with pretraining gradients (PPO-ptx), as in InstructGPT section 3.5 and
 * appendix C.4. Nested records group the settings by concern; defaults in {@link #instructGpt()}.
 *
 * @param iterations PPO iterations (rollout + update) in the run
 * @param rollout how episodes are sampled
 * @param kl the KL penalty
 * @param objective losses, advantages and update epochs
 * @param policyOptimizer AdamW for the policy (InstructGPT: constant LR after a short warm-up)
 * @param valueOptimizer AdamW for the separate value network
 * @param ptx PPO-ptx pretraining mix
 * @param ema exponential moving average of the policy weights
 * @param checkpointEvery iterations between resumable checkpoints (0: only at the end)
 * @param seed prompt order and sampling seed
 */
public record PpoConfig(
    int iterations,
    Rollout rollout,
    Kl kl,
    Objective objective,
    OptimizerConfig policyOptimizer,
    OptimizerConfig valueOptimizer,
    Ptx ptx,
    Ema ema,
    int checkpointEvery,
    long seed) {

  public PpoConfig {
    require(iterations >= 1, "iterations must be >= 1");
    require(rollout != null && kl != null && objective != null && ptx != null && ema != null,
        "every section must be set");
    require(policyOptimizer != null && valueOptimizer != null, "optimizers must be set");
    require(checkpointEvery >= 0, "checkpointEvery must be >= 0");
    if (rollout.episodes() % objective.miniBatch() != 0) {
      throw new IllegalArgumentException("rollout episodes (" + rollout.episodes()
          + ") must be a multiple of the mini-batch (" + objective.miniBatch() + ")");
    }
  }

  /**
   * Sampling.
   *
   * @param episodes episodes (prompt, response) per iteration (InstructGPT: 512)
   * @param generationBatch sequences decoded together
   * @param maxNewTokens response length limit
   * @param temperature rollout temperature (InstructGPT: 1); training logits are divided by it
   *     too (Huang et al. 2024)
   * @param eosPenalty the "EOS trick": a response that does not end with EOS gets this score
   *     instead of the reward model's; null disables (Huang et al. 2024, detail 4)
   */
  public record Rollout(int episodes, int generationBatch, int maxNewTokens, float temperature, Double eosPenalty) {
    public Rollout {
      require(episodes >= 1 && generationBatch >= 1 && maxNewTokens >= 1, "rollout sizes must be positive");
      require(temperature > 0, "rollout temperature must be > 0 (PPO samples)");
    }
  }

  /**
   * KL penalty: reward per token -beta * KL(token), reward-model score added at the last token.
   *
   * @param beta initial coefficient (InstructGPT: 0.02)
   * @param estimator k1 (default) or k3
   * @param adaptive use Ziegler et al.'s controller towards {@code target}
   * @param target target KL in nats per episode (adaptive only)
   * @param horizon controller horizon in episodes (Ziegler: 10,000)
   */
  public record Kl(double beta, PpoMath.KlEstimator estimator, boolean adaptive, double target, double horizon) {
    public Kl {
      require(beta >= 0, "beta must be >= 0");
      require(estimator != null, "KL estimator must be set");
      require(!adaptive || (target > 0 && horizon > 0), "adaptive KL needs target > 0 and horizon > 0");
    }
  }

  /**
   * Update.
   *
   * @param miniBatch episodes per gradient step (InstructGPT: 64)
   * @param epochs passes over each rollout batch (InstructGPT: 1)
   * @param clip policy ratio clip (0.2)
   * @param valueClip value clip (0.2)
   * @param valueCoef value loss coefficient (0.1)
   * @param entropyCoef entropy bonus (0 in InstructGPT)
   * @param gamma discount (1: no discount)
   * @param lambda GAE lambda (0.95)
   * @param whitenAdvantages whiten advantages per batch (on by default)
   * @param whitenRewards whiten rewards per batch before GAE (off: it shortens outputs)
   */
  public record Objective(
      int miniBatch, int epochs, float clip, float valueClip, float valueCoef, float entropyCoef, double gamma,
      double lambda, boolean whitenAdvantages, boolean whitenRewards) {
    public Objective {
      require(miniBatch >= 1 && epochs >= 1, "miniBatch and epochs must be >= 1");
      require(clip > 0 && valueClip > 0, "clip ranges must be > 0");
      require(valueCoef >= 0 && entropyCoef >= 0, "coefficients must be >= 0");
      require(gamma > 0 && gamma <= 1 && lambda >= 0 && lambda <= 1, "gamma in (0,1], lambda in [0,1]");
    }
  }

  /**
   * PPO-ptx: gamma * next-token loss on pretraining text, in its own backward pass accumulated
   * into the same optimizer step as the PPO loss.
   *
   * @param coef gamma (InstructGPT: 27.8); 0 turns PPO-ptx off
   * @param sequencesPerEpisode pretraining sequences per RL episode (InstructGPT: 8)
   * @param context tokens per pretraining sequence
   */
  public record Ptx(double coef, double sequencesPerEpisode, int context) {
    public Ptx {
      require(coef >= 0 && sequencesPerEpisode >= 0, "ptx coef and ratio must be >= 0");
      require(context >= 2, "ptx context must be >= 2");
    }

    public boolean enabled() {
      return coef > 0 && sequencesPerEpisode > 0;
    }

    public static Ptx off() {
      return new Ptx(0, 0, 64);
    }
  }

  /**
   * EMA of the policy weights, updated after every optimizer step and used as the final model.
   *
   * @param enabled keep and save the average
   * @param decay InstructGPT: 0.992
   */
  public record Ema(boolean enabled, double decay) {
    public Ema {
      require(decay > 0 && decay < 1, "EMA decay must be in (0,1)");
    }
  }

  /** InstructGPT's settings (episodes scaled down from 512 to fit a small CPU run). */
  public static PpoConfig instructGpt(int iterations, int episodes, int miniBatch, int maxNewTokens) {
    return new PpoConfig(
        iterations,
        new Rollout(episodes, Math.min(episodes, 64), maxNewTokens, 1.0f, -1.0),
        new Kl(0.02, PpoMath.KlEstimator.K1, false, 6.0, 10_000),
        new Objective(miniBatch, 1, 0.2f, 0.2f, 0.1f, 0f, 1.0, 0.95, true, false),
        OptimizerConfig.constant(1e-5, 2),
        OptimizerConfig.constant(1e-5, 2),
        Ptx.off(),
        new Ema(true, 0.992),
        0,
        1);
  }

  public PpoConfig withPtx(Ptx p) {
    return new PpoConfig(iterations, rollout, kl, objective, policyOptimizer, valueOptimizer, p, ema, checkpointEvery, seed);
  }

  public PpoConfig withRollout(Rollout r) {
    return new PpoConfig(iterations, r, kl, objective, policyOptimizer, valueOptimizer, ptx, ema, checkpointEvery, seed);
  }

  public PpoConfig withObjective(Objective o) {
    return new PpoConfig(iterations, rollout, kl, o, policyOptimizer, valueOptimizer, ptx, ema, checkpointEvery, seed);
  }

  public PpoConfig withKl(Kl k) {
    return new PpoConfig(iterations, rollout, k, objective, policyOptimizer, valueOptimizer, ptx, ema, checkpointEvery, seed);
  }

  public PpoConfig withOptimizers(OptimizerConfig policy, OptimizerConfig value) {
    return new PpoConfig(iterations, rollout, kl, objective, policy, value, ptx, ema, checkpointEvery, seed);
  }

  public PpoConfig withIterations(int n) {
    return new PpoConfig(n, rollout, kl, objective, policyOptimizer, valueOptimizer, ptx, ema, checkpointEvery, seed);
  }

  public PpoConfig withEma(Ema e) {
    return new PpoConfig(iterations, rollout, kl, objective, policyOptimizer, valueOptimizer, ptx, e, checkpointEvery, seed);
  }

  public PpoConfig withCheckpointEvery(int n) {
    return new PpoConfig(iterations, rollout, kl, objective, policyOptimizer, valueOptimizer, ptx, ema, n, seed);
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }
}
