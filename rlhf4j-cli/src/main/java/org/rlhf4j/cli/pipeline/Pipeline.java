package org.rlhf4j.cli.pipeline;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.rlhf4j.core.bestofn.BestOfN;
import org.rlhf4j.core.bestofn.BestOfNConfig;
import org.rlhf4j.core.bestofn.ExpertIteration;
import org.rlhf4j.core.bestofn.ExpertIterationConfig;
import org.rlhf4j.core.checkpoint.Checkpoint;
import org.rlhf4j.core.checkpoint.HfConfig;
import org.rlhf4j.core.checkpoint.ModelCheckpoints;
import org.rlhf4j.core.dpo.DpoConfig;
import org.rlhf4j.core.dpo.DpoTrainer;
import org.rlhf4j.core.generate.Generation;
import org.rlhf4j.core.generate.Generator;
import org.rlhf4j.core.generate.SamplingConfig;
import org.rlhf4j.core.ppo.PpoConfig;
import org.rlhf4j.core.ppo.PpoMath;
import org.rlhf4j.core.ppo.PpoTrainer;
import org.rlhf4j.core.reward.RewardConfig;
import org.rlhf4j.core.reward.RewardModel;
import org.rlhf4j.core.reward.RewardTrainer;
import org.rlhf4j.core.tokenizer.Tokenizer;
import org.rlhf4j.core.train.CorpusTokens;
import org.rlhf4j.core.train.Examples;
import org.rlhf4j.core.train.MetricsLog;
import org.rlhf4j.core.train.OptimizerConfig;
import org.rlhf4j.core.train.SftConfig;
import org.rlhf4j.core.train.SftTrainer;
import org.rlhf4j.core.train.StepListener;
import org.rlhf4j.core.train.TokenWindows;
import org.rlhf4j.data.Jsonl;
import org.rlhf4j.data.Ranking;
import org.rlhf4j.world.Labeler;
import org.rlhf4j.world.Split;
import org.rlhf4j.world.Task;
import org.rlhf4j.world.World;
import org.rlhf4j.world.WorldConfig;
import org.rlhf4j.world.corpus.Corpus;
import org.rlhf4j.world.corpus.CorpusBuilder;

/**
 * The InstructGPT study at small scale, end to end on the embedded world: base models, SFT (small
 * and large), K-way rankings by the training labelers, the reward model, PPO and PPO-ptx, the
 * comparison methods (best-of-n, DPO, expert iteration), evaluation by the held-out labelers and
 * the gold judge, and the report. Each stage is cached by content ({@link StageCache}).
 */
public final class Pipeline {
  /** Reports progress: the stage line and the per-stage bar. */
  public interface Listener {
    void stageStarted(int index, int total, String name, double etaSeconds);

    void stageFinished(int index, int total, String name, double seconds, boolean cached);

    /** A progress bar for a training loop inside the current stage. */
    StepListener bar(String task, long total);
  }

  static final String[] STAGES = {
    "corpus", "sft-small", "sft-large", "rankings", "reward", "ppo", "ppo-ptx", "ppo-nokl", "best-of-n", "dpo",
    "expert-iteration", "evaluate"
  };

  private static final ObjectMapper JSON = Results.MAPPER;


  private final PipelineConfig cfg;
  private final Path out;
  private final Path baseSmall;
  private final Path baseLarge;
  private final Device device;
  private final Listener listener;
  private final StageCache cache;
  /** Part of every stage key: the stages' code itself, so a cached stage always comes from this code. */
  private final String code = CodeFingerprint.current();
  private final List<Results.Stage> stageTimes = new ArrayList<>();
  private final Map<String, List<Map<String, Double>>> curves = new LinkedHashMap<>();
  private int stageIndex;

  public Pipeline(PipelineConfig cfg, Path out, Path baseSmall, Path baseLarge, Device device, Listener listener) {
    this.cfg = cfg;
    this.out = out;
    this.baseSmall = baseSmall;
    this.baseLarge = baseLarge;
    this.device = device;
    this.listener = listener;
    this.cache = new StageCache(out.resolve("stages"));
  }

  /** Runs every stage (reusing cached ones) and returns the results (also written to disk). */
  public Results run() throws Exception {
    for (Path base : List.of(baseSmall, baseLarge)) {
      if (!ModelCheckpoints.exists(base)) {
        throw new IllegalArgumentException("base model " + base + " is missing (config.json and model.safetensors);"
            + " models/README.md says how to pretrain it with `rlhf4j pretrain` (or resume its run); to rehearse the"
            + " pipeline meanwhile, give another base model, e.g. --base-large models/small");
      }
    }
    Files.createDirectories(out);
    Path tokJson = Checkpoint.tokenizer(baseSmall)
        .orElseThrow(() -> new IOException(baseSmall + " has no tokenizer.json"));
    World world = World.create(WorldConfig.defaults().withPrompts(4000, 400, Math.max(400, cfg.evalPrompts())));
    List<Task> train = world.tasks(Split.TRAIN);
    List<Task> valid = world.tasks(Split.VALID);
    List<Task> eval = world.tasks(Split.EVAL).subList(0, Math.min(cfg.evalPrompts(), world.tasks(Split.EVAL).size()));

    try (Tokenizer tok = Tokenizer.load(tokJson)) {
      // 0. The pretraining corpus (PPO-ptx mixes it in; perplexity is measured on its validation split).
      StageCache.Outcome corpus = stage("corpus", StageCache.key("corpus", code, world.config().corpus().toString()), dir -> {
        CorpusBuilder.build(world.config().corpus()).write(dir);
        return null;
      });

      // 1. SFT on demonstrations, small and large; the checkpoint with the best validation loss.
      StageCache.Outcome sftSmall = stage("sft-small", StageCache.key("sft", code, cfg.stageKey("sft-small"), baseSmall), dir ->
          sft(baseSmall, train.subList(0, Math.min(cfg.sftDemos(), train.size())), valid, cfg.sftEpochs(), tok, tokJson, dir));
      StageCache.Outcome sftLarge = stage("sft-large", StageCache.key("sft", code, cfg.stageKey("sft-large"), baseLarge), dir ->
          sft(baseLarge, train.subList(0, Math.min(cfg.sftLargeDemos(), train.size())), valid, cfg.sftLargeEpochs(), tok,
              tokJson, dir));
      Path sftSmallModel = sftSmall.dir().resolve("best");

      // 2. Sample K responses per prompt from small SFT; training labelers rank them.
      StageCache.Outcome rankings = stage("rankings", StageCache.key("rankings", code, cfg.stageKey("rankings"), sftSmall.key()), dir ->
          rankings(world, sftSmallModel, train, eval, tok, dir));

      // 3. The reward model: small SFT with a scalar head, K-way loss, demonstrations at 0.
      StageCache.Outcome reward = stage("reward", StageCache.key("reward", code, cfg.stageKey("reward"), rankings.key()), dir ->
          reward(sftSmallModel, rankings.dir(), train, tok, tokJson, dir));
      Path rmModel = reward.dir().resolve("final");

      // 4. PPO, PPO-ptx, and (optionally) PPO without a KL penalty for the over-optimisation curve.
      List<String> trainPrompts = train.stream().map(Task::prompt).toList();
      Map<String, List<Results.HackingPoint>> hackingRl = new LinkedHashMap<>();
      StageCache.Outcome ppo = stage("ppo", StageCache.key("ppo", code, cfg.stageKey("ppo"), reward.key()), dir ->
          ppo(world, sftSmallModel, rmModel, trainPrompts, null, cfg.beta(), cfg.ppoIterations(), tok, tokJson, dir));
      Path corpusDir = corpus.dir();
      StageCache.Outcome ppoPtx = stage("ppo-ptx", StageCache.key("ppo-ptx", code, cfg.stageKey("ppo-ptx"), reward.key(), corpus.key()), dir ->
          ppo(world, sftSmallModel, rmModel, trainPrompts, corpusDir, cfg.beta(), cfg.ppoIterations(), tok, tokJson, dir));
      StageCache.Outcome ppoNoKl = cfg.hackIterations() > 0
          ? stage("ppo-nokl", StageCache.key("ppo-nokl", code, cfg.stageKey("ppo-nokl"), reward.key()), dir ->
              ppo(world, sftSmallModel, rmModel, trainPrompts, null, 0.0, cfg.hackIterations(), tok, tokJson, dir))
          : skip("ppo-nokl");

      // 5. Comparison methods from the same SFT model and the same labels.
      StageCache.Outcome bon = stage("best-of-n", StageCache.key("bon", code, cfg.stageKey("best-of-n"), reward.key()), dir ->
          bestOfN(world, sftSmallModel, rmModel, eval, tok, dir));
      StageCache.Outcome dpo = stage("dpo", StageCache.key("dpo", code, cfg.stageKey("dpo"), rankings.key()), dir ->
          dpo(sftSmallModel, rankings.dir(), tok, tokJson, dir));
      StageCache.Outcome ei = stage("expert-iteration", StageCache.key("ei", code, cfg.stageKey("expert-iteration"), reward.key()), dir ->
          expertIteration(sftSmallModel, rmModel, train, tok, tokJson, dir));

      // 6. Evaluation on held-out prompts by held-out labelers and the gold judge. The capability
      //    benchmarks (the alignment tax) run for base, SFT, PPO and PPO-ptx, as in the paper.
      Map<String, Evaluation.Entry> entries = new LinkedHashMap<>();
      entries.put("large-base", new Evaluation.Entry(baseLarge, "GPT-3 175B", null, false, true));
      entries.put("large-base-prompted", new Evaluation.Entry(baseLarge, "GPT-3 175B prompted (few-shot)", null, true, false));
      entries.put("small-base", new Evaluation.Entry(baseSmall, "GPT-3 1.3B", null, false, true));
      entries.put("small-sft", new Evaluation.Entry(sftSmallModel, "SFT 1.3B", null, false, true));
      entries.put("large-sft", new Evaluation.Entry(sftLarge.dir().resolve("best"), "SFT 175B (baseline)", null, false, false));
      entries.put("small-ppo", new Evaluation.Entry(ppo.dir().resolve("final"), "InstructGPT 1.3B PPO", null, false, true));
      entries.put("small-ppo-ptx", new Evaluation.Entry(ppoPtx.dir().resolve("final"), "InstructGPT 1.3B PPO-ptx", null, false, true));
      entries.put("small-best-of-" + cfg.bonEvalN(), new Evaluation.Entry(sftSmallModel, "best-of-" + cfg.bonEvalN() + " on SFT 1.3B",
          rmModel, false, false));
      entries.put("small-dpo", new Evaluation.Entry(dpo.dir().resolve("final"), "DPO 1.3B", null, false, false));
      entries.put("small-expert-iteration", new Evaluation.Entry(ei.dir().resolve("final"), "expert iteration 1.3B", null, false,
          false));
      Evaluation evaluation = new Evaluation(cfg, world, eval, train, tok, device, corpusDir, sftSmallModel);
      StageCache.Outcome ev = stage("evaluate", StageCache.key("eval", code, cfg.stageKey("evaluate"), sftSmall.key(), sftLarge.key(), ppo.key(),
          ppoPtx.key(), bon.key(), dpo.key(), ei.key(), baseSmall, baseLarge), dir -> evaluation.run(entries, "large-sft", dir));

      // 7. Results, claims and the report.
      Map<String, Results.ModelEval> models = new LinkedHashMap<>();
      ev.summary().path("models").fields().forEachRemaining(e ->
          models.put(e.getKey(), JSON.convertValue(e.getValue(), Results.ModelEval.class)));
      addTrainSeconds(models, sftSmall, "small-sft");
      addTrainSeconds(models, sftLarge, "large-sft");
      addTrainSeconds(models, ppo, "small-ppo");
      addTrainSeconds(models, ppoPtx, "small-ppo-ptx");
      addTrainSeconds(models, dpo, "small-dpo");
      addTrainSeconds(models, ei, "small-expert-iteration");
      addTrainSeconds(models, bon, "small-best-of-" + cfg.bonEvalN());
      for (String m : List.of("small-ppo", "small-ppo-ptx")) {
        Results.ModelEval e = models.get(m);
        StageCache.Outcome o = m.equals("small-ppo") ? ppo : ppoPtx;
        double kl = o.summary().path("kl").asDouble(Double.NaN);
        if (e != null && e.klToSft() == null && Double.isFinite(kl)) {
          models.put(m, withKl(e, kl));
        }
      }
      Results.Agreement agreement = JSON.convertValue(rankings.summary().path("agreement"), Results.Agreement.class);
      Results.RewardAccuracy rmAcc = JSON.convertValue(reward.summary().path("accuracy"), Results.RewardAccuracy.class);
      List<Results.HackingPoint> rlPoints = new ArrayList<>();
      StageCache.Outcome hackSource = ppoNoKl.dir() != null ? ppoNoKl : ppo;
      for (JsonNode p : hackSource.summary().path("hacking")) {
        rlPoints.add(JSON.convertValue(p, Results.HackingPoint.class));
      }
      List<Results.HackingPoint> bonPoints = new ArrayList<>();
      for (JsonNode p : bon.summary().path("curve")) {
        bonPoints.add(JSON.convertValue(p, Results.HackingPoint.class));
      }
      Results.Hacking hacking = Hacking.analyse(rlPoints, bonPoints);
      Map<String, Object> config = JSON.convertValue(cfg, Map.class);
      config.put("base_small", baseSmall.toString());
      config.put("base_large", baseLarge.toString());
      config.put("device", device.toString());
      config.put("eval_prompts_used", eval.size());
      config.put("ppo_source_of_hacking_curve", hackSource == ppoNoKl ? "ppo-nokl (beta = 0)" : "ppo");
      JsonNode headline = ev.summary().path("headline");
      Results partial = new Results(config, stageTimes, models, "large-sft", agreement, rmAcc, curves, hacking, List.of());
      Results results = new Results(config, stageTimes, models, "large-sft", agreement, rmAcc, curves, hacking,
          Claims.of(partial, headline), SourceTree.provenance(code));
      results.write(out.resolve("results.json"));
      Report.writeHtml(results, out.resolve("report.html"));
      return results;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Stages

  private JsonNode sft(Path base, List<Task> demos, List<Task> valid, int epochs, Tokenizer tok, Path tokJson, Path dir)
      throws IOException {
    try (ModelCheckpoints.LoadedModel lm = ModelCheckpoints.load(base, device)) {
      int ctx = lm.model().config().contextLength();
      List<Examples.TokenPair> data = Examples.tokenize(demos.stream().map(Task::prompt).toList(),
          demos.stream().map(Task::demonstration).toList(), tok, ctx, "world demonstrations");
      List<Task> v = valid.subList(0, Math.min(100, valid.size()));
      List<Examples.TokenPair> val = Examples.tokenize(v.stream().map(Task::prompt).toList(),
          v.stream().map(Task::demonstration).toList(), tok, ctx, "world validation demonstrations");
      SftConfig sc = new SftConfig(epochs, 16, 16, OptimizerConfig.cosine(cfg.sftLr(), 10), cfg.sftDropout(), 0.0, 0, 0, 5,
          cfg.seed());
      StepListener bar = listener.bar("sft " + base.getFileName(), (long) sc.epochs() * ((data.size() + sc.batchSize() - 1) / sc.batchSize()));
      SftTrainer.Result r = new SftTrainer(sc, bar).run(lm.model(), data, null, SftTrainer.validationLoss(val, 16), dir, lm.config(), tokJson);
      closeBar(bar);
      ObjectNode s = JSON.createObjectNode();
      s.put("steps", r.steps()).put("final_loss", r.finalLoss()).put("best_val_loss", r.bestScore()).put("best_step", r.bestStep());
      return s;
    }
  }

  private JsonNode rankings(World world, Path sftModel, List<Task> train, List<Task> eval, Tokenizer tok, Path dir)
      throws IOException {
    Random rng = new Random(cfg.seed());
    int from = Math.min(cfg.sftDemos(), Math.max(0, train.size() - cfg.rmPrompts()));
    List<Task> tasks = train.subList(from, Math.min(train.size(), from + cfg.rmPrompts()));
    List<Task> heldOut = eval.subList(0, Math.min(cfg.rmEvalPrompts(), eval.size()));
    try (ModelCheckpoints.LoadedModel lm = ModelCheckpoints.load(sftModel, device)) {
      List<List<String>> trainResponses = sampleK(lm, tasks, tok, 1);
      List<List<String>> evalResponses = sampleK(lm, heldOut, tok, 2);
      List<Labeler> trainingPool = world.labelers().training();
      List<Labeler> heldOutPool = world.labelers().heldOut();
      List<Ranking> trainRankings = new ArrayList<>();
      for (int i = 0; i < tasks.size(); i++) {
        Ranking r = trainingPool.get(rng.nextInt(trainingPool.size())).ranking(tasks.get(i), trainResponses.get(i));
        if (r != null) {
          trainRankings.add(r); // a labeler who ties every response carries no preference
        }
      }
      List<Ranking> evalByTraining = new ArrayList<>();
      List<Ranking> evalByHeldOut = new ArrayList<>();
      for (int i = 0; i < heldOut.size(); i++) {
        Ranking a = trainingPool.get(rng.nextInt(trainingPool.size())).ranking(heldOut.get(i), evalResponses.get(i));
        Ranking b = heldOutPool.get(rng.nextInt(heldOutPool.size())).ranking(heldOut.get(i), evalResponses.get(i));
        if (a != null) {
          evalByTraining.add(a);
        }
        if (b != null) {
          evalByHeldOut.add(b);
        }
      }
      Jsonl.write(dir.resolve("rankings.jsonl"), trainRankings);
      Jsonl.write(dir.resolve("eval_rankings_training_labelers.jsonl"), evalByTraining);
      Jsonl.write(dir.resolve("eval_rankings_heldout_labelers.jsonl"), evalByHeldOut);
    }
    org.rlhf4j.world.Agreement.Report agreement = org.rlhf4j.world.Agreement.measure(world);
    ObjectNode s = JSON.createObjectNode();
    s.put("rankings", tasks.size()).put("k", cfg.k());
    s.putObject("agreement").put("training", 100 * agreement.training()).put("held_out", 100 * agreement.heldOut());
    return s;
  }

  /** K samples at temperature 1 for each task, as InstructGPT sampled the outputs labelers ranked. */
  private List<List<String>> sampleK(ModelCheckpoints.LoadedModel lm, List<Task> tasks, Tokenizer tok, long seed) {
    List<String> prompts = new ArrayList<>();
    for (Task t : tasks) {
      for (int j = 0; j < cfg.k(); j++) {
        prompts.add(t.prompt());
      }
    }
    List<String> flat = ModelScorer.respond(lm.model(), tok, prompts,
        SamplingConfig.sample(cfg.maxNewTokens(), cfg.seed() * 31 + seed), 64);
    List<List<String>> out = new ArrayList<>();
    for (int i = 0; i < tasks.size(); i++) {
      out.add(new ArrayList<>(flat.subList(i * cfg.k(), (i + 1) * cfg.k())));
    }
    return out;
  }

  private JsonNode reward(Path sftModel, Path rankingsDir, List<Task> train, Tokenizer tok, Path tokJson, Path dir)
      throws IOException {
    List<Ranking> rankings = Jsonl.read(rankingsDir.resolve("rankings.jsonl"), Ranking.class);
    // InstructGPT adds a bias so that labeler demonstrations score 0 on average.
    List<Task> demos = train.subList(0, Math.min(train.size(), Math.min(cfg.sftDemos(), 500)));
    RewardTrainer.NormalizationSet norm = new RewardTrainer.NormalizationSet(
        demos.stream().map(Task::prompt).toList(), demos.stream().map(Task::demonstration).toList());
    RewardConfig rc = new RewardConfig(16, 8, cfg.rmEpochs(), OptimizerConfig.cosine(cfg.rmLr(), 3),
        RewardConfig.Normalization.DEMONSTRATIONS, 32, 0, 1, cfg.seed());
    try (ModelCheckpoints.LoadedModel lm = ModelCheckpoints.load(sftModel, device)) {
      StepListener bar = listener.bar("reward model", rc.stepsPerEpoch(rankings.size()) * rc.epochs());
      RewardTrainer trainer = new RewardTrainer(rc, bar);
      RewardTrainer.Result r = trainer.run(lm.model(), tok, rankings, "rankings.jsonl", norm, dir, lm.config(), tokJson);
      closeBar(bar);
      RewardTrainer.Evaluation byTraining = trainer.evaluate(lm.model(), tok,
          Jsonl.read(rankingsDir.resolve("eval_rankings_training_labelers.jsonl"), Ranking.class));
      RewardTrainer.Evaluation byHeldOut = trainer.evaluate(lm.model(), tok,
          Jsonl.read(rankingsDir.resolve("eval_rankings_heldout_labelers.jsonl"), Ranking.class));
      ObjectNode s = JSON.createObjectNode();
      s.put("train_accuracy", r.finalAccuracy()).put("gain", r.gain()).put("bias", r.bias());
      ObjectNode acc = s.putObject("accuracy");
      acc.put("training_labelers", 100 * byTraining.accuracy());
      acc.put("held_out_labelers", 100 * byHeldOut.accuracy());
      ObjectNode cat = acc.putObject("by_category");
      byHeldOut.byCategory().forEach((k, v) -> cat.put(k, 100 * v.accuracy()));
      return s;
    }
  }

  private JsonNode ppo(World world, Path sftModel, Path rmModel, List<String> prompts, Path corpusDir, double beta,
      int iterations, Tokenizer tok, Path tokJson, Path dir) throws IOException {
    PpoConfig pc = PpoConfig.instructGpt(iterations, cfg.ppoEpisodes(), cfg.ppoMiniBatch(), cfg.maxNewTokens())
        .withOptimizers(OptimizerConfig.constant(cfg.ppoLr(), 2), OptimizerConfig.constant(cfg.ppoLr(), 2))
        .withKl(new PpoConfig.Kl(beta, PpoMath.KlEstimator.K1, false, 6.0, 10_000))
        .withEma(new PpoConfig.Ema(true, cfg.emaDecay()))
        .withCheckpointEvery(Math.max(1, iterations / 4));
    TokenWindows ptx = null;
    if (corpusDir != null) {
      pc = pc.withPtx(new PpoConfig.Ptx(cfg.ptxCoef(), cfg.ptxRatio(), 64));
      ptx = new TokenWindows(CorpusTokens.load(corpusDir.resolve(Corpus.TRAIN_FILE), tok, dir.resolve("tokens")), 64, cfg.seed());
    }
    List<Results.HackingPoint> hacking = new ArrayList<>();
    try (ModelCheckpoints.LoadedModel policy = ModelCheckpoints.load(sftModel, device);
        ModelCheckpoints.LoadedModel ref = ModelCheckpoints.load(sftModel, device);
        RewardModel rm = RewardModel.load(rmModel, device)) {
      try (var value = rm.model().copy()) {
        PpoTrainer.RolloutListener gold = (it, ps, rs, scores, kl) -> {
          double g = 0;
          double proxy = 0;
          double k = 0;
          for (int i = 0; i < ps.size(); i++) {
            Task t = world.taskForPrompt(ps.get(i));
            g += t == null ? 0 : world.judge().judge(t, rs.get(i)).score();
            proxy += scores[i];
            k += kl[i];
          }
          int n = ps.size();
          hacking.add(new Results.HackingPoint(it, Math.sqrt(Math.max(0, k / n)), g / n, proxy / n));
        };
        StepListener bar = listener.bar(dir.getFileName().toString(), iterations);
        PpoTrainer.Result r = new PpoTrainer(pc, bar, gold).run(
            new PpoTrainer.Models(policy.model(), ref.model(), value, tok, rm), prompts, ptx, dir, policy.config(),
            HfConfig.of(value.config()), tokJson);
        closeBar(bar);
        ObjectNode s = JSON.createObjectNode();
        s.put("rm_score", r.finalScore()).put("kl", r.finalKl()).put("beta", r.beta());
        s.set("hacking", JSON.valueToTree(hacking));
        return s;
      }
    }
  }

  private JsonNode bestOfN(World world, Path sftModel, Path rmModel, List<Task> eval, Tokenizer tok, Path dir) throws IOException {
    List<Task> tasks = eval.subList(0, Math.min(cfg.bonPrompts(), eval.size()));
    try (ModelCheckpoints.LoadedModel lm = ModelCheckpoints.load(sftModel, device);
        RewardModel rm = RewardModel.load(rmModel, device)) {
      BestOfNConfig bc = new BestOfNConfig(cfg.bonMaxN(), SamplingConfig.sample(cfg.maxNewTokens(), cfg.seed()), 64, true, -1.0);
      List<BestOfN.Candidates> cands = BestOfN.sample(lm.model(), tok, tasks.stream().map(Task::prompt).toList(), rm, bc);
      double[][] gold = new double[tasks.size()][];
      for (int i = 0; i < tasks.size(); i++) {
        List<String> rs = cands.get(i).responses();
        gold[i] = new double[rs.size()];
        for (int j = 0; j < rs.size(); j++) {
          gold[i][j] = world.judge().judge(tasks.get(i), rs.get(j)).score();
        }
      }
      List<Results.HackingPoint> curve = new ArrayList<>();
      for (int n = 1; n <= cfg.bonMaxN(); n *= 2) {
        double g = 0;
        double p = 0;
        for (int i = 0; i < tasks.size(); i++) {
          double[] sc = cands.get(i).scores();
          int best = 0;
          for (int j = 1; j < n; j++) {
            if (sc[j] > sc[best]) {
              best = j;
            }
          }
          g += gold[i][best];
          p += sc[best];
        }
        curve.add(new Results.HackingPoint(n, Math.sqrt(BestOfN.analyticKl(n)), g / tasks.size(), p / tasks.size()));
      }
      ObjectNode s = JSON.createObjectNode();
      s.set("curve", JSON.valueToTree(curve));
      return s;
    }
  }

  private JsonNode dpo(Path sftModel, Path rankingsDir, Tokenizer tok, Path tokJson, Path dir) throws IOException {
    List<Ranking> rankings = Jsonl.read(rankingsDir.resolve("rankings.jsonl"), Ranking.class);
    DpoConfig dc = new DpoConfig(cfg.dpoBeta(), DpoConfig.Loss.SIGMOID, false, 16, 8, cfg.dpoEpochs(),
        OptimizerConfig.constant(cfg.dpoLr(), 5), 0, 1, cfg.seed());
    try (ModelCheckpoints.LoadedModel policy = ModelCheckpoints.load(sftModel, device);
        ModelCheckpoints.LoadedModel ref = ModelCheckpoints.load(sftModel, device)) {
      StepListener bar = listener.bar("dpo", dc.stepsPerEpoch(rankings.size()) * dc.epochs());
      DpoTrainer.Result r = new DpoTrainer(dc, bar).run(policy.model(), ref.model(), tok, rankings, "rankings.jsonl", dir,
          policy.config(), tokJson);
      closeBar(bar);
      ObjectNode s = JSON.createObjectNode();
      s.put("final_loss", r.finalLoss()).put("final_accuracy", r.finalAccuracy());
      return s;
    }
  }

  private JsonNode expertIteration(Path sftModel, Path rmModel, List<Task> train, Tokenizer tok, Path tokJson, Path dir)
      throws IOException {
    int from = Math.min(train.size() - 1, cfg.sftDemos() + cfg.rmPrompts());
    List<String> prompts = train.subList(from, Math.min(train.size(), from + cfg.eiPrompts())).stream().map(Task::prompt).toList();
    ExpertIterationConfig ec = new ExpertIterationConfig(cfg.eiRounds(),
        new BestOfNConfig(cfg.eiN(), SamplingConfig.sample(cfg.maxNewTokens(), cfg.seed()), 64, true, -1.0), 1, 16,
        OptimizerConfig.constant(1e-4, 2), cfg.seed());
    try (ModelCheckpoints.LoadedModel lm = ModelCheckpoints.load(sftModel, device);
        RewardModel rm = RewardModel.load(rmModel, device)) {
      StepListener bar = listener.bar("expert iteration", cfg.eiRounds());
      List<ExpertIteration.RoundMetrics> rounds = new ExpertIteration(ec, bar).run(lm.model(), tok, prompts, rm, dir, lm.config(), tokJson);
      closeBar(bar);
      ObjectNode s = JSON.createObjectNode();
      s.set("rounds", JSON.valueToTree(rounds));
      return s;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Plumbing

  private StageCache.Outcome stage(String name, String key, StageCache.Body body) throws Exception {
    stageIndex++;
    listener.stageStarted(stageIndex, STAGES.length, name, Double.NaN);
    StageCache.Outcome o = cache.run(name, key, body);
    stageTimes.add(new Results.Stage(name, o.seconds(), o.cached(), key));
    listener.stageFinished(stageIndex, STAGES.length, name, o.seconds(), o.cached());
    Path metrics = o.dir().resolve("metrics.jsonl");
    if (Files.isRegularFile(metrics)) {
      curves.put(name, new MetricsLog(metrics).read());
    }
    return o;
  }

  private StageCache.Outcome skip(String name) {
    stageIndex++;
    return new StageCache.Outcome(null, "skipped", JSON.createObjectNode(), 0, true);
  }

  private static void closeBar(StepListener bar) {
    if (bar instanceof AutoCloseable c) {
      try {
        c.close();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
  }

  private static void addTrainSeconds(Map<String, Results.ModelEval> models, StageCache.Outcome o, String name) {
    Results.ModelEval e = models.get(name);
    if (e != null) {
      models.put(name, e.withTrainSeconds(o.seconds()));
    }
  }

  private static Results.ModelEval withKl(Results.ModelEval e, double kl) {
    return e.withKlToSft(kl);
  }

  /** Prints the console table of a finished run. */
  public static void print(Results results, PrintStream outStream) {
    outStream.println(Report.consoleTable(results));
  }
}
