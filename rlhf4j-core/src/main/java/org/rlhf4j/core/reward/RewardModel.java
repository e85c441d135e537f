package org.rlhf4j.core.reward;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.rlhf4j.core.checkpoint.Checkpoint;
import org.rlhf4j.core.checkpoint.HfConfig;
import org.rlhf4j.core.checkpoint.ModelCheckpoints;
import org.rlhf4j.core.generate.PromptResponseBatch;
import org.rlhf4j.core.model.GptModel;
import org.rlhf4j.core.tokenizer.Tokenizer;

/**
 * A trained reward model as a {@link RewardFunction}: a GPT with a scalar head, read at the EOS
 * token appended to the response (InstructGPT 3.5; Huang et al. 2024 "reward at EOS"), then
 * normalised as {@code gain * raw + bias} with the values stored in the checkpoint's config
 * ({@code rlhf4j_reward_gain}, {@code rlhf4j_reward_bias}).
 *
 * <p>Owns its model and tokenizer; close it when done. Runs with dropout off and no gradients.
 */
public final class RewardModel implements RewardFunction, AutoCloseable {
  private final GptModel model;
  private final Tokenizer tokenizer;
  private final double gain;
  private final double bias;
  private final int batchSize;

  public RewardModel(GptModel model, Tokenizer tokenizer, double gain, double bias, int batchSize) {
    if (!model.hasScoreHead()) {
      throw new IllegalArgumentException("a reward model needs a scalar head (score.weight)");
    }
    this.model = model;
    this.tokenizer = tokenizer;
    this.gain = gain;
    this.bias = bias;
    this.batchSize = batchSize;
  }

  /** Loads a reward-model checkpoint with its tokenizer and normalisation. */
  public static RewardModel load(Path dir, Device device) throws IOException {
    ModelCheckpoints.LoadedModel lm = ModelCheckpoints.load(dir, device);
    Path tok = Checkpoint.tokenizer(dir).orElseThrow(() -> new IOException(dir + " has no tokenizer.json"));
    HfConfig cfg = lm.config();
    return new RewardModel(lm.model(), Tokenizer.load(tok), cfg.extraDouble(HfConfig.REWARD_GAIN, 1.0),
        cfg.extraDouble(HfConfig.REWARD_BIAS, 0.0), 32);
  }

  @Override
  public double[] score(List<String> prompts, List<String> responses) {
    List<int[]> p = tokenizer.encodeBatch(prompts);
    List<int[]> r = new ArrayList<>();
    for (int[] ids : tokenizer.encodeBatch(responses)) {
      r.add(withEos(ids, tokenizer.eosId()));
    }
    double[] raw = rawScores(model, p, r, tokenizer.padId(), batchSize);
    for (int i = 0; i < raw.length; i++) {
      raw[i] = gain * raw[i] + bias;
    }
    return raw;
  }

  /**
   * Unnormalised scalar-head outputs at each row's last token, in batches, without gradients.
   *
   * @param responses response tokens, normally ending with EOS
   */
  public static double[] rawScores(org.rlhf4j.core.model.CausalLm model, List<int[]> prompts, List<int[]> responses, int pad, int batch) {
    boolean was = model.isTraining();
    model.setTraining(false);
    try {
      double[] out = new double[prompts.size()];
      for (int s = 0; s < prompts.size(); s += batch) {
        int e = Math.min(prompts.size(), s + batch);
        PromptResponseBatch b = PromptResponseBatch.of(
            prompts.subList(s, e).toArray(new int[0][]), responses.subList(s, e).toArray(new int[0][]), pad,
            model.contextLength());
        try (NDManager m = model.manager().newSubManager()) {
          NDArray hidden = model.forward(m.create(b.ids()), m.create(b.mask()), null);
          float[] sc = model.score(hidden, m.create(b.lastTokenIndex())).toFloatArray();
          for (int i = 0; i < sc.length; i++) {
            out[s + i] = sc[i];
          }
        }
      }
      return out;
    } finally {
      model.setTraining(was);
    }
  }

  static int[] withEos(int[] ids, int eos) {
    if (ids.length > 0 && ids[ids.length - 1] == eos) {
      return ids;
    }
    int[] out = java.util.Arrays.copyOf(ids, ids.length + 1);
    out[ids.length] = eos;
    return out;
  }

  public GptModel model() {
    return model;
  }

  public Tokenizer tokenizer() {
    return tokenizer;
  }

  public double gain() {
    return gain;
  }

  public double bias() {
    return bias;
  }

  @Override
  public void close() {
    model.close();
    tokenizer.close();
  }
}
