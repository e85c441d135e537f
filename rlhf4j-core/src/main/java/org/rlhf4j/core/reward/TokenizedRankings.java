package org.rlhf4j.core.reward;

import java.util.ArrayList;
import java.util.List;
import org.rlhf4j.core.generate.PromptResponseBatch;
import org.rlhf4j.core.model.CausalLm;
import org.rlhf4j.core.model.GptConfig;
import org.rlhf4j.core.model.GptModel;
import org.rlhf4j.core.tokenizer.Tokenizer;
import org.rlhf4j.data.Ranking;

/**
 * Rankings tokenized once, checked against the model before training starts, and laid out one row
 * per response (see {@link PreferenceMath}). Shared by the reward-model and DPO trainers.
 *
 * <p>Prompt and response are tokenized separately and concatenated, response + EOS: the prompt
 * text is used verbatim as the policy saw it, and the reward is read at the EOS (InstructGPT
 * section 3.5; Huang et al. 2024, "reward at EOS"), as {@link RewardModel} does when scoring.
 */
public final class TokenizedRankings {
  private TokenizedRankings() {}

  /**
   * One tokenized ranking.
   *
   * @param ranking the source record
   * @param prompt prompt tokens
   * @param responses response tokens, each ending with EOS
   */
  public record Encoded(Ranking ranking, int[] prompt, int[][] responses) {
    public int k() {
      return responses.length;
    }
  }

  /**
   * Tokenizes every ranking and rejects, before any training, what would fail or silently mislead
   * later: an empty dataset, a tokenizer that does not fit the model, an empty prompt, and a
   * prompt + response + EOS longer than the model's context (naming the record).
   *
   * @param source names the data in messages (a file name), or null
   * @throws IllegalArgumentException on any of the above
   */
  public static List<Encoded> encode(List<Ranking> rankings, Tokenizer tokenizer, GptConfig model, String source) {
    requireRankings(rankings, source);
    checkTokenizer(tokenizer, model);
    return encode(rankings, tokenizer, model.contextLength(), source);
  }

  /** {@link #encode(List, Tokenizer, GptConfig, String)} for a model of any family. */
  public static List<Encoded> encode(List<Ranking> rankings, Tokenizer tokenizer, CausalLm model, String source) {
    requireRankings(rankings, source);
    checkTokenizer(tokenizer, model);
    return encode(rankings, tokenizer, model.contextLength(), source);
  }

  private static void requireRankings(List<Ranking> rankings, String source) {
    if (rankings == null || rankings.isEmpty()) {
      throw new IllegalArgumentException("no rankings to train on" + (source == null ? "" : " in " + source));
    }
  }

  private static List<Encoded> encode(List<Ranking> rankings, Tokenizer tokenizer, int contextLength, String source) {
    String where = source == null ? "" : " in " + source;
    List<Encoded> out = new ArrayList<>(rankings.size());
    for (int i = 0; i < rankings.size(); i++) {
      Ranking r = rankings.get(i);
      int[] prompt = tokenizer.encode(r.prompt());
      String name = describe(i, r) + where;
      if (prompt.length == 0) {
        throw new IllegalArgumentException(name + ": the prompt encodes to no tokens");
      }
      int[][] responses = new int[r.k()][];
      for (int j = 0; j < r.k(); j++) {
        responses[j] = RewardModel.withEos(tokenizer.encode(r.responses().get(j)), tokenizer.eosId());
        int length = prompt.length + responses[j].length;
        if (length > contextLength) {
          throw new IllegalArgumentException(
              name + ": prompt (" + prompt.length + " tokens) + response " + j + " ("
                  + responses[j].length + " tokens with EOS) = " + length
                  + " tokens exceeds the model's context of " + contextLength
                  + "; shorten or drop the record");
        }
      }
      out.add(new Encoded(r, prompt, responses));
    }
    return out;
  }

  /** "ranking #3 (prompt_id p7)": records are numbered from 1 in file order. */
  static String describe(int index, Ranking r) {
    return "ranking #" + (index + 1) + (r.promptId() == null ? "" : " (prompt_id " + r.promptId() + ")");
  }

  /**
   * The tokenizer must produce ids the model has embeddings for, and its EOS must be the model's
   * (the reward is read at EOS and DPO scores EOS as a response token).
   */
  public static void checkTokenizer(Tokenizer tokenizer, GptConfig model) {
    if (tokenizer.vocabSize() > model.vocabSize()) {
      throw new IllegalArgumentException(
          "the tokenizer has " + tokenizer.vocabSize() + " tokens but the model only "
              + model.vocabSize() + " embeddings: wrong tokenizer for this model");
    }
    if (tokenizer.eosId() != model.eosTokenId()) {
      throw new IllegalArgumentException(
          "the tokenizer's EOS id " + tokenizer.eosId() + " differs from the model's eos_token_id "
              + model.eosTokenId() + ": wrong tokenizer for this model");
    }
  }

  /**
   * The same checks against any model family: the vocabulary fits and the tokenizer's EOS is one
   * of the model's EOS ids (Llama 3.1 lists several).
   */
  public static void checkTokenizer(Tokenizer tokenizer, CausalLm model) {
    if (model instanceof GptModel gpt) {
      checkTokenizer(tokenizer, gpt.config());
      return;
    }
    if (tokenizer.vocabSize() > model.vocabSize()) {
      throw new IllegalArgumentException("the tokenizer has " + tokenizer.vocabSize() + " tokens but the model only "
          + model.vocabSize() + " embeddings: wrong tokenizer for this model");
    }
    if (!model.eosTokenIds().contains(tokenizer.eosId())) {
      throw new IllegalArgumentException("the tokenizer's EOS id " + tokenizer.eosId() + " is not among the model's "
          + "eos_token_id " + model.eosTokenIds() + ": wrong tokenizer for this model");
    }
  }

  /** All responses of {@code batch} as rows (prompt repeated per response), in layout order. */
  public static PromptResponseBatch layout(List<Encoded> batch, int pad, int maxWidth) {
    int rows = 0;
    for (Encoded e : batch) {
      rows += e.k();
    }
    int[][] prompts = new int[rows][];
    int[][] responses = new int[rows][];
    int row = 0;
    for (Encoded e : batch) {
      for (int[] response : e.responses()) {
        prompts[row] = e.prompt();
        responses[row] = response;
        row++;
      }
    }
    return PromptResponseBatch.of(prompts, responses, pad, maxWidth);
  }

  /** The source rankings of {@code batch}. */
  public static List<Ranking> rankings(List<Encoded> batch) {
    List<Ranking> out = new ArrayList<>(batch.size());
    for (Encoded e : batch) {
      out.add(e.ranking());
    }
    return out;
  }

  /**
   * Order of the prompts in {@code epoch}: a Fisher-Yates shuffle seeded by (seed, epoch) only, so
   * a resumed run sees the same batches as an uninterrupted one.
   */
  public static int[] order(int n, long seed, long epoch) {
    return org.rlhf4j.core.train.EpochOrder.permutation(n, seed, epoch);
  }

  /**
   * The prompts of optimizer step {@code step} (0-based): epoch = step / stepsPerEpoch, then the
   * next {@code batch} prompts of that epoch's {@link #order}; the last batch of an epoch may be
   * short.
   */
  public static List<Encoded> batchAt(List<Encoded> data, int batch, long seed, long step) {
    long perEpoch = (data.size() + batch - 1) / batch;
    long epoch = step / perEpoch;
    int first = (int) ((step % perEpoch) * batch);
    int last = Math.min(data.size(), first + batch);
    int[] order = order(data.size(), seed, epoch);
    List<Encoded> out = new ArrayList<>(last - first);
    for (int i = first; i < last; i++) {
      out.add(data.get(order[i]));
    }
    return out;
  }
}
