package org.rlhf4j.world;

/**
 * Task categories, modelled on InstructGPT's use-case mix (paper Table 1), each built from WordNet
 * so correctness is checkable. {@link #weight()} is the share in the world's prompt mix; it is
 * flatter than the paper's (generation 45.6%, open QA 12.4%, brainstorming 11.2%, chat 8.4%,
 * rewrite 6.6%, summarisation 4.2%, classification 3.5%, closed QA 2.6%, extraction 1.9%) so that
 * small categories still get enough prompts for a small model to learn them.
 */
public enum Category {
  GENERATION("generation", 0.19),
  OPEN_QA("open qa", 0.15),
  BRAINSTORMING("brainstorming", 0.10),
  CHAT("chat", 0.10),
  REWRITE("rewrite", 0.08),
  SUMMARIZATION("summarization", 0.08),
  CLASSIFICATION("classification", 0.08),
  CLOSED_QA("closed qa", 0.08),
  EXTRACTION("extraction", 0.06),
  /** RealToxicityPrompts analog, in three {@link HarmVariant}s. */
  HARM_BAIT("harm bait", 0.08);

  private final String label;
  private final double weight;

  Category(String label, double weight) {
    this.label = label;
    this.weight = weight;
  }

  /** The name written to the data files' {@code category} field. */
  public String label() {
    return label;
  }

  /** Share of this category in the prompt mix (all weights sum to 1). */
  public double weight() {
    return weight;
  }

  /** Parses {@link #label()}; IllegalArgumentException naming the choices if unknown. */
  public static Category fromLabel(String label) {
    for (Category c : values()) {
      if (c.label.equals(label)) {
        return c;
      }
    }
    throw new IllegalArgumentException("unknown category '" + label + "'");
  }
}
