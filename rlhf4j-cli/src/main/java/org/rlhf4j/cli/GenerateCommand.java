package org.rlhf4j.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.rlhf4j.core.checkpoint.Checkpoint;
import org.rlhf4j.core.checkpoint.ModelCheckpoints;
import org.rlhf4j.core.generate.Generation;
import org.rlhf4j.core.generate.Generator;
import org.rlhf4j.core.generate.SamplingConfig;
import org.rlhf4j.core.lora.LoraAdapter;
import org.rlhf4j.core.tokenizer.ChatTemplate;
import org.rlhf4j.core.tokenizer.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code rlhf4j generate}: sample continuations of prompts from a checkpoint. */
@Command(name = "generate", mixinStandardHelpOptions = true, description = "Sample from a checkpoint.")
final class GenerateCommand implements Callable<Integer> {
  @Mixin DeviceOption device = new DeviceOption();

  @Option(names = "--model", required = true, description = "checkpoint directory (with tokenizer.json)")
  Path model;

  @Option(names = "--tokenizer", description = "tokenizer.json (default: the checkpoint's)")
  Path tokenizer;

  @Option(names = "--prompt", description = "prompt text (repeatable)")
  List<String> prompts = new ArrayList<>();

  @Option(names = "--prompts", description = "file with one prompt per line")
  Path promptFile;

  @Option(names = {"-n", "--samples"}, defaultValue = "1", description = "samples per prompt (default ${DEFAULT-VALUE})")
  int samples;

  @Option(names = "--max-new-tokens", defaultValue = "48", description = "(default ${DEFAULT-VALUE})")
  int maxNewTokens;

  @Option(names = "--temperature", defaultValue = "0.8", description = "0 = greedy (default ${DEFAULT-VALUE})")
  float temperature;

  @Option(names = "--top-k", defaultValue = "0", description = "0 = off (default ${DEFAULT-VALUE})")
  int topK;

  @Option(names = "--top-p", defaultValue = "1.0", description = "1 = off (default ${DEFAULT-VALUE})")
  float topP;

  @Option(names = "--seed", defaultValue = "1", description = "(default ${DEFAULT-VALUE})")
  long seed;

  @Option(names = "--chat", description = "wrap each prompt as a user message in the model's chat template"
      + " (tokenizer_config.json's chat_template), ending with the assistant header")
  boolean chat;

  @Option(names = "--pad-token", description = "pad token name when the tokenizer has none distinct from EOS"
      + " (Llama 3.x: <|finetune_right_pad_id|>; SmolLM2: <|endoftext|>)")
  String padToken;

  @Override
  public Integer call() throws Exception {
    List<String> texts = new ArrayList<>(prompts);
    if (promptFile != null) {
      for (String line : Files.readAllLines(promptFile)) {
        if (!line.isBlank()) {
          texts.add(line.replace("\\n", "\n"));
        }
      }
    }
    if (texts.isEmpty()) {
      throw new IllegalArgumentException("give at least one --prompt or a --prompts file");
    }
    Path modelDir = LoraAdapter.isAdapter(model) && tokenizer == null && !Files.exists(model.resolve(Checkpoint.TOKENIZER_FILE))
        ? model.resolve(LoraAdapter.baseModelPath(model)).normalize() : model;
    Path tokPath = tokenizer != null ? tokenizer : modelDir.resolve(Checkpoint.TOKENIZER_FILE);
    ChatTemplate template = null;
    if (chat) {
      template = ChatTemplate.fromTokenizerConfig(tokPath.resolveSibling("tokenizer_config.json")).orElseThrow(
          () -> new IllegalArgumentException("--chat: " + tokPath.resolveSibling("tokenizer_config.json") + " has no chat_template"));
    }
    try (Tokenizer tok = Tokenizer.load(tokPath, new Tokenizer.SpecialTokens(null, padToken, null));
        ModelCheckpoints.AnyModel lm = ModelCheckpoints.loadAny(model, device.get())) {
      if (tok.vocabSize() > lm.model().vocabSize()) {
        throw new IllegalArgumentException(
            "tokenizer " + tokPath + " has " + tok.vocabSize() + " tokens but the model only " + lm.model().vocabSize());
      }
      List<int[]> encoded = new ArrayList<>();
      List<String> shown = new ArrayList<>();
      for (String t : texts) {
        String input = template == null ? t : template.render(List.of(new ChatTemplate.Message("user", t)), true);
        for (int s = 0; s < samples; s++) {
          encoded.add(tok.encode(input));
          shown.add(t);
        }
      }
      Generation g = Generator.generate(lm.model(), encoded,
          new SamplingConfig(maxNewTokens, temperature, topK, topP, seed));
      for (int i = 0; i < g.size(); i++) {
        int[] r = g.responses()[i];
        int[] visible = g.endedWithEos()[i] ? java.util.Arrays.copyOf(r, r.length - 1) : r;
        System.out.println("### " + shown.get(i).replace("\n", "\\n"));
        System.out.println(tok.decode(visible).strip());
        System.out.println();
      }
    }
    return 0;
  }
}
