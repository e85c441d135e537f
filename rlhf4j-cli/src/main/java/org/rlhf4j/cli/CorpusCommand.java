package org.rlhf4j.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.rlhf4j.world.corpus.Corpus;
import org.rlhf4j.world.corpus.CorpusBuilder;
import org.rlhf4j.world.corpus.CorpusConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code rlhf4j corpus}: renders the WordNet pretraining corpus. */
@Command(name = "corpus", mixinStandardHelpOptions = true,
    description = "Render the WordNet 3.1 pretraining corpus (train.txt, valid.txt: one document per line).")
final class CorpusCommand implements Callable<Integer> {
  @Option(names = "--out", required = true, description = "output directory")
  Path out;

  @Option(names = "--common-words", description = "restrict to the N most frequent words (default: the corpus default)")
  Integer commonWords;

  @Option(names = "--renderings", description = "prose documents per sense (default: the corpus default)")
  Integer renderings;

  @Option(names = "--dialogues", description = "question-and-answer documents per sense (default: the corpus default)")
  Integer dialogues;

  @Option(names = "--seed", description = "seed (default: the corpus default)")
  Long seed;

  @Override
  public Integer call() throws Exception {
    CorpusConfig cfg = CorpusConfig.defaults();
    if (commonWords != null) {
      cfg = cfg.withCommonWords(commonWords);
    }
    if (renderings != null || dialogues != null) {
      cfg = cfg.withRepetition(
          renderings != null ? renderings : cfg.renderings(), dialogues != null ? dialogues : cfg.dialogues());
    }
    if (seed != null) {
      cfg = cfg.withSeed(seed);
    }
    Corpus corpus = CorpusBuilder.build(cfg);
    corpus.write(out);
    System.out.println("wrote " + out.resolve(Corpus.TRAIN_FILE) + " and " + out.resolve(Corpus.VALID_FILE));
    System.out.println(corpus.stats());
    return 0;
  }
}
