package org.rlhf4j.label;

import java.io.IOException;
import org.rlhf4j.data.Prompt;

/**
 * Two models' responses to the same prompt, for blind A/B evaluation. The app hides the model names
 * from labelers and randomises which response is shown first.
 */
public interface PairSource {
  /** Display name of model A (shown only to admins and in exports). */
  String modelA();

  /** Display name of model B. */
  String modelB();

  /** The two responses, A first. */
  Responses responses(Prompt prompt) throws IOException;

  /** Model A's and model B's response to one prompt. */
  record Responses(String a, String b) {
    public Responses {
      if (a == null || b == null) {
        throw new IllegalArgumentException("both responses are required");
      }
    }
  }
}
