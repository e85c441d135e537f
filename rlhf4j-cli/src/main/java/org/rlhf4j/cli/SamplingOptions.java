package org.rlhf4j.cli;

import org.rlhf4j.core.generate.SamplingConfig;
import picocli.CommandLine.Option;

/** Sampling flags shared by {@code generate} and {@code chat}: one place for their defaults. */
final class SamplingOptions {
  @Option(names = "--max-new-tokens", defaultValue = "48", description = "response length limit in tokens (default ${DEFAULT-VALUE})")
  int maxNewTokens;

  @Option(names = "--temperature", defaultValue = "0.8", description = "0 = greedy (default ${DEFAULT-VALUE})")
  float temperature;

  @Option(names = "--greedy", description = "always the most likely token (the same as --temperature 0)")
  boolean greedy;

  @Option(names = "--top-k", defaultValue = "0", description = "keep the k most likely tokens, 0 = off (default ${DEFAULT-VALUE})")
  int topK;

  @Option(names = "--top-p", defaultValue = "1.0", description = "nucleus sampling, 1 = off (default ${DEFAULT-VALUE})")
  float topP;

  @Option(names = "--seed", defaultValue = "1", description = "the same seed, model and input give the same answers (default ${DEFAULT-VALUE})")
  long seed;

  /** The sampling configuration; SamplingConfig rejects bad values before any model is loaded. */
  SamplingConfig config() {
    return new SamplingConfig(maxNewTokens, greedy ? 0f : temperature, topK, topP, seed);
  }
}
