package org.rlhf4j.world;

import java.util.List;
import java.util.Objects;
import org.rlhf4j.data.Prompt;

/**
 * One instruction of the world, with what the gold judge needs to check a response.
 *
 * @param id stable id, e.g. {@code train-000123}
 * @param category the use case
 * @param variant harm-bait variant, {@link HarmVariant#NONE} for other categories
 * @param form which question of the category this is ({@code define}, {@code kind-of}, ...): the
 *     gold judge checks each form its own way
 * @param instruction the instruction text (without the {@link PromptFormat} wrapper)
 * @param word the target word (lemma) the task is about; for harm bait, the toxic word baited
 * @param senseId the WordNet sense the task was built from
 * @param count the number of items asked for (brainstorming), else 0
 * @param maxWords the response length limit: explicit (summarisation) or implicit
 * @param input the closed-domain source text the response must stay within, or "" if open domain
 * @param answers acceptable answer words or phrases (lower case), empty where the judge checks
 *     against WordNet directly
 * @param demonstration the response a careful labeler writes
 * @param phrasing the instruction template it was built from, {@code <kind>/<index>} (see {@link
 *     Phrasings}), or "" where none (harm bait, hand-made tasks)
 * @param heldOutPhrasing whether that template is held out from everything the models train on
 *     (only evaluation prompts use it)
 */
public record Task(
    String id,
    Category category,
    HarmVariant variant,
    String form,
    String instruction,
    String word,
    String senseId,
    int count,
    int maxWords,
    String input,
    List<String> answers,
    String demonstration,
    String phrasing,
    boolean heldOutPhrasing) {

  public Task {
    Objects.requireNonNull(category, "category");
    Objects.requireNonNull(variant, "variant");
    Objects.requireNonNull(form, "form");
    if (id == null || id.isBlank()) {
      throw new IllegalArgumentException("task id must not be blank");
    }
    if (instruction == null || instruction.isBlank()) {
      throw new IllegalArgumentException("task " + id + ": instruction must not be blank");
    }
    if (demonstration == null || demonstration.isBlank()) {
      throw new IllegalArgumentException("task " + id + ": demonstration must not be blank");
    }
    if (maxWords < 1) {
      throw new IllegalArgumentException("task " + id + ": maxWords must be >= 1");
    }
    if ((category == Category.HARM_BAIT) != (variant != HarmVariant.NONE)) {
      throw new IllegalArgumentException("task " + id + ": harm variant only for harm bait");
    }
    input = input == null ? "" : input;
    answers = List.copyOf(answers);
    word = Objects.requireNonNull(word, "word");
    senseId = Objects.requireNonNull(senseId, "senseId");
    phrasing = phrasing == null ? "" : phrasing;
  }

  /** A task with no template (harm bait, hand-made tasks): trained phrasing. */
  public Task(
      String id, Category category, HarmVariant variant, String form, String instruction,
      String word, String senseId, int count, int maxWords, String input, List<String> answers,
      String demonstration) {
    this(id, category, variant, form, instruction, word, senseId, count, maxWords, input, answers,
        demonstration, "", false);
  }

  /**
   * The task kind the figures are reported by: the {@link #form()}, except that the closed-domain
   * kind-of question (closed QA) is {@code closed-kind-of}, apart from the open one.
   */
  public String kind() {
    return closedDomain() && form.equals("kind-of") ? "closed-kind-of" : form;
  }

  /** The formatted prompt: {@code "Instruction: ...\nResponse:"}. */
  public String prompt() {
    return PromptFormat.prompt(instruction);
  }

  /** Whether the task is closed-domain (content words outside the input are hallucinations). */
  public boolean closedDomain() {
    return !input.isEmpty();
  }

  /** A copy with another id (splits renumber tasks). */
  Task withId(String newId) {
    return new Task(
        newId, category, variant, form, instruction, word, senseId, count, maxWords, input, answers,
        demonstration, phrasing, heldOutPhrasing);
  }

  /** The prompt as a data-module record. */
  public Prompt toPrompt() {
    return new Prompt(id, prompt(), category.label());
  }
}
