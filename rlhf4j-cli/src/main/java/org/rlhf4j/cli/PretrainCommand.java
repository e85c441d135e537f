package org.rlhf4j.cli;

import ai.djl.Device;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.rlhf4j.core.checkpoint.Checkpoint;
import org.rlhf4j.core.checkpoint.HfConfig;
import org.rlhf4j.core.checkpoint.ModelCheckpoints;
import org.rlhf4j.core.model.GptConfig;
import org.rlhf4j.core.model.GptModel;
import org.rlhf4j.core.tokenizer.Tokenizer;
import org.rlhf4j.core.train.CorpusTokens;
import org.rlhf4j.core.train.Metrics;
import org.rlhf4j.core.train.OptimizerConfig;
import org.rlhf4j.core.train.PretrainConfig;
import org.rlhf4j.core.train.Pretrainer;
import org.rlhf4j.core.train.TokenWindows;
import org.rlhf4j.world.corpus.Corpus;
import org.rlhf4j.core.checkpoint.RunDirectory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code rlhf4j pretrain}: next-token pretraining on a one-document-per-line corpus. */
@Command(name = "pretrain", mixinStandardHelpOptions = true,
    description = "Pretrain a GPT-2-style model on a corpus directory (train.txt, valid.txt); resumable.")
final class PretrainCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin DeviceOption device = new DeviceOption();

  @Option(names = "--corpus", required = true, description = "directory with train.txt and valid.txt (one document per line)")
  Path corpus;

  @Option(names = "--tokenizer", required = true, description = "tokenizer.json")
  Path tokenizer;

  @Option(names = "--out", required = true, description = "run directory (checkpoint/, final/, metrics.jsonl)")
  Path out;

  @Option(names = "--preset", defaultValue = "small", description = "model shape: small, large, tiny (default ${DEFAULT-VALUE})")
  String preset;

  @Option(names = "--init", description = "start from this checkpoint instead of random weights")
  Path init;

  @Option(names = "--steps", defaultValue = "2000", description = "optimizer steps (default ${DEFAULT-VALUE})")
  long steps;

  @Option(names = "--batch", defaultValue = "32", description = "sequences per step (default ${DEFAULT-VALUE})")
  int batch;

  @Option(names = "--micro-batch", defaultValue = "16", description = "sequences per forward pass (default ${DEFAULT-VALUE})")
  int microBatch;

  @Option(names = "--context", description = "tokens per sequence (default: the model's context)")
  Integer context;

  @Option(names = "--lr", defaultValue = "2e-3", description = "peak learning rate (default ${DEFAULT-VALUE})")
  double lr;

  @Option(names = "--warmup", defaultValue = "100", description = "warm-up steps (default ${DEFAULT-VALUE})")
  int warmup;

  @Option(names = "--dropout", defaultValue = "0.0", description = "dropout during pretraining (default ${DEFAULT-VALUE})")
  float dropout;

  @Option(names = "--eval-every", defaultValue = "250", description = "steps between validation losses (default ${DEFAULT-VALUE})")
  int evalEvery;

  @Option(names = "--checkpoint-every", defaultValue = "100", description = "steps between checkpoints (default ${DEFAULT-VALUE})")
  int checkpointEvery;

  @Option(names = "--seed", defaultValue = "1", description = "init, data order and dropout seed (default ${DEFAULT-VALUE})")
  long seed;

  @Option(names = "--resume", description = "continue the run in --out from its last checkpoint")
  boolean resume;

  @Option(names = "--ship", description = "also write the final model here with float16 weights (shipped models)")
  Path ship;

  @Override
  public Integer call() throws Exception {
    Path ckpt = out.resolve("checkpoint");
    boolean hasRun = Checkpoint.hasResumeState(ckpt);
    RunDirectory run = DataLoading.openRun(spec, out, resume, hasRun);
    Device dev = device.get();
    try (Tokenizer tok = Tokenizer.load(tokenizer)) {
      Path tokJson = tok.source();
      int[] trainTokens = CorpusTokens.load(corpus.resolve(Corpus.TRAIN_FILE), tok, out.resolve("tokens"));
      int[] validTokens = CorpusTokens.load(corpus.resolve(Corpus.VALID_FILE), tok, out.resolve("tokens"));
      GptModel model;
      HfConfig base;
      if (init != null) {
        ModelCheckpoints.LoadedModel lm = ModelCheckpoints.load(init, dev);
        model = lm.model();
        base = lm.config();
      } else {
        ModelPreset p = ModelPreset.valueOf(preset.toUpperCase(java.util.Locale.ROOT));
        GptConfig cfg = p.config(tok.vocabSize(), tok.eosId(), tok.padId(), dropout);
        model = GptModel.create(cfg, dev, seed, false);
        base = HfConfig.of(cfg);
      }
      try (model) {
        int t = context != null ? context : model.config().contextLength();
        PretrainConfig cfg = new PretrainConfig(t, batch, microBatch, steps,
            OptimizerConfig.cosine(lr, warmup), evalEvery, 64, checkpointEvery, 10, seed);
        TokenWindows train = new TokenWindows(trainTokens, t, seed);
        TokenWindows valid = new TokenWindows(validTokens, t, seed);
        System.err.printf("pretraining %,d parameters on %,d train tokens (%,d validation), %d steps x %,d tokens%n",
            model.parameterCount(), trainTokens.length, validTokens.length, steps, cfg.tokensPerStep());
        long done = 0;
        if (run.resuming()) {
          // The bar starts where the resumed run stands, so its ETA covers only what is left.
          // Read through Checkpoint: a save killed between its renames left the state aside.
          String state = Checkpoint.readTrainerState(ckpt).orElse("{}");
          done = new com.fasterxml.jackson.databind.ObjectMapper().readTree(state).path("step").asLong();
        }
        Pretrainer.Result r;
        try (Progress bar = new Progress("pretrain", steps, done, Metrics.TRAIN_LOSS, Metrics.VAL_LOSS,
            Metrics.TOKENS_PER_SECOND)) {
          r = new Pretrainer(cfg, bar).run(model, train, valid, out, base, tokJson);
        }
        System.out.printf("done: %d steps, %,d tokens, train loss %.4f, validation loss %.4f, %.0f s%n",
            r.steps(), r.tokensSeen(), r.finalTrainLoss(), r.finalValLoss(), r.seconds());
        run.finish();
        if (ship != null) {
          HfConfig c = HfConfig.read(out.resolve("final").resolve(Checkpoint.CONFIG_FILE));
          ModelCheckpoints.saveHalf(ship, model, c, tokJson);
          System.out.println("shipped float16 copy to " + ship);
        }
      }
    }
    return 0;
  }
}
