package org.rlhf4j.data;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Set;

/**
 * A blind A/B judgment between two models' responses to one prompt. {@code winner} is {@code "A"},
 * {@code "B"} or {@code "tie"}; A and B refer to the model names as stored here (the labeling app
 * randomises which side a labeler saw and un-shuffles before storing).
 *
 * <p>JSON: {@code {"prompt_id", "prompt", "model_a", "response_a", "model_b", "response_b",
 * "winner", "labeler"}}; {@code prompt_id} and {@code labeler} are optional.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PairJudgment(
    @JsonProperty("prompt_id") String promptId,
    @JsonProperty(value = "prompt", required = true) String prompt,
    @JsonProperty(value = "model_a", required = true) String modelA,
    @JsonProperty(value = "response_a", required = true) String responseA,
    @JsonProperty(value = "model_b", required = true) String modelB,
    @JsonProperty(value = "response_b", required = true) String responseB,
    @JsonProperty(value = "winner", required = true) String winner,
    @JsonProperty("labeler") String labeler) {

  public static final String A = "A";
  public static final String B = "B";
  public static final String TIE = "tie";
  private static final Set<String> WINNERS = Set.of(A, B, TIE);

  public PairJudgment {
    Fields.optionalText(promptId, "prompt_id");
    Fields.requireText(prompt, "prompt");
    Fields.requireText(modelA, "model_a");
    Fields.requirePresent(responseA, "response_a");
    Fields.requireText(modelB, "model_b");
    Fields.requirePresent(responseB, "response_b");
    if (winner == null) {
      throw new InvalidFieldException("winner", "is required");
    }
    if (!WINNERS.contains(winner)) {
      throw new InvalidFieldException(
          "winner", "must be one of \"A\", \"B\", \"tie\", got \"" + winner + "\"");
    }
    Fields.optionalText(labeler, "labeler");
  }
}
