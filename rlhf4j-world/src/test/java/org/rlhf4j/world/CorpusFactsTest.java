package org.rlhf4j.world;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.rlhf4j.world.corpus.CorpusBuilder;
import org.rlhf4j.world.corpus.Fact;
import org.rlhf4j.world.corpus.Fact.Relation;
import org.rlhf4j.world.corpus.FactCoverage;

/**
 * Issue 20: every fact a world task asks about is stated in pretraining many times, in several
 * surface forms, with the answer the task expects.
 */
class CorpusFactsTest {

  /** Distinct surface forms every asked fact must have in the default corpus. */
  static final int MIN_FORMS = 4;

  /** Documents every asked fact must be stated in (old corpus: 2). */
  static final int MIN_DOCUMENTS = 8;

  @Test
  void everyFactTheTasksAskIsStatedInManyDocumentsAndForms() {
    World world = TestWorld.world();
    FactCoverage coverage = new FactCoverage(TestWorld.corpus().train());
    int checked = 0;
    List<String> weak = new ArrayList<>();
    for (Split split : Split.values()) {
      for (Task t : world.tasks(split)) {
        Relation r = Relation.ofTaskForm(t.form());
        if (r == null || t.closedDomain()) {
          continue;
        }
        Fact fact =
            Fact.of(world.lexicon(),
                    new CorpusBuilder.Entry(t.word(), world.lexicon().sense(t.senseId())))
                .stream()
                .filter(f -> f.relation() == r)
                .findFirst()
                .orElse(null);
        assertNotNull(fact, t.id() + " asks a fact the corpus does not render: " + t.prompt());
        if (!t.answers().isEmpty() && r != Relation.MEANING) {
          List<String> stated =
              fact.answers().stream().map(a -> a.toLowerCase(Locale.ROOT)).toList();
          assertTrue(stated.contains(t.answers().get(0)),
              t.id() + " expects " + t.answers() + ", the corpus states " + stated);
        }
        FactCoverage.Count c = coverage.count(fact);
        if (c.forms() < MIN_FORMS || c.documents() < MIN_DOCUMENTS) {
          weak.add(t.id() + " " + r + " " + t.word() + ": " + c.documents() + " documents, "
              + c.forms() + " forms");
        }
        checked++;
      }
    }
    assertTrue(checked > 1500, "checked only " + checked + " knowledge tasks");
    assertEquals(List.of(), weak, "facts stated too rarely");
  }
}
