package org.rlhf4j.world;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.rlhf4j.world.corpus.Corpus;
import org.rlhf4j.world.corpus.CorpusBuilder;

/** One default world, corpus and sampler per test JVM (WordNet loads once). */
final class TestWorld {

  private static World world;
  private static Corpus corpus;

  private TestWorld() {}

  static synchronized World world() {
    if (world == null) {
      try {
        world = World.create(WorldConfig.defaults());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return world;
  }

  static synchronized Corpus corpus() {
    if (corpus == null) {
      corpus = CorpusBuilder.build(world().lexicon(), world().config().corpus());
    }
    return corpus;
  }

  static ResponseSampler sampler() {
    return new ResponseSampler(world(), corpus().train());
  }
}
