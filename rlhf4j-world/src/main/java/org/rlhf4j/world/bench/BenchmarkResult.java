package org.rlhf4j.world.bench;

/**
 * One benchmark's score for one model.
 *
 * @param name benchmark name ({@code multiple-choice}, {@code cloze}, {@code exact-match-qa},
 *     {@code perplexity})
 * @param items number of items (documents for perplexity)
 * @param shots few-shot examples prepended to each item
 * @param value accuracy in [0, 1], or word-level perplexity for {@code perplexity}
 * @param chance the accuracy of random guessing (0 where guessing cannot succeed; NaN for
 *     perplexity)
 */
public record BenchmarkResult(String name, int items, int shots, double value, double chance) {

  @Override
  public String toString() {
    return name.equals("perplexity")
        ? String.format("%s: %.2f per word over %d documents", name, value, items)
        : String.format(
            "%s (%d-shot): %.1f%% of %d (chance %.1f%%)", name, shots, 100 * value, items,
            100 * chance);
  }
}
