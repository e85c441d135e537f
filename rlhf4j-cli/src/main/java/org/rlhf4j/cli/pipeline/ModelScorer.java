package org.rlhf4j.cli.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.rlhf4j.core.generate.Generation;
import org.rlhf4j.core.generate.Generator;
import org.rlhf4j.core.generate.PromptResponseBatch;
import org.rlhf4j.core.generate.SamplingConfig;
import org.rlhf4j.core.model.GptModel;
import org.rlhf4j.core.model.ResponseScoring;
import org.rlhf4j.core.tokenizer.Tokenizer;
import org.rlhf4j.world.bench.LanguageModelScorer;

/**
 * A checkpoint as the capability benchmarks see it: log-likelihoods of continuations and greedy
 * completions. Context and continuation are tokenised separately (the continuation carries its
 * own leading space), so the scored tokens are exactly the continuation's.
 */
public final class ModelScorer implements LanguageModelScorer {
  private final GptModel model;
  private final Tokenizer tokenizer;

  public ModelScorer(GptModel model, Tokenizer tokenizer) {
    this.model = model;
    this.tokenizer = tokenizer;
  }

  @Override
  public double logLikelihood(String context, String continuation) {
    return logLikelihoods(context, List.of(continuation))[0];
  }

  @Override
  public double[] logLikelihoods(String context, List<String> continuations) {
    int[] ctx = context.isEmpty() ? new int[] {tokenizer.eosId()} : tokenizer.encode(context);
    int room = model.config().contextLength();
    int[][] prompts = new int[continuations.size()][];
    int[][] conts = new int[continuations.size()][];
    for (int i = 0; i < conts.length; i++) {
      int[] c = tokenizer.encode(continuations.get(i));
      if (c.length >= room) {
        c = Arrays.copyOf(c, room - 1);
      }
      int keep = Math.min(ctx.length, room - c.length);
      prompts[i] = Arrays.copyOfRange(ctx, ctx.length - keep, ctx.length);
      conts[i] = c;
    }
    double[] out = new double[conts.length];
    boolean was = model.isTraining();
    model.setTraining(false);
    try (NDManager m = model.manager().newSubManager()) {
      PromptResponseBatch b = PromptResponseBatch.of(prompts, conts, tokenizer.padId(), model.config().contextLength());
      float[] lp = ResponseScoring.responseLogprobs(model, m.create(b.ids()), m.create(b.mask()), b.promptWidth(), 1f)
          .toFloatArray();
      int w = b.responseWidth();
      for (int i = 0; i < conts.length; i++) {
        double s = 0;
        for (int t = 0; t < conts[i].length; t++) {
          s += lp[i * w + t];
        }
        out[i] = s;
      }
    } finally {
      model.setTraining(was);
    }
    return out;
  }

  @Override
  public String greedy(String prompt, int maxTokens) {
    Generation g = Generator.generate(model, List.of(tokenizer.encode(prompt)), SamplingConfig.greedy(maxTokens));
    int[] r = g.responses()[0];
    int[] visible = g.endedWithEos()[0] ? Arrays.copyOf(r, r.length - 1) : r;
    return tokenizer.decode(visible);
  }

  /** Samples one response per prompt in batches; EOS removed, text stripped. */
  public static List<String> respond(org.rlhf4j.core.model.CausalLm model, Tokenizer tokenizer, List<String> prompts, SamplingConfig cfg, int batch) {
    List<String> out = new ArrayList<>(prompts.size());
    for (int s = 0; s < prompts.size(); s += batch) {
      List<String> chunk = prompts.subList(s, Math.min(prompts.size(), s + batch));
      Generation g = Generator.generate(model, tokenizer.encodeBatch(chunk), cfg.withSeed(cfg.seed() + s));
      for (int i = 0; i < g.size(); i++) {
        int[] r = g.responses()[i];
        int[] visible = g.endedWithEos()[i] ? Arrays.copyOf(r, r.length - 1) : r;
        out.add(tokenizer.decode(visible).strip());
      }
    }
    return out;
  }

  /**
   * Mean KL(p_T || q_T) per response estimated on p's own samples at temperature T (k1: sum over
   * tokens of log p_T - log q_T, both with logits divided by T), for prompts and responses given
   * as text. Using the sampling temperature for both makes the responses true samples of p_T.
   */
  public static double klPerResponse(GptModel p, GptModel q, Tokenizer tokenizer, List<String> prompts, List<String> responses,
      int batch, float temperature) {
    double total = 0;
    for (int s = 0; s < prompts.size(); s += batch) {
      int e = Math.min(prompts.size(), s + batch);
      var pairs = org.rlhf4j.core.train.Examples.tokenize(prompts.subList(s, e), responses.subList(s, e), tokenizer,
          p.config().contextLength(), "eval responses");
      int[][] pr = new int[e - s][];
      int[][] rs = new int[e - s][];
      for (int i = 0; i < pr.length; i++) {
        pr[i] = pairs.get(i).prompt();
        rs[i] = pairs.get(i).response();
      }
      PromptResponseBatch b = PromptResponseBatch.of(pr, rs, tokenizer.padId(), p.config().contextLength());
      try (NDManager m = p.manager().newSubManager()) {
        NDArray ids = m.create(b.ids());
        NDArray mask = m.create(b.mask());
        NDArray rmask = m.create(b.responseMask());
        NDArray lp = ResponseScoring.responseLogprobs(p, ids, mask, b.promptWidth(), temperature);
        NDArray lq = ResponseScoring.responseLogprobs(q, ids, mask, b.promptWidth(), temperature);
        total += lp.sub(lq).mul(rmask).sum().getFloat();
      }
    }
    return total / prompts.size();
  }
}
