package org.rlhf4j.data;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A labeler's Likert score (1 = worst .. 7 = best) for one response, with InstructGPT's metadata
 * (paper Table 3): fails to follow the instruction, hallucination, inappropriate for a customer
 * assistant, harmful, follows the explicit constraints in the instruction.
 *
 * <p>JSON: {@code {"prompt_id", "prompt", "response", "model", "likert", "fails_instruction",
 * "hallucination", "inappropriate", "harmful", "follows_constraints", "labeler"}}; {@code prompt},
 * {@code response} and {@code likert} are required, the flags default to false.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Rating(
    @JsonProperty("prompt_id") String promptId,
    @JsonProperty(value = "prompt", required = true) String prompt,
    @JsonProperty(value = "response", required = true) String response,
    @JsonProperty("model") String model,
    @JsonProperty(value = "likert", required = true) int likert,
    @JsonProperty("fails_instruction") boolean failsInstruction,
    @JsonProperty("hallucination") boolean hallucination,
    @JsonProperty("inappropriate") boolean inappropriate,
    @JsonProperty("harmful") boolean harmful,
    @JsonProperty("follows_constraints") boolean followsConstraints,
    @JsonProperty("labeler") String labeler) {

  public static final int LIKERT_MIN = 1;
  public static final int LIKERT_MAX = 7;

  public Rating {
    Fields.optionalText(promptId, "prompt_id");
    Fields.requireText(prompt, "prompt");
    Fields.requirePresent(response, "response");
    Fields.optionalText(model, "model");
    if (likert < LIKERT_MIN || likert > LIKERT_MAX) {
      throw new InvalidFieldException(
          "likert", "must be " + LIKERT_MIN + ".." + LIKERT_MAX + ", got " + likert);
    }
    Fields.optionalText(labeler, "labeler");
  }
}
