package org.rlhf4j.world.bench;

import java.util.List;

/**
 * What the capability benchmarks need from a language model; rlhf4j-core implements it for a
 * checkpoint, the tests implement it with oracles. Tokenization is the implementation's business,
 * so the benchmarks stay comparable across models with different tokenizers.
 */
public interface LanguageModelScorer {

  /**
   * Natural-log likelihood of {@code continuation} given {@code context}: the sum of the log
   * probabilities of the continuation's tokens. An empty context means the start of a document
   * (the implementation conditions on its EOS/BOS token).
   */
  double logLikelihood(String context, String continuation);

  /** Several continuations of one context; implementations may batch them. */
  default double[] logLikelihoods(String context, List<String> continuations) {
    double[] out = new double[continuations.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = logLikelihood(context, continuations.get(i));
    }
    return out;
  }

  /** Greedy (argmax) continuation of the prompt, at most {@code maxTokens} tokens, EOS excluded. */
  String greedy(String prompt, int maxTokens);
}
