package org.rlhf4j.cli;

import ai.djl.Device;
import java.io.IOException;
import java.nio.file.Path;
import org.rlhf4j.core.checkpoint.Checkpoint;
import org.rlhf4j.core.checkpoint.ModelCheckpoints;
import org.rlhf4j.core.model.GptModel;
import org.rlhf4j.core.tokenizer.Tokenizer;
import picocli.CommandLine.Option;

/** {@code --model} and {@code --tokenizer} of the commands that talk to one checkpoint (generate, chat). */
final class CheckpointOptions {
  @Option(names = "--model", required = true, description = "checkpoint directory (with tokenizer.json)")
  Path model;

  @Option(names = "--tokenizer", description = "tokenizer.json (default: the checkpoint's)")
  Path tokenizer;

  /** A loaded checkpoint and its tokenizer; closing it frees both. */
  record Loaded(GptModel model, Tokenizer tokenizer) implements AutoCloseable {
    @Override
    public void close() {
      try (Tokenizer t = tokenizer) {
        model.close();
      }
    }
  }

  /** Loads both; refuses a tokenizer with more tokens than the model has embeddings. */
  Loaded load(Device device) throws IOException {
    Path tokPath = tokenizer != null ? tokenizer : model.resolve(Checkpoint.TOKENIZER_FILE);
    Tokenizer tok = Tokenizer.load(tokPath);
    try {
      GptModel m = ModelCheckpoints.load(model, device).model();
      if (tok.vocabSize() > m.config().vocabSize()) {
        m.close();
        throw new IllegalArgumentException(
            "tokenizer " + tokPath + " has " + tok.vocabSize() + " tokens but the model only " + m.config().vocabSize());
      }
      return new Loaded(m, tok);
    } catch (IOException | RuntimeException e) {
      tok.close();
      throw e;
    }
  }
}
