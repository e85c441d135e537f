package org.rlhf4j.cli.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rlhf4j.core.checkpoint.HfConfig;
import org.rlhf4j.core.model.GptConfig;
import org.rlhf4j.core.model.GptModel;
import org.rlhf4j.core.tokenizer.Tokenizer;
import org.rlhf4j.core.train.CorpusTokens;
import org.rlhf4j.core.train.OptimizerConfig;
import org.rlhf4j.core.train.PretrainConfig;
import org.rlhf4j.core.train.Pretrainer;
import org.rlhf4j.core.train.StepListener;
import org.rlhf4j.core.train.TokenWindows;
import org.rlhf4j.world.corpus.Corpus;
import org.rlhf4j.world.corpus.CorpusBuilder;
import org.rlhf4j.world.corpus.CorpusConfig;

/**
 * The pipeline's --fast configuration end to end on two tiny base models made here: every stage
 * runs, the figures are sane (no assertion on who wins), the report is written, and a second run
 * reuses every stage from the cache.
 */
class PipelineTest {
  private static final Pipeline.Listener QUIET = new Pipeline.Listener() {
    @Override
    public void stageStarted(int index, int total, String name, double eta) {}

    @Override
    public void stageFinished(int index, int total, String name, double seconds, boolean cached) {}

    @Override
    public StepListener bar(String task, long total) {
      return StepListener.NONE;
    }
  };

  @Test
  void fastPipelineRunsEveryStageAndCachesThem(@TempDir Path dir) throws Exception {
    Path tokJson = Path.of("..", "models", "tokenizer", "tokenizer.json");
    Path corpus = dir.resolve("corpus");
    CorpusBuilder.build(CorpusConfig.defaults().withCommonWords(200)).write(corpus);
    Path small = tinyBase(dir.resolve("small"), corpus, tokJson, 32, 1);
    Path large = tinyBase(dir.resolve("large"), corpus, tokJson, 48, 2);
    Path out = dir.resolve("run");
    Results r = new Pipeline(PipelineConfig.fast(), out, small, large, Device.cpu(), QUIET).run();

    assertTrue(Files.isRegularFile(out.resolve("results.json")));
    assertTrue(Files.isRegularFile(out.resolve("report.html")));
    List<String> stages = r.stages().stream().map(Results.Stage::name).toList();
    for (String s : List.of("corpus", "sft-small", "sft-large", "rankings", "reward", "ppo", "ppo-ptx", "best-of-n", "dpo",
        "expert-iteration", "evaluate")) {
      assertTrue(stages.contains(s), "stage " + s + " ran: " + stages);
    }
    assertEquals(10, r.models().size());
    for (var e : r.models().entrySet()) {
      Results.Interval w = e.getValue().winRate();
      assertNotNull(w, e.getKey());
      assertTrue(w.value() >= 0 && w.value() <= 1 && w.low() <= w.value() && w.value() <= w.high(), e.getKey() + " " + w);
      assertTrue(e.getValue().goldScore() >= 0 && e.getValue().goldScore() <= 1);
      assertTrue(e.getValue().likert() >= 1 && e.getValue().likert() <= 7);
    }
    assertEquals(0.5, r.models().get("large-sft").winRate().value(), 0.2, "the baseline against itself");
    assertTrue(r.labelers().training() > 50 && r.labelers().heldOut() > 50);
    assertTrue(r.rewardModel().heldOutLabelers() >= 0 && r.rewardModel().heldOutLabelers() <= 100);
    assertEquals(10, r.claims().size());
    for (var e : r.models().entrySet()) {
      // Issue 15's figures for every model, and the same fixed sample prompts for all.
      var f = e.getValue().instructionFollowing();
      assertNotNull(f, e.getKey());
      assertTrue(f.correct().value() >= 0 && f.correct().value() <= 1 && f.topResponseShare() > 0, e.getKey());
      assertEquals(r.models().get("small-sft").instructionFollowing().samples().stream()
          .map(org.rlhf4j.world.InstructionFollowing.Sample::taskId).toList(),
          f.samples().stream().map(org.rlhf4j.world.InstructionFollowing.Sample::taskId).toList());
    }
    assertTrue(Report.consoleTable(r).contains("Sample answers"));
    var sft = r.models().get("small-sft").instructionFollowing();
    assertTrue(sft.correctTrainedPhrasings() != null && sft.correctHeldOutPhrasings() != null,
        "the evaluation prompts hold both trained and held-out phrasings: " + sft);
    assertFalse(r.hacking().bestOfN().isEmpty());
    assertFalse(r.hacking().ppo().isEmpty());
    assertTrue(r.curves().containsKey("ppo") && r.curves().containsKey("sft-small"));
    assertEquals(r.models().keySet(), Results.read(out.resolve("results.json")).models().keySet());
    // Provenance: the code fingerprint and every stage's cache key, as the stage cache wrote it.
    Results.Provenance p = Results.read(out.resolve("results.json")).provenance();
    assertEquals(CodeFingerprint.current(), p.code());
    assertFalse(p.commit().isBlank());
    for (Results.Stage s : r.stages()) {
      assertEquals(Files.readString(out.resolve("stages").resolve(s.name()).resolve("key")).strip(), s.key(), s.name());
    }

    Results again = new Pipeline(PipelineConfig.fast(), out, small, large, Device.cpu(), QUIET).run();
    assertTrue(again.stages().stream().allMatch(Results.Stage::cached), "second run reuses every stage: " + again.stages());
  }

  /** A tiny base model pretrained for a few steps on the corpus, in the shipped layout. */
  private static Path tinyBase(Path dir, Path corpus, Path tokJson, int width, long seed) throws Exception {
    try (Tokenizer tok = Tokenizer.load(tokJson)) {
      GptConfig cfg = new GptConfig(tok.vocabSize(), 128, 1, 2, width, 0f, 0f, 0f, 1e-5f, -1, tok.eosId(), tok.padId(),
          GptConfig.Activation.GELU);
      int[] train = CorpusTokens.load(corpus.resolve(Corpus.TRAIN_FILE), tok, dir.resolve("tokens"));
      int[] valid = CorpusTokens.load(corpus.resolve(Corpus.VALID_FILE), tok, dir.resolve("tokens"));
      try (GptModel model = GptModel.create(cfg, Device.cpu(), seed, false)) {
        PretrainConfig pc = new PretrainConfig(64, 8, 8, 3, OptimizerConfig.cosine(3e-3, 1), 0, 2, 0, 1, seed);
        new Pretrainer(pc, null).run(model, new TokenWindows(train, 64, seed), new TokenWindows(valid, 64, seed),
            dir.resolve("run"), HfConfig.of(cfg), tokJson);
      }
    }
    return dir.resolve("run").resolve("final");
  }
}
