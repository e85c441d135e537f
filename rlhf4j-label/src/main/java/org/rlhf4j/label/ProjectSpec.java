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
  /** Longest prompt, response, candidate or instructions the app stores, in characters. */
  public static final int MAX_TEXT = 20_000;
  /** Longest name the app stores (project, model, source, prompt id, category), in characters. */
  public static final int MAX_NAME = 200;

  public ProjectSpec {
    checkName(name, "project name");
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
      if (p.id().length() > MAX_NAME) {
        throw new IllegalArgumentException("a prompt id exceeds " + MAX_NAME + " characters");
      }
      if (p.text().length() > MAX_TEXT) {
        throw new IllegalArgumentException("prompt " + p.id() + " exceeds " + MAX_TEXT + " characters");
      }
      if (p.category() != null && p.category().length() > MAX_NAME) {
        throw new IllegalArgumentException("prompt " + p.id() + ": category exceeds " + MAX_NAME + " characters");
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
    checkName(source, "source name");
  }

  /** A required name of at most {@link #MAX_NAME} characters; {@code what} names it in the error. */
  static void checkName(String value, String what) {
    if (value == null || value.isBlank() || value.length() > MAX_NAME) {
      throw new IllegalArgumentException(what + " is required (at most " + MAX_NAME + " characters)");
    }
  }
}
