package org.rlhf4j.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.rlhf4j.core.model.Scalars;

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

  /** Applies one update; see {@link #step(long, String, Supplier)}. */
  public StepInfo step(long totalSteps) {
    return step(totalSteps, "optimizer step " + (step + 1), () -> "parameters left unchanged");
  }

  /**
   * Applies one update from the gradients accumulated in the parameters, then zeroes them.
   *
   * <p>A non-finite gradient norm is divergence: the run stops. (An earlier version recomputed
   * such a step once, for rare non-finite gradients that did not recur on a rerun; they were a
   * use-after-free in DJL's scalar operands, now avoided with {@code Scalars}, see
   * docs/known-issues.md.)
   *
   * @param totalSteps the run's planned number of optimizer steps (for the LR schedule)
   * @param what the step, for the message ("SFT step 12")
   * @param kept what is left on disk, appended to the message
   * @throws TrainingDivergedException if the gradient norm is NaN or infinite; parameters and
   *     moments are left untouched and the gradients zeroed
   */
  public StepInfo step(long totalSteps, String what, Supplier<String> kept) {
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
        throw new TrainingDivergedException("gradient norm is " + norm + " at " + what + "; " + kept.get());
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
        // No tensor here carries a gradient; Scalars anyway, so there is one idiom to check.
        NDArray g = Scalars.mul(grads.get(name), scale); // in sub: g is attached there
        NDArray m = firstMoment.get(name);
        NDArray v = secondMoment.get(name);
        m.muli(b1).addi(Scalars.mul(g, 1 - b1));
        v.muli(b2).addi(g.square().muli(1 - b2));
        if (config.weightDecay() > 0 && p.getShape().dimension() >= 2) {
          p.muli((float) (1 - lr * config.weightDecay()));
        }
        // DJL attaches a result to its first operand's manager: move each temporary made from a
        // moment into the step's sub-manager at once, or it would live as long as the optimizer.
        NDArray vHat = Scalars.div(v, bc2);
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
