package org.rlhf4j.core.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.rlhf4j.core.tokenizer.Tokenizer;

/**
 * Turns (prompt, response) text pairs into token pairs, the one place where prompt and response
 * meet. The prompt and the response are tokenised separately (so the loss mask falls exactly on
 * the response) and the response ends with EOS so the model learns to stop.
 *
 * <p>Joining rule: when the prompt ends in a non-space character and the response starts with
 * one, a single space goes in front of the response. Our own records store bare responses
 * ("Instruction: ...\nResponse:" + "A dog is ..."), TRL's prompt/completion files store the space
 * in the completion; both give the same tokens.
 */
public final class Examples {
  private Examples() {}

  /** Tokens of one example: prompt, and response ending with EOS. */
  public record TokenPair(int[] prompt, int[] response) {}

  /** The response text as it is tokenised after {@code prompt}. */
  public static String completion(String prompt, String response) {
    boolean promptEndsInSpace = !prompt.isEmpty() && Character.isWhitespace(prompt.charAt(prompt.length() - 1));
    boolean responseStartsWithSpace = !response.isEmpty() && Character.isWhitespace(response.charAt(0));
    return promptEndsInSpace || responseStartsWithSpace || response.isEmpty() ? response : " " + response;
  }

  /**
   * Tokenises pairs; a prompt too long for {@code maxLength} together with its response is cut
   * from the left (its end, next to the response, matters most).
   *
   * @param source names the data in error messages (a file name)
   * @throws IllegalArgumentException naming the record when a response alone does not fit
   */
  public static List<TokenPair> tokenize(
      List<String> prompts, List<String> responses, Tokenizer tokenizer, int maxLength, String source) {
    List<int[]> p = tokenizer.encodeBatch(prompts);
    List<String> completions = new ArrayList<>(responses.size());
    for (int i = 0; i < responses.size(); i++) {
      completions.add(completion(prompts.get(i), responses.get(i)));
    }
    List<int[]> r = tokenizer.encodeBatch(completions);
    List<TokenPair> out = new ArrayList<>(prompts.size());
    for (int i = 0; i < prompts.size(); i++) {
      int[] resp = Arrays.copyOf(r.get(i), r.get(i).length + 1);
      resp[resp.length - 1] = tokenizer.eosId();
      if (resp.length >= maxLength) {
        throw new IllegalArgumentException(source + ": record " + (i + 1) + ": field 'response' is "
            + resp.length + " tokens, longer than the model's context of " + maxLength + " allows");
      }
      int[] prompt = p.get(i);
      if (prompt.length == 0) {
        throw new IllegalArgumentException(source + ": record " + (i + 1) + ": field 'prompt' is empty");
      }
      int room = maxLength - resp.length;
      if (prompt.length > room) {
        prompt = Arrays.copyOfRange(prompt, prompt.length - room, prompt.length);
      }
      out.add(new TokenPair(prompt, resp));
    }
    return out;
  }
}
