package org.rlhf4j.cli;

import ai.djl.Device;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.rlhf4j.core.checkpoint.Checkpoint;
import org.rlhf4j.core.checkpoint.ModelCheckpoints;
import org.rlhf4j.core.generate.Generation;
import org.rlhf4j.core.generate.Generator;
import org.rlhf4j.core.generate.SamplingConfig;
import org.rlhf4j.core.tokenizer.Tokenizer;
import org.rlhf4j.data.Prompt;
import org.rlhf4j.label.CandidateSource;
import org.rlhf4j.world.PromptFormat;

/**
 * Candidates for the labeling app sampled from a model checkpoint (temperature 1, as InstructGPT
 * sampled the K outputs that labelers ranked). Prompts not already in the world's
 * "Instruction: ...\nResponse:" format are wrapped in it.
 */
final class ModelCandidateSource implements CandidateSource, AutoCloseable {
  private final ModelCheckpoints.LoadedModel model;
  private final Tokenizer tokenizer;
  private final int maxNewTokens;
  private long seed = 1;

  ModelCandidateSource(Path checkpoint, Device device, int maxNewTokens) throws IOException {
    this.model = ModelCheckpoints.load(checkpoint, device);
    this.tokenizer = Tokenizer.load(Checkpoint.tokenizer(checkpoint)
        .orElseThrow(() -> new IOException(checkpoint + " has no tokenizer.json")));
    this.maxNewTokens = maxNewTokens;
  }

  @Override
  public synchronized List<String> generate(Prompt prompt, int k) {
    String text = PromptFormat.isPrompt(prompt.text()) ? prompt.text() : PromptFormat.prompt(prompt.text());
    int[] ids = tokenizer.encode(text);
    List<int[]> batch = new ArrayList<>();
    for (int i = 0; i < k; i++) {
      batch.add(ids);
    }
    Generation g = Generator.generate(model.model(), batch, SamplingConfig.sample(maxNewTokens, seed++));
    List<String> out = new ArrayList<>();
    for (int i = 0; i < g.size(); i++) {
      int[] r = g.responses()[i];
      int[] visible = g.endedWithEos()[i] ? java.util.Arrays.copyOf(r, r.length - 1) : r;
      out.add(tokenizer.decode(visible).strip());
    }
    return out;
  }

  @Override
  public void close() {
    model.close();
    tokenizer.close();
  }
}
