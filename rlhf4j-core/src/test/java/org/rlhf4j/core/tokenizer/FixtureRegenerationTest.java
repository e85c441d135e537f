package org.rlhf4j.core.tokenizer;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/** Rewrites the committed fixtures; runs only with {@code -Drlhf4j.regenerateFixtures=true}. */
@EnabledIfSystemProperty(named = "rlhf4j.regenerateFixtures", matches = "true")
class FixtureRegenerationTest {
  @Test
  void regenerate() throws Exception {
    Fixtures.trainTiny().write(Fixtures.TINY_JSON);
    List<String> strings = Fixtures.parityStrings();
    Fixtures.writeStrings(Fixtures.PARITY_STRINGS, strings);
    try (Tokenizer tok = Tokenizer.load(Fixtures.TINY_JSON)) {
      List<int[]> ids = new ArrayList<>();
      for (String s : strings) {
        ids.add(tok.encode(s));
      }
      Fixtures.writeIds(Fixtures.PARITY_JAVA, "rlhf4j Tokenizer via DJL tokenizers 0.36.0", ids);
    }
  }
}
