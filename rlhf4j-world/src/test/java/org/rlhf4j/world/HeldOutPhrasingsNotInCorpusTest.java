package org.rlhf4j.world;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * Held-out phrasings (issue 15) are held out from everything a model trains on, pretraining
 * included: the corpus's question-and-answer documents must not ask in a held-out phrasing, or
 * "correct on unseen phrasings" would measure memorised ones. Each held-out template's literal
 * text (between its placeholders, fragments of three or more words that no trained phrasing also
 * has) must not occur in the corpus.
 */
class HeldOutPhrasingsNotInCorpusTest {

  @Test
  void noHeldOutPhrasingIsInThePretrainingCorpus() {
    List<String> trained = new ArrayList<>();
    for (List<Phrasings.Phrasing> kind : Phrasings.BY_KIND.values()) {
      for (Phrasings.Phrasing p : kind) {
        if (!p.heldOut()) {
          trained.add(p.template().toLowerCase(Locale.ROOT));
        }
      }
    }
    List<String> fragments = new ArrayList<>();
    for (List<Phrasings.Phrasing> kind : Phrasings.BY_KIND.values()) {
      for (Phrasings.Phrasing p : kind) {
        if (!p.heldOut()) {
          continue;
        }
        for (String part : p.template().split("\\{[^}]*}")) {
          String f = part.strip().toLowerCase(Locale.ROOT);
          // A fragment a trained phrasing also has ("a kind of?") says nothing held out.
          if (f.split("\\s+").length >= 3 && trained.stream().noneMatch(t -> t.contains(f))) {
            fragments.add(f);
          }
        }
      }
    }
    assertTrue(fragments.size() >= 10, "too few held-out fragments to check: " + fragments);
    List<String> leaked = new ArrayList<>();
    for (List<String> docs : List.of(TestWorld.corpus().train(), TestWorld.corpus().valid())) {
      for (String doc : docs) {
        String lower = doc.toLowerCase(Locale.ROOT);
        for (String f : fragments) {
          if (lower.contains(f) && !leaked.contains(f)) {
            leaked.add(f);
          }
        }
      }
    }
    assertEquals(List.of(), leaked, "held-out phrasings found in the pretraining corpus");
  }
}
