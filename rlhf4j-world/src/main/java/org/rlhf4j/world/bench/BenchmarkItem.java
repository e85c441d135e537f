package org.rlhf4j.world.bench;

import java.util.List;

/**
 * One benchmark question.
 *
 * @param context the text the model continues (few-shot examples are prepended by the benchmark)
 * @param choices candidate continuations for multiple choice, each starting with a space; empty
 *     for generation items
 * @param answer index of the right choice, or -1 for generation items
 * @param accepted accepted answers (lower case) for generation items; for choice items, the
 *     right choice stripped
 */
public record BenchmarkItem(
    String context, List<String> choices, int answer, List<String> accepted) {

  public BenchmarkItem {
    if (context == null || context.isEmpty()) {
      throw new IllegalArgumentException("benchmark context must not be empty");
    }
    choices = List.copyOf(choices);
    accepted = List.copyOf(accepted);
    if (!choices.isEmpty() && (answer < 0 || answer >= choices.size())) {
      throw new IllegalArgumentException(
          "answer index " + answer + " outside 0.." + (choices.size() - 1));
    }
    if (choices.isEmpty() && accepted.isEmpty()) {
      throw new IllegalArgumentException("a generation item needs accepted answers");
    }
  }

  /** The solved item as text, for few-shot prompts: context plus right answer. */
  public String solved() {
    return context + (choices.isEmpty() ? " " + accepted.get(0) : choices.get(answer));
  }
}
