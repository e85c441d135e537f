package org.rlhf4j.label;

import java.io.IOException;
import java.util.List;
import org.rlhf4j.data.Prompt;

/**
 * Produces the K candidate responses that a labeler ranks for one prompt. The CLI plugs in a model
 * checkpoint (sampling K responses); {@link JsonlCandidateSource} reads pre-generated ones, so the
 * app is usable and testable without a model. Called from one background thread per server, never
 * concurrently.
 */
public interface CandidateSource {
  /**
   * @return exactly {@code k} responses (may be empty strings, never null)
   * @throws IOException when the candidates cannot be produced; the project shows the message
   */
  List<String> generate(Prompt prompt, int k) throws IOException;
}
