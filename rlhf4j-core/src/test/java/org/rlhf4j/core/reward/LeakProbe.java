package org.rlhf4j.core.reward;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import org.rlhf4j.core.model.GptConfig;
import org.rlhf4j.core.model.GptModel;
import org.rlhf4j.core.train.AdamW;
import org.rlhf4j.core.train.OptimizerConfig;

/**
 * The control for the trainers' leak tests: live arrays that {@link AdamW#step} alone adds to the
 * model's manager tree per step. At the time of writing AdamW keeps three temporaries per
 * parameter per step ({@code v.div}, {@code .sqrt()} and {@code m.div} land in its long-lived
 * manager); a trainer is leak-free when its own growth per step equals this figure (zero once
 * AdamW is fixed).
 */
public final class LeakProbe {
  private LeakProbe() {}

  public static int adamWGrowthPerStep(GptConfig config, boolean scoreHead) {
    try (GptModel model = GptModel.create(config, Device.cpu(), 1, scoreHead)) {
      model.setRequiresGradient(true);
      try (AdamW opt = new AdamW(model.parameters(), OptimizerConfig.constant(1e-3, 0), model.manager())) {
        int[] live = new int[4];
        for (int s = 0; s < live.length; s++) {
          try (NDManager m = model.manager().newSubManager();
              GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray ids = m.create(new long[][] {{1, 2, 3}});
            NDArray h = model.forward(ids, null, null);
            NDArray loss = model.logits(h).mean();
            if (scoreHead) {
              loss = loss.add(model.scoreAll(h).mean());
            }
            gc.backward(loss);
          }
          opt.step(10);
          live[s] = model.manager().getManagedArrays().size();
        }
        int growth = live[2] - live[1];
        if (live[3] - live[2] != growth) {
          throw new IllegalStateException("AdamW's growth is not constant: " + java.util.Arrays.toString(live));
        }
        return growth;
      }
    }
  }
}
