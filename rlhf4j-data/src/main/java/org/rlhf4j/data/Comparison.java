package org.rlhf4j.data;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One pairwise preference. JSON is TRL-compatible: {@code {"prompt", "chosen", "rejected"}} plus
 * the optional {@code prompt_id} and {@code labeler}. Equivalent to a {@link Ranking} with K = 2
 * (see {@link Ranking#fromComparison(Comparison)}).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Comparison(
    @JsonProperty("prompt_id") String promptId,
    @JsonProperty(value = "prompt", required = true) String prompt,
    @JsonProperty(value = "chosen", required = true) String chosen,
    @JsonProperty(value = "rejected", required = true) String rejected,
    @JsonProperty("labeler") String labeler) {

  public Comparison {
    Fields.optionalText(promptId, "prompt_id");
    Fields.requireText(prompt, "prompt");
    Fields.requirePresent(chosen, "chosen");
    Fields.requirePresent(rejected, "rejected");
    Fields.optionalText(labeler, "labeler");
  }

  public Comparison(String prompt, String chosen, String rejected) {
    this(null, prompt, chosen, rejected, null);
  }
}
