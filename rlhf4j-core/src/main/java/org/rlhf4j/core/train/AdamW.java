package org.rlhf4j.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * AdamW (Loshchilov and Hutter 2019) over a parameter table, with global-norm gradient clipping.
 *
 * <p>Written out rather than taken from DJL's {@code Optimizer} because resuming a run needs the
 * moment estimates as named tensors that go into a checkpoint ({@link #state()}), and because PPO
 * and PPO-ptx accumulate gradients from several backward passes into one step (InstructGPT 3.5).
 *
 * <p>Weight decay applies to tensors of rank >= 2 (matrices and embeddings), not to biases or
 * LayerNorm gains, as in nanoGPT and GPT-3.
 *
 * <p>Memory: moments live in this optimizer's manager; each {@link #step} runs its temporaries in
 * a sub-manager that it closes.
 */
public final class AdamW implements AutoCloseable {
  private final Map<String, NDArray> params;
  private final OptimizerConfig config;
  private final NDManager manager;
  private final Map<String, NDArray> firstMoment = new LinkedHashMap<>();
  private final Map<String, NDArray> secondMoment = new LinkedHashMap<>();
  private long step;

  public AdamW(Map<String, NDArray> params, OptimizerConfig config, NDManager parent) {
    this.params = params;
    this.config = config;
    this.manager = parent.newSubManager();
    for (Map.Entry<String, NDArray> e : params.entrySet()) {
      firstMoment.put(e.getKey(), manager.zeros(e.getValue().getShape()));
      secondMoment.put(e.getKey(), manager.zeros(e.getValue().getShape()));
    }
  }

  /** Result of one update: the learning rate used and the pre-clipping gradient norm. */
  public record StepInfo(double learningRate, double gradNorm) {}

  /**
   * Applies one update from the gradients accumulated in the parameters, then zeroes them.
   *
   * @param totalSteps the run's planned number of optimizer steps (for the LR schedule)
   * @throws IllegalStateException if the gradient norm is NaN or infinite (parameters untouched)
   */
  public StepInfo step(long totalSteps) {
    double lr = config.learningRateAt(step, totalSteps);
    try (NDManager sub = manager.newSubManager()) {
      Map<String, NDArray> grads = new LinkedHashMap<>();
      double sq = 0;
      for (Map.Entry<String, NDArray> e : params.entrySet()) {
        NDArray g = gradientOrNull(e.getValue());
        if (g == null) {
          continue; // not used by this loss (e.g. the scalar head during LM training): skipped
        }
        g.attach(sub);
        grads.put(e.getKey(), g);
        sq += g.square().sum().getFloat();
      }
      double norm = Math.sqrt(sq);
      if (!Double.isFinite(norm)) {
        zeroGradients();
        throw new IllegalStateException("gradient norm is " + norm + "; parameters left unchanged");
      }
      float scale = 1f;
      if (config.gradClip() > 0 && norm > config.gradClip()) {
        scale = (float) (config.gradClip() / (norm + 1e-6));
      }
      step++;
      double bc1 = 1 - Math.pow(config.beta1(), step);
      double bc2 = 1 - Math.pow(config.beta2(), step);
      float b1 = (float) config.beta1();
      float b2 = (float) config.beta2();
      for (Map.Entry<String, NDArray> e : params.entrySet()) {
        String name = e.getKey();
        NDArray p = e.getValue();
        if (!grads.containsKey(name)) {
          continue;
        }
        NDArray g = grads.get(name).mul(scale); // in sub: g is attached there
        NDArray m = firstMoment.get(name);
        NDArray v = secondMoment.get(name);
        m.muli(b1).addi(g.mul(1 - b1));
        v.muli(b2).addi(g.square().muli(1 - b2));
        if (config.weightDecay() > 0 && p.getShape().dimension() >= 2) {
          p.muli((float) (1 - lr * config.weightDecay()));
        }
        // DJL attaches a result to its first operand's manager: move each temporary made from a
        // moment into the step's sub-manager at once, or it would live as long as the optimizer.
        NDArray vHat = v.div(bc2);
        vHat.attach(sub);
        NDArray denom = vHat.sqrt().addi((float) config.epsilon());
        NDArray update = m.div(denom);
        update.attach(sub);
        p.subi(update.muli((float) (lr / bc1)));
      }
      zeroGradients();
      return new StepInfo(lr, norm);
    }
  }

  /** The result of {@link #stepRecomputingOnce}: what the passes returned and the update. */
  public record Stepped<T>(T value, StepInfo info) {}

  /**
   * One optimizer step over the gradients that {@code passes} accumulates (its forward and
   * backward passes). If their norm is not finite the gradients are zeroed and the passes run once
   * more from the same inputs: we have seen rare, non-reproducible non-finite gradients under
   * heavy CPU load that do not recur on a rerun. A second failure is real divergence.
   *
   * @param what the step, for messages ("SFT step 12")
   * @param passes runs the forward and backward passes of the step and returns their result
   *     (loss, metrics); it must be deterministic given the step (seed dropout inside it)
   * @param kept what is left on disk, appended to the divergence message
   * @throws TrainingDivergedException when the recomputed step's gradient norm is not finite too
   */
  public <T> Stepped<T> stepRecomputingOnce(long totalSteps, String what, Supplier<T> passes, Supplier<String> kept) {
    for (int attempt = 0; ; attempt++) {
      T value = passes.get();
      try {
        return new Stepped<>(value, step(totalSteps));
      } catch (IllegalStateException e) {
        if (attempt > 0) {
          throw new TrainingDivergedException(
              "gradient norm is not finite at " + what + " (twice); " + kept.get());
        }
        System.err.println("warning: non-finite gradient norm at " + what + "; recomputing the step");
      }
    }
  }

  /** Zeroes accumulated gradients without updating (e.g. after a skipped step). */
  public void zeroGradients() {
    for (NDArray p : params.values()) {
      // libtorch's zero_() on the .grad buffer: unlike g - g it also clears NaN and Inf.
      JniUtils.zeroGrad((PtNDArray) p);
    }
  }

  /** The accumulated gradient, or null when no backward pass has reached this parameter. */
  static NDArray gradientOrNull(NDArray p) {
    if (!p.hasGradient()) {
      return null;
    }
    try {
      return p.getGradient();
    } catch (IllegalStateException e) {
      return null; // requires grad, but no backward pass touched it yet
    }
  }

  /** Optimizer steps taken so far. */
  public long stepCount() {
    return step;
  }

  /** Moments as named tensors ({@code m.<param>}, {@code v.<param>}) for checkpointing. */
  public Map<String, NDArray> state() {
    Map<String, NDArray> s = new LinkedHashMap<>();
    firstMoment.forEach((k, v) -> s.put("m." + k, v));
    secondMoment.forEach((k, v) -> s.put("v." + k, v));
    return s;
  }

  /** Restores moments and the step count saved by {@link #state()}. */
  public void load(Map<String, NDArray> state, long stepCount) {
    for (String name : params.keySet()) {
      NDArray m = state.get("m." + name);
      NDArray v = state.get("v." + name);
      if (m == null || v == null) {
        throw new IllegalArgumentException("optimizer state lacks moments for '" + name + "'");
      }
      firstMoment.get(name).set(m.toFloatArray());
      secondMoment.get(name).set(v.toFloatArray());
    }
    this.step = stepCount;
  }

  @Override
  public void close() {
    manager.close();
  }
}
