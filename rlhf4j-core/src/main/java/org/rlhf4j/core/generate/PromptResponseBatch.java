package org.rlhf4j.core.generate;

import java.util.Arrays;

/**
 * Prompts left-padded to a common width P followed by responses right-padded to a common width R:
 * the layout in which SFT, reward models and PPO score (prompt, response) pairs. Response token j
 * of row i sits at column P + j and is predicted by the logits at column P + j - 1.
 *
 * @param ids (B, P + R) token ids, pad where {@code mask} is 0
 * @param mask (B, P + R) 1 for real tokens
 * @param promptWidth P
 * @param responseLengths real response tokens per row
 */
public record PromptResponseBatch(long[][] ids, long[][] mask, int promptWidth, int[] responseLengths) {

  /**
   * Builds the layout within {@code maxWidth} columns (the model's context). Each pair fits on its
   * own, but a long prompt batched with a long response can overflow the common P + R width: such
   * prompts lose their first tokens (the end of a prompt, next to the response, matters most).
   */
  public static PromptResponseBatch of(int[][] prompts, int[][] responses, int pad, int maxWidth) {
    int r = 0;
    for (int[] resp : responses) {
      r = Math.max(r, resp.length);
    }
    int room = maxWidth - Math.max(1, r);
    if (room < 1) {
      throw new IllegalArgumentException("a response of " + r + " tokens leaves no room for its prompt in " + maxWidth);
    }
    int[][] cut = prompts;
    for (int i = 0; i < prompts.length; i++) {
      if (prompts[i].length > room) {
        if (cut == prompts) {
          cut = prompts.clone();
        }
        cut[i] = Arrays.copyOfRange(prompts[i], prompts[i].length - room, prompts[i].length);
      }
    }
    return of(cut, responses, pad);
  }

  /** Builds the layout; prompts must be non-empty, responses may be empty. */
  public static PromptResponseBatch of(int[][] prompts, int[][] responses, int pad) {
    if (prompts.length != responses.length) {
      throw new IllegalArgumentException(prompts.length + " prompts but " + responses.length + " responses");
    }
    int b = prompts.length;
    int p = 1;
    int r = 1;
    for (int i = 0; i < b; i++) {
      p = Math.max(p, prompts[i].length);
      r = Math.max(r, responses[i].length);
    }
    long[][] ids = new long[b][p + r];
    long[][] mask = new long[b][p + r];
    int[] lens = new int[b];
    for (int i = 0; i < b; i++) {
      Arrays.fill(ids[i], pad);
      int off = p - prompts[i].length;
      for (int j = 0; j < prompts[i].length; j++) {
        ids[i][off + j] = prompts[i][j];
        mask[i][off + j] = 1;
      }
      for (int j = 0; j < responses[i].length; j++) {
        ids[i][p + j] = responses[i][j];
        mask[i][p + j] = 1;
      }
      lens[i] = responses[i].length;
    }
    return new PromptResponseBatch(ids, mask, p, lens);
  }

  public int size() {
    return ids.length;
  }

  public int width() {
    return ids.length == 0 ? 0 : ids[0].length;
  }

  public int responseWidth() {
    return width() - promptWidth;
  }

  /** (B, R) 1 where column P + j holds a real response token. */
  public float[][] responseMask() {
    float[][] m = new float[size()][responseWidth()];
    for (int i = 0; i < size(); i++) {
      for (int j = 0; j < responseLengths[i]; j++) {
        m[i][j] = 1f;
      }
    }
    return m;
  }

  /** Column of each row's last real token (the response's last token, or the prompt's end). */
  public long[] lastTokenIndex() {
    long[] idx = new long[size()];
    for (int i = 0; i < size(); i++) {
      idx[i] = promptWidth + responseLengths[i] - 1L;
    }
    return idx;
  }
}
