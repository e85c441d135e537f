package org.rlhf4j.cli;

import ai.djl.Device;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.rlhf4j.core.checkpoint.Checkpoint;
import org.rlhf4j.core.checkpoint.ModelCheckpoints;
import org.rlhf4j.core.lora.LoraAdapter;
import org.rlhf4j.core.model.CausalLm;
import org.rlhf4j.core.tokenizer.Tokenizer;
import picocli.CommandLine.Option;

/** {@code --model} and {@code --tokenizer} of the commands that talk to one checkpoint (generate, chat). */
final class CheckpointOptions {
  @Option(names = "--model", required = true, description = "checkpoint directory (with tokenizer.json)")
  Path model;

  @Option(names = "--tokenizer", description = "tokenizer.json (default: the checkpoint's)")
  Path tokenizer;

  @Option(names = "--pad-token", description = "pad token name when the tokenizer has none distinct from EOS"
      + " (Llama 3.x: <|finetune_right_pad_id|>; SmolLM2: <|endoftext|>)")
  String padToken;

  /** A loaded model of any family and its tokenizer; closing it frees both. */
  record Loaded(CausalLm model, Tokenizer tokenizer, ModelCheckpoints.AnyModel owner) implements AutoCloseable {
    @Override
    public void close() {
      try (Tokenizer t = tokenizer) {
        owner.close();
      }
    }
  }

  /**
   * Loads both: a GPT-2 checkpoint, a Llama-family directory or a PEFT adapter directory (whose
   * tokenizer defaults to its base's); refuses a tokenizer with more tokens than the model has
   * embeddings.
   */
  Loaded load(Device device) throws IOException {
    Path dir = model;
    if (tokenizer == null && LoraAdapter.isAdapter(model) && !Files.exists(model.resolve(Checkpoint.TOKENIZER_FILE))
        && LoraAdapter.baseModelPath(model) != null) {
      dir = model.resolve(LoraAdapter.baseModelPath(model)).normalize();
    }
    Path tokPath = tokenizer != null ? tokenizer : dir.resolve(Checkpoint.TOKENIZER_FILE);
    Tokenizer tok = Tokenizer.load(tokPath, new Tokenizer.SpecialTokens(null, padToken, null));
    try {
      ModelCheckpoints.AnyModel any = ModelCheckpoints.loadAny(model, device);
      if (tok.vocabSize() > any.model().vocabSize()) {
        any.close();
        throw new IllegalArgumentException(
            "tokenizer " + tokPath + " has " + tok.vocabSize() + " tokens but the model only " + any.model().vocabSize());
      }
      return new Loaded(any.model(), tok, any);
    } catch (IOException | RuntimeException e) {
      tok.close();
      throw e;
    }
  }
}
