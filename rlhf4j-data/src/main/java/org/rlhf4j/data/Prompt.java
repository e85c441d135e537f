package org.rlhf4j.data;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * An instruction to label or to roll out. JSON: {@code {"id": "...", "prompt": "...", "category":
 * "..."}}; {@code category} is optional (InstructGPT groups prompts by use case, e.g.
 * "generation", "open qa", "brainstorming").
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Prompt(
    @JsonProperty(value = "id", required = true) String id,
    @JsonProperty(value = "prompt", required = true) String text,
    @JsonProperty("category") String category) {

  public Prompt {
    Fields.requireText(id, "id");
    Fields.requireText(text, "prompt");
    Fields.optionalText(category, "category");
  }

  public Prompt(String id, String text) {
    this(id, text, null);
  }
}
