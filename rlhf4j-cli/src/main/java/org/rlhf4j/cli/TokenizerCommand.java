package org.rlhf4j.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.rlhf4j.core.tokenizer.BpeConfig;
import org.rlhf4j.core.tokenizer.BpeModel;
import org.rlhf4j.core.tokenizer.BpeTrainer;
import org.rlhf4j.core.tokenizer.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code rlhf4j tokenizer train}: byte-level BPE written as a Hugging Face tokenizer.json. */
@Command(name = "tokenizer", mixinStandardHelpOptions = true, description = "Tokenizer tools.",
    subcommands = {TokenizerCommand.Train.class})
final class TokenizerCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  @Command(name = "train", mixinStandardHelpOptions = true,
      description = "Train a byte-level BPE on text files; writes tokenizer.json with <|endoftext|> (EOS) and <|pad|>.")
  static final class Train implements Callable<Integer> {
    @Parameters(arity = "1..*", description = "UTF-8 text files")
    List<Path> inputs;

    @Option(names = "--vocab-size", defaultValue = "4096", description = "vocabulary size including specials (default ${DEFAULT-VALUE})")
    int vocabSize;

    @Option(names = "--min-frequency", defaultValue = "2", description = "minimum pair count to merge (default ${DEFAULT-VALUE})")
    int minFrequency;

    @Option(names = "--out", required = true, description = "tokenizer.json to write")
    Path out;

    @Override
    public Integer call() throws Exception {
      long t0 = System.nanoTime();
      BpeModel model = BpeTrainer.trainFiles(new BpeConfig(vocabSize, minFrequency, BpeConfig.DEFAULT_SPECIALS), inputs);
      model.write(out);
      double s = (System.nanoTime() - t0) / 1e9;
      try (Tokenizer tok = Tokenizer.load(out)) {
        long chars = 0;
        long tokens = 0;
        for (Path p : inputs) {
          String text = java.nio.file.Files.readString(p);
          chars += text.length();
          tokens += tok.encode(text.length() > 2_000_000 ? text.substring(0, 2_000_000) : text).length
              * (text.length() > 2_000_000 ? (double) text.length() / 2_000_000 : 1.0);
        }
        System.out.printf("wrote %s: %d tokens (eos=%d, pad=%d) in %.1f s; %.2f characters per token%n",
            out, tok.vocabSize(), tok.eosId(), tok.padId(), s, (double) chars / tokens);
      }
      return 0;
    }
  }
}
