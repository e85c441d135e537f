package org.rlhf4j.cli;

import ai.djl.Device;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.rlhf4j.core.checkpoint.Checkpoint;
import org.rlhf4j.core.checkpoint.ModelCheckpoints;
import org.rlhf4j.core.generate.SamplingConfig;
import org.rlhf4j.core.lora.LoraConfig;
import org.rlhf4j.core.model.CausalLm;
import org.rlhf4j.core.tokenizer.ChatTemplate;
import org.rlhf4j.core.reward.RewardModel;
import org.rlhf4j.core.reward.TokenizedRankings;
import org.rlhf4j.core.tokenizer.Tokenizer;
import org.rlhf4j.core.train.Examples;
import org.rlhf4j.core.train.ModelSelector;
import org.rlhf4j.core.train.OptimizerConfig;
import org.rlhf4j.core.train.SftConfig;
import org.rlhf4j.core.train.SftTrainer;
import org.rlhf4j.core.train.TokenWindows;
import org.rlhf4j.data.DatasetFormats;
import org.rlhf4j.data.Demonstration;
import org.rlhf4j.core.checkpoint.RunDirectory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code rlhf4j sft}: supervised fine-tuning on demonstrations (InstructGPT step 1). */
@Command(name = "sft", mixinStandardHelpOptions = true,
    description = "Supervised fine-tuning on demonstrations (ours, TRL prompt/completion or chat messages JSONL); resumable.")
final class SftCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin DeviceOption device = new DeviceOption();

  @Option(names = "--model", required = true, description = "base checkpoint directory")
  Path model;

  @Option(names = "--tokenizer", description = "tokenizer.json (default: the checkpoint's)")
  Path tokenizer;

  @Option(names = "--data", required = true, description = "training demonstrations JSONL")
  Path data;

  @Option(names = "--valid", description = "validation demonstrations JSONL (model selection); with --select-by reward any prompts file")
  Path valid;

  @Option(names = "--out", required = true, description = "run directory (checkpoint/, best/, final/, metrics.jsonl)")
  Path out;

  @Option(names = "--epochs", defaultValue = "16",
      description = "passes over the data (default ${DEFAULT-VALUE}, as InstructGPT; the selector picks the best)")
  int epochs;

  @Option(names = "--batch", defaultValue = "16", description = "demonstrations per optimizer step (default ${DEFAULT-VALUE})")
  int batch;

  @Option(names = "--micro-batch", defaultValue = "16", description = "demonstrations per forward pass (default ${DEFAULT-VALUE})")
  int microBatch;

  @Option(names = "--lr", defaultValue = "5e-4", description = "peak learning rate, cosine decay to 10%% (default ${DEFAULT-VALUE})")
  double lr;

  @Option(names = "--warmup", defaultValue = "10", description = "warm-up steps (default ${DEFAULT-VALUE})")
  int warmup;

  @Option(names = "--dropout", defaultValue = "0.2", description = "dropout during SFT (default ${DEFAULT-VALUE}, as InstructGPT)")
  float dropout;

  @Option(names = "--pretrain-mix", defaultValue = "0",
      description = "share of the loss from pretraining text, e.g. 0.1 for InstructGPT's PPO initialisation; needs --corpus (default ${DEFAULT-VALUE})")
  double pretrainMix;

  @Option(names = "--corpus", description = "pretraining corpus directory (train.txt) for --pretrain-mix")
  Path corpus;

  @Option(names = "--select-by", defaultValue = "loss",
      description = "keep the best checkpoint by validation 'loss' or by 'reward' model score (default ${DEFAULT-VALUE})")
  String selectBy;

  @Option(names = "--reward-model", description = "reward-model checkpoint for --select-by reward")
  Path rewardModel;

  @Option(names = "--select-max-new-tokens", defaultValue = "48",
      description = "response length when selecting by reward (greedy decoding; default ${DEFAULT-VALUE})")
  int selectMaxNewTokens;

  @Option(names = "--eval-every", defaultValue = "0", description = "steps between selections (0: every epoch; default ${DEFAULT-VALUE})")
  int evalEvery;

  @Option(names = "--checkpoint-every", defaultValue = "0",
      description = "steps between resumable checkpoints (0: every epoch; default ${DEFAULT-VALUE})")
  int checkpointEvery;

  @Option(names = "--seed", defaultValue = "1", description = "data order and dropout seed (default ${DEFAULT-VALUE})")
  long seed;

  @Option(names = "--resume", description = "continue the run in --out from its last checkpoint")
  boolean resume;

  @Mixin LoraOptions loraOptions = new LoraOptions();

  @Option(names = "--chat", description = "format each prompt as a user message with the model's chat template")
  boolean chat;

  @Option(names = "--pad-token", description = "pad token name for tokenizers without one distinct from EOS")
  String padToken;

  @Override
  public Integer call() throws Exception {
    String select = selectBy.toLowerCase(Locale.ROOT);
    if (!select.equals("loss") && !select.equals("reward")) {
      throw new IllegalArgumentException("--select-by must be loss or reward, got " + selectBy);
    }
    if (select.equals("reward") && (rewardModel == null || valid == null)) {
      throw new IllegalArgumentException("--select-by reward needs --reward-model and --valid (its prompts are scored)");
    }
    if (pretrainMix > 0 && corpus == null) {
      throw new IllegalArgumentException("--pretrain-mix " + pretrainMix + " needs --corpus DIR (pretraining text)");
    }
    SftConfig cfg = new SftConfig(epochs, batch, microBatch, OptimizerConfig.cosine(lr, warmup), dropout, pretrainMix,
        evalEvery, checkpointEvery, 1, seed);
    // Read and validate every input before loading any model: a bad line fails in a second.
    List<Demonstration> train = DatasetFormats.readDemonstrations(data);
    // Selection by loss needs validation responses; selection by reward only their prompts.
    List<Demonstration> validDemos =
        valid == null || select.equals("reward") ? null : DatasetFormats.readDemonstrations(valid);
    List<String> validPrompts = select.equals("reward") ? DataLoading.texts(DataLoading.prompts(valid)) : null;
    RunDirectory run = DataLoading.openRun(spec, out, resume, Checkpoint.hasResumeState(out.resolve("checkpoint")));
    Device dev = device.get();
    LoraConfig lora = loraOptions.config();
    try (Tokenizer tok = DataLoading.tokenizer(model, tokenizer, padToken);
        ModelCheckpoints.Trainable lm = ModelCheckpoints.loadForTraining(model, dev, lora, tok.padId(), seed);
        RewardModel rm = select.equals("reward") ? RewardModel.load(rewardModel, dev) : null) {
      CausalLm m = lm.model();
      TokenizedRankings.checkTokenizer(tok, m);
      ChatTemplate template = chat ? ChatTemplate.fromTokenizerConfig(tok.source().resolveSibling("tokenizer_config.json"))
          .orElseThrow(() -> new IllegalArgumentException("--chat: the tokenizer directory has no chat_template")) : null;
      if (template != null) {
        train = DataLoading.withChatPrompts(train, template);
        validDemos = validDemos == null ? null : DataLoading.withChatPrompts(validDemos, template);
      }
      int ctx = m.contextLength();
      List<Examples.TokenPair> pairs = tokenize(train, tok, ctx, data);
      ModelSelector selector = null;
      if (select.equals("reward")) {
        selector = new RewardSelector(validPrompts, tok, rm, SamplingConfig.greedy(selectMaxNewTokens), 32);
      } else if (validDemos != null) {
        selector = SftTrainer.validationLoss(tokenize(validDemos, tok, ctx, valid), microBatch);
      }
      TokenWindows windows = pretrainMix > 0
          ? DataLoading.corpusWindows(corpus, tok, ctx, out.resolve("tokens"), seed) : null;
      SftTrainer trainer = new SftTrainer(cfg, null);
      long total = trainer.totalSteps(pairs.size());
      System.err.printf("SFT of %,d parameters on %,d demonstrations, %d steps%s%n", m.parameterCount(), pairs.size(), total,
          selector == null ? " (no --valid: the last model is kept)" : ", best by " + selector.name());
      SftTrainer.Result r;
      try (Progress bar = new Progress("sft", total, 0, SftTrainer.LOSS, SftTrainer.PTX_LOSS,
          selector == null ? SftTrainer.LEARNING_RATE : selector.name())) {
        r = new SftTrainer(cfg, bar).run(m, pairs, windows, selector, out, lm.config(), tok.source());
      }
      System.out.printf("done: %d steps, final loss %.4f, %.0f s%n", r.steps(), r.finalLoss(), r.seconds());
      run.finish();
      if (selector != null) {
        System.out.printf("best %s %.4f at step %d: %s%n", selector.name(), r.bestScore(), r.bestStep(), r.bestModel());
      }
    }
    return 0;
  }

  private static List<Examples.TokenPair> tokenize(List<Demonstration> demos, Tokenizer tok, int ctx, Path file) {
    List<String> prompts = new ArrayList<>(demos.size());
    List<String> responses = new ArrayList<>(demos.size());
    for (Demonstration d : demos) {
      prompts.add(d.prompt());
      responses.add(d.response());
    }
    return Examples.tokenize(prompts, responses, tok, ctx, file.toString());
  }
}
