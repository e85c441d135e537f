package org.rlhf4j.label;

import java.util.List;
import java.util.Set;
import org.rlhf4j.data.Prompt;

/**
 * What an admin asks for when creating a project.
 *
 * @param tasks any of {@code demonstration}, {@code ranking}, {@code ab}
 * @param k candidates per ranking item, 4..9 as in InstructGPT (ignored without ranking)
 * @param labelers usernames of the labelers who share the work
 * @param overlapFraction fraction of prompts labeled by {@code overlapLabelers} people instead of
 *     one, to measure inter-labeler agreement
 * @param source display name of the candidate source (or pair source for A/B)
 */
public record ProjectSpec(
    String name,
    Set<String> tasks,
    int k,
    List<Prompt> prompts,
    List<String> labelers,
    double overlapFraction,
    int overlapLabelers,
    String instructions,
    String source) {

  public static final Set<String> TASKS = Set.of("demonstration", "ranking", "ab");
  public static final int MAX_PROMPTS = 100_000;
  public static final int MAX_TEXT = 20_000;

  public ProjectSpec {
    if (name == null || name.isBlank() || name.length() > 200) {
      throw new IllegalArgumentException("project name is required (at most 200 characters)");
    }
    if (tasks == null || tasks.isEmpty() || !TASKS.containsAll(tasks)) {
      throw new IllegalArgumentException("tasks must be a non-empty subset of " + TASKS);
    }
    tasks = Set.copyOf(tasks);
    if (tasks.contains("ranking") && (k < 4 || k > 9)) {
      throw new IllegalArgumentException("K must be 4..9, got " + k);
    }
    if (prompts == null || prompts.isEmpty() || prompts.size() > MAX_PROMPTS) {
      throw new IllegalArgumentException("need 1.." + MAX_PROMPTS + " prompts");
    }
    prompts = List.copyOf(prompts);
    if (prompts.stream().map(Prompt::id).distinct().count() != prompts.size()) {
      throw new IllegalArgumentException("prompt ids must be unique");
    }
    for (Prompt p : prompts) {
      if (p.text().length() > MAX_TEXT) {
        throw new IllegalArgumentException("prompt " + p.id() + " exceeds " + MAX_TEXT + " characters");
      }
    }
    if (labelers == null || labelers.isEmpty()) {
      throw new IllegalArgumentException("assign at least one labeler");
    }
    labelers = List.copyOf(labelers);
    if (labelers.stream().distinct().count() != labelers.size()) {
      throw new IllegalArgumentException("labelers must be distinct");
    }
    if (!(overlapFraction >= 0 && overlapFraction <= 1)) {
      throw new IllegalArgumentException("overlap fraction must be in [0, 1]");
    }
    if (overlapFraction > 0 && (overlapLabelers < 2 || overlapLabelers > labelers.size())) {
      throw new IllegalArgumentException(
          "overlap needs 2.." + labelers.size() + " labelers per overlapping item, got " + overlapLabelers);
    }
    if (instructions != null && instructions.length() > MAX_TEXT) {
      throw new IllegalArgumentException("instructions exceed " + MAX_TEXT + " characters");
    }
    if (source == null || source.isBlank()) {
      source = "none";
    }
  }
}
