package org.rlhf4j.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.rlhf4j.cli.pipeline.ModelScorer;
import org.rlhf4j.core.generate.SamplingConfig;
import org.rlhf4j.world.PromptFormat;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code rlhf4j generate}: sample continuations of prompts (or answers to instructions) from a checkpoint. */
@Command(name = "generate", mixinStandardHelpOptions = true, description = "Sample from a checkpoint.")
final class GenerateCommand implements Callable<Integer> {
  @Mixin DeviceOption device = new DeviceOption();

  @Mixin SamplingOptions sampling = new SamplingOptions();

  @Mixin CheckpointOptions checkpoint = new CheckpointOptions();

  @Option(names = "--prompt", description = "raw prompt text, continued as it is (repeatable)")
  List<String> prompts = new ArrayList<>();

  @Option(names = "--instruction", description = "an instruction, wrapped in the prompt format the models are trained on:"
      + " 'Instruction: <text>\\nResponse:' (repeatable)")
  List<String> instructions = new ArrayList<>();

  @Option(names = "--prompts", description = "file with one raw prompt per line (\\n escapes)")
  Path promptFile;

  @Option(names = {"-n", "--samples"}, defaultValue = "1", description = "samples per prompt (default ${DEFAULT-VALUE})")
  int samples;

  @Override
  public Integer call() throws Exception {
    List<String> texts = new ArrayList<>(prompts);
    for (String i : instructions) {
      texts.add(PromptFormat.prompt(i));
    }
    if (promptFile != null) {
      for (String line : Files.readAllLines(promptFile)) {
        if (!line.isBlank()) {
          texts.add(line.replace("\\n", "\n"));
        }
      }
    }
    if (texts.isEmpty()) {
      throw new IllegalArgumentException("give at least one --prompt, --instruction or a --prompts file");
    }
    SamplingConfig cfg = sampling.config();
    try (CheckpointOptions.Loaded lm = checkpoint.load(device.get())) {
      List<String> shown = new ArrayList<>();
      for (String t : texts) {
        for (int s = 0; s < samples; s++) {
          shown.add(t);
        }
      }
      List<String> answers = ModelScorer.respond(lm.model(), lm.tokenizer(), shown, cfg, shown.size());
      for (int i = 0; i < answers.size(); i++) {
        System.out.println("### " + shown.get(i).replace("\n", "\\n"));
        System.out.println(answers.get(i));
        System.out.println();
      }
    }
    return 0;
  }
}
