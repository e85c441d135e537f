package org.rlhf4j.data;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A labeler-written ideal response to a prompt: the SFT training data. JSON: {@code {"prompt_id",
 * "prompt", "response", "labeler"}}; {@code prompt_id} and {@code labeler} are optional.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Demonstration(
    @JsonProperty("prompt_id") String promptId,
    @JsonProperty(value = "prompt", required = true) String prompt,
    @JsonProperty(value = "response", required = true) String response,
    @JsonProperty("labeler") String labeler) {

  public Demonstration {
    Fields.optionalText(promptId, "prompt_id");
    Fields.requireText(prompt, "prompt");
    // An empty demonstration teaches the model to stop immediately; never what a labeler meant.
    Fields.requireText(response, "response");
    Fields.optionalText(labeler, "labeler");
  }

  public Demonstration(String prompt, String response) {
    this(null, prompt, response, null);
  }
}
