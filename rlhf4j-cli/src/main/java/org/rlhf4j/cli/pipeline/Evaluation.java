package org.rlhf4j.cli.pipeline;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.rlhf4j.core.bestofn.BestOfN;
import org.rlhf4j.core.bestofn.BestOfNConfig;
import org.rlhf4j.core.checkpoint.ModelCheckpoints;
import org.rlhf4j.core.generate.SamplingConfig;
import org.rlhf4j.core.reward.RewardModel;
import org.rlhf4j.core.tokenizer.Tokenizer;
import org.rlhf4j.world.GoldReport;
import org.rlhf4j.world.HarmVariant;
import org.rlhf4j.world.InstructionFollowing;
import org.rlhf4j.world.Labeler;
import org.rlhf4j.world.Proportion;
import org.rlhf4j.world.Split;
import org.rlhf4j.world.Task;
import org.rlhf4j.world.WinRate;
import org.rlhf4j.world.World;
import org.rlhf4j.world.bench.BenchmarkResult;
import org.rlhf4j.world.bench.CapabilityBenchmarks;
import org.rlhf4j.world.corpus.Corpus;

/**
 * The paper's evaluation on held-out prompts (section 4): each model answers every evaluation
 * prompt; the held-out labelers (who produced no training data) compare it with the baseline and
 * rate it on a 1-7 Likert scale; the gold judge supplies the metadata rates (fails to follow,
 * closed-domain hallucination, inappropriate) and toxicity per harm-bait variant; likelihood
 * benchmarks measure the alignment tax. Responses are kept on disk so an interrupted evaluation
 * resumes model by model.
 */
public final class Evaluation {
  /**
   * A model to evaluate.
   *
   * @param model checkpoint directory
   * @param role what it stands for in the paper
   * @param bestOfNReward when set, the row is best-of-n on {@code model} under this reward model
   * @param fewShot prefix each prompt with demonstrations (the paper's "GPT-3 prompted")
   * @param benchmarks run the capability benchmarks and the dedicated toxicity evaluation for
   *     this row
   */
  public record Entry(Path model, String role, Path bestOfNReward, boolean fewShot, boolean benchmarks) {}

  private static final ObjectMapper JSON = Results.MAPPER;

  private final PipelineConfig cfg;
  private final World world;
  private final List<Task> eval;
  private final List<Task> train;
  private final Tokenizer tok;
  private final Device device;
  private final Path corpusDir;
  private final Path sftSmall;

  /**
   * @param sftSmall the SFT model KL is measured against, or null for none
   * @param corpusDir the corpus directory (valid.txt gives the perplexity documents)
   */
  public Evaluation(PipelineConfig cfg, World world, List<Task> eval, List<Task> train, Tokenizer tok, Device device, Path corpusDir,
      Path sftSmall) {
    this.cfg = cfg;
    this.world = world;
    this.eval = eval;
    this.train = train;
    this.tok = tok;
    this.device = device;
    this.corpusDir = corpusDir;
    this.sftSmall = sftSmall;
  }

  /** Evaluates every entry, writes responses under {@code dir}, returns the summary. */
  public JsonNode run(Map<String, Entry> entries, String baseline, Path dir) throws IOException {
    Map<String, List<String>> responses = new LinkedHashMap<>();
    Map<String, ObjectNode> rows = new LinkedHashMap<>();
    List<String> validDocs = Corpus.readDocuments(corpusDir.resolve(Corpus.VALID_FILE));
    validDocs = validDocs.subList(0, Math.min(cfg.perplexityDocs(), validDocs.size()));
    CapabilityBenchmarks benchmarks = new CapabilityBenchmarks(world.lexicon(), world.config().corpus());
    for (Map.Entry<String, Entry> e : entries.entrySet()) {
      String name = e.getKey();
      Entry entry = e.getValue();
      ObjectNode row = JSON.createObjectNode();
      row.put("role", entry.role());
      try (ModelCheckpoints.LoadedModel lm = ModelCheckpoints.load(entry.model(), device)) {
        row.put("parameters", lm.model().parameterCount());
        List<String> rs = cachedResponses(dir, name, eval.size(), () -> respond(lm, entry));
        responses.put(name, rs);
        GoldReport gold = GoldReport.of(world.judge(), eval, rs);
        row.put("likert", likert(rs, name));
        row.put("gold_score", gold.meanScore());
        row.put("fails_instruction", gold.failsInstruction());
        if (Double.isFinite(gold.hallucination())) {
          row.put("hallucination", gold.hallucination());
          row.put("invented_share", gold.inventedShare());
        }
        row.put("inappropriate", gold.inappropriate());
        // What a person checking the answers would see (issue 15): strict correctness, held-out
        // phrasings, the asked word, collapse and the fixed sample answers.
        row.set("instruction_following",
            JSON.valueToTree(InstructionFollowing.of(world.judge(), eval, rs)));
        ObjectNode tox = row.putObject("toxicity");
        List<Task> toxTasks = world.harmBait(Split.EVAL);
        if (entry.benchmarks() && cfg.toxicitySamples() > 0 && !toxTasks.isEmpty()) {
          // The dedicated toxicity evaluation: every held-out harm-bait prompt, several samples
          // each, so that each variant's rate rests on several times the responses the evaluation
          // prompts hold (60 per variant at 4 samples, against 13).
          List<Task> repeated = new ArrayList<>();
          for (Task t : toxTasks) {
            for (int i = 0; i < cfg.toxicitySamples(); i++) {
              repeated.add(t);
            }
          }
          List<String> toxResponses = cachedResponses(dir, "toxicity-" + name, repeated.size(),
              () -> ModelScorer.respond(lm.model(), tok, repeated.stream().map(Task::prompt).toList(),
                  new SamplingConfig(cfg.maxNewTokens(), cfg.evalTemperature(), 0, 1f, cfg.seed() + 11), 64));
          GoldReport.of(world.judge(), repeated, toxResponses).toxicityByVariant()
              .forEach((v, rate) -> tox.put(variantKey(v), rate));
          row.put("toxicity_responses", repeated.size() / 3);
        } else {
          gold.toxicityByVariant().forEach((v, rate) -> tox.put(variantKey(v), rate));
          row.put("toxicity_responses", gold.toxicityByVariant().isEmpty() ? 0
              : (int) eval.stream().filter(t -> t.variant() != HarmVariant.NONE).count() / 3);
        }
        if (entry.benchmarks()) {
          ObjectNode b = row.putObject("benchmarks");
          for (BenchmarkResult r : benchmarks.runAll(new ModelScorer(lm.model(), tok), validDocs, cfg.benchItems(),
              cfg.benchShots(), cfg.seed())) {
            b.put(r.name(), r.value());
          }
        }
        boolean smallFamily = sftSmall != null && lm.model().config().equals(configOf(sftSmall));
        if (smallFamily && entry.bestOfNReward() == null && !entry.model().equals(sftSmall)) {
          try (ModelCheckpoints.LoadedModel sft = ModelCheckpoints.load(sftSmall, device)) {
            row.put("kl_to_sft", ModelScorer.klPerResponse(lm.model(), sft.model(), tok,
                eval.stream().map(Task::prompt).toList(), rs, 32, cfg.evalTemperature()));
          }
        } else if (entry.bestOfNReward() != null) {
          row.put("kl_to_sft", BestOfN.analyticKl(cfg.bonEvalN()));
        } else if (sftSmall != null && entry.model().equals(sftSmall)) {
          row.put("kl_to_sft", 0.0);
        }
      }
      rows.put(name, row);
    }
    // Win rates against the baseline, judged by the held-out labelers.
    List<String> base = responses.get(baseline);
    for (Map.Entry<String, ObjectNode> e : rows.entrySet()) {
      e.getValue().set("win_rate", JSON.valueToTree(winRate(e.getKey(), responses.get(e.getKey()), baseline, base)));
    }
    ObjectNode summary = JSON.createObjectNode();
    ObjectNode models = summary.putObject("models");
    rows.forEach(models::set);
    // The paper's headline comparisons, judged directly.
    ObjectNode headline = summary.putObject("headline");
    putWin(headline, "small_ppo_ptx_vs_large_base", responses, "small-ppo-ptx", "large-base");
    putWin(headline, "small_ppo_ptx_vs_large_base_prompted", responses, "small-ppo-ptx", "large-base-prompted");
    putWin(headline, "small_ppo_vs_small_sft", responses, "small-ppo", "small-sft");
    putWin(headline, "small_ppo_ptx_vs_small_base", responses, "small-ppo-ptx", "small-base");
    return summary;
  }

  private void putWin(ObjectNode headline, String key, Map<String, List<String>> responses, String a, String b) {
    if (responses.containsKey(a) && responses.containsKey(b)) {
      headline.set(key, JSON.valueToTree(winRate(a, responses.get(a), b, responses.get(b))));
    }
  }

  private Results.Interval winRate(String a, List<String> ra, String b, List<String> rb) {
    WinRate.Result r = WinRate.heldOut(world, eval, a, ra, b, rb);
    int n = eval.size();
    double[] ci = wilson(r.winRate(), n);
    return new Results.Interval(r.winRate(), ci[0], ci[1], n);
  }

  /**
   * 95% Wilson score interval of a proportion (ties counted one half, as in the win rate), with
   * n the number of prompts: the labelers' judgments of one prompt are not independent, so the
   * prompt is the sampling unit.
   */
  static double[] wilson(double p, int n) {
    return Proportion.wilson(p, n);
  }

  /** Mean Likert 1-7 over every held-out labeler's rating of every response (no random draw). */
  private double likert(List<String> rs, String model) {
    List<Labeler> pool = world.labelers().heldOut();
    double s = 0;
    for (int i = 0; i < eval.size(); i++) {
      for (Labeler l : pool) {
        s += l.rate(eval.get(i), rs.get(i), model).likert();
      }
    }
    return s / (eval.size() * (double) pool.size());
  }

  private List<String> respond(ModelCheckpoints.LoadedModel lm, Entry entry) throws IOException {
    List<String> prompts = new ArrayList<>();
    String prefix = entry.fewShot() ? fewShotPrefix() : "";
    for (Task t : eval) {
      prompts.add(prefix + t.prompt());
    }
    SamplingConfig sc = new SamplingConfig(cfg.maxNewTokens(), cfg.evalTemperature(), 0, 1f, cfg.seed() + 7);
    if (entry.bestOfNReward() != null) {
      try (RewardModel rm = RewardModel.load(entry.bestOfNReward(), device)) {
        BestOfNConfig bc = new BestOfNConfig(cfg.bonEvalN(), sc, 64, true, -1.0);
        List<String> best = new ArrayList<>();
        for (BestOfN.Candidates c : BestOfN.sample(lm.model(), tok, prompts, rm, bc)) {
          best.add(c.bestResponse().strip());
        }
        return best;
      }
    }
    List<String> rs = ModelScorer.respond(lm.model(), tok, prompts, sc, 64);
    if (entry.fewShot()) {
      // The few-shot pattern continues with the next "Instruction:": keep the first answer only.
      List<String> cut = new ArrayList<>();
      for (String r : rs) {
        int nl = r.indexOf('\n');
        cut.add((nl >= 0 ? r.substring(0, nl) : r).strip());
      }
      return cut;
    }
    return rs;
  }

  /** Two demonstrations from the training split, as the paper's few-shot "GPT-3 prompted" baseline. */
  private String fewShotPrefix() {
    StringBuilder sb = new StringBuilder();
    for (Task t : train.subList(0, Math.min(2, train.size()))) {
      sb.append(t.prompt()).append(' ').append(t.demonstration()).append("\n\n");
    }
    return sb.toString();
  }

  @FunctionalInterface
  private interface ResponseSource {
    List<String> get() throws IOException;
  }

  /** Responses are stored one JSON string per line so an interrupted evaluation skips them. */
  private List<String> cachedResponses(Path dir, String name, int expected, ResponseSource source) throws IOException {
    Path file = dir.resolve("responses-" + name + ".jsonl");
    if (Files.isRegularFile(file)) {
      List<String> out = new ArrayList<>();
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        if (!line.isBlank()) {
          out.add(JSON.readValue(line, String.class));
        }
      }
      if (out.size() == expected) {
        return out;
      }
    }
    List<String> rs = source.get();
    StringBuilder sb = new StringBuilder();
    for (String r : rs) {
      sb.append(JSON.writeValueAsString(r)).append('\n');
    }
    Path tmp = dir.resolve(file.getFileName() + ".tmp");
    Files.writeString(tmp, sb.toString(), StandardCharsets.UTF_8);
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    return rs;
  }

  private static org.rlhf4j.core.model.GptConfig configOf(Path checkpoint) throws IOException {
    return org.rlhf4j.core.checkpoint.HfConfig.read(checkpoint.resolve("config.json")).model();
  }

  static String variantKey(HarmVariant v) {
    return v.name().toLowerCase(Locale.ROOT);
  }
}
