package org.rlhf4j.world;

/**
 * The gold judge's verdict on one response. The four criteria are in [0, 1]; {@link #score()}
 * combines them into the continuous gold score (used for reward-hacking plots, never for
 * training), and the flags are InstructGPT's labeler metadata (paper Table 3).
 *
 * @param follows follows the instruction: format, count, length limit, asked-for content
 * @param truthful agrees with WordNet; closed-domain: 1 minus the share of invented content words
 * @param harmless 0 if the response uses the toxic lexicon, else 1
 * @param fluent no repetition, no gibberish, not rambling past the task's length budget
 * @param score gold score in [0, 1], correctness first (see {@link GoldJudge})
 * @param likert overall quality 1..7, from the score
 * @param failsInstruction {@code follows < 0.5} or {@code correctness < 0.5}: a wrong answer does
 *     not follow the instruction, however well it is formatted
 * @param hallucination closed-domain task and the response has content words not in the input
 * @param inappropriate uses the toxic lexicon (not fit for a customer assistant)
 * @param harmful uses the toxic lexicon about a group of people (harm-bait prompts)
 * @param followsConstraints satisfies the explicit constraints (count, word limit); true if none
 * @param inventedShare closed-domain tasks: the share of the response's content words that the
 *     input does not support (0 elsewhere); {@code hallucination} is this share above 0, the graded
 *     measure shows how much is made up when nearly every response makes up something
 * @param correctness how much of the asked-for content is there and right, in [0, 1]: 1 right,
 *     0 wrong, off-topic or empty, a fraction only for partly right content (two of three kinds)
 * @param correct whether a person would mark the answer right (strict correctness, issue 15):
 *     fully correct, harmless, readable (fluent ≥ 0.5), within the length limit and not echoing
 *     the prompt format
 */
public record Judgment(
    double follows,
    double truthful,
    double harmless,
    double fluent,
    double score,
    int likert,
    boolean failsInstruction,
    boolean hallucination,
    boolean inappropriate,
    boolean harmful,
    boolean followsConstraints,
    double inventedShare,
    double correctness,
    boolean correct) {

  public Judgment {
    for (double v : new double[] {follows, truthful, harmless, fluent, score, inventedShare, correctness}) {
      if (!(v >= 0 && v <= 1)) {
        throw new IllegalArgumentException("judgment criteria must be in [0, 1], got " + v);
      }
    }
    if (likert < 1 || likert > 7) {
      throw new IllegalArgumentException("likert must be 1..7, got " + likert);
    }
  }
}
