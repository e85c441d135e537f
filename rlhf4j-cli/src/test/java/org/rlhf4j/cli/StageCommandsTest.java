package org.rlhf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.rlhf4j.core.checkpoint.ModelCheckpoints;
import org.rlhf4j.data.Demonstration;
import org.rlhf4j.data.Jsonl;
import org.rlhf4j.data.Prompt;
import org.rlhf4j.data.Ranking;

/**
 * Two-step smoke runs of every stage command on a tiny model, in pipeline order: pretrain (shared
 * fixture) → sft → reward → ppo → dpo → best-of-n → expert-iteration. Each asserts the exit code
 * and the files the stage promises; later stages start from earlier stages' outputs.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StageCommandsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String[] WORDS = {"cat", "dog", "tree", "house", "sun", "river", "stone", "bird"};

  private static Path dir;
  private static Path demos;
  private static Path rankings;
  private static Path prompts;
  private static Path sft;
  private static Path rm;

  @BeforeAll
  static void data() throws IOException {
    dir = Files.createDirectories(Cli.root().resolve("stages"));
    List<Demonstration> d = new ArrayList<>();
    List<Ranking> r = new ArrayList<>();
    List<Prompt> p = new ArrayList<>();
    for (int i = 0; i < WORDS.length; i++) {
      String w = WORDS[i];
      String prompt = "Instruction: Define the word " + w + ".\nResponse:";
      d.add(new Demonstration("p" + i, prompt, "A " + w + " is a thing in the world.", "t"));
      r.add(new Ranking("p" + i, prompt, List.of("A " + w + " is a thing.", "no", "A word.", w + " " + w),
          List.of(List.of(0), List.of(2), List.of(1, 3)), "t", i % 2 == 0 ? "define" : "describe"));
      p.add(new Prompt("p" + i, "Instruction: Describe a " + w + ".\nResponse:"));
    }
    demos = dir.resolve("demos.jsonl");
    rankings = dir.resolve("rankings.jsonl");
    prompts = dir.resolve("prompts.jsonl");
    Jsonl.write(demos, d);
    Jsonl.write(rankings, r);
    Jsonl.write(prompts, p.subList(0, 4));
  }

  private static void assertCheckpoint(Path p) {
    assertTrue(ModelCheckpoints.exists(p), p + " is not a checkpoint");
    assertTrue(Files.isRegularFile(p.resolve("tokenizer.json")), p + " lacks its tokenizer");
  }

  private static List<JsonNode> metrics(Path run) throws IOException {
    List<JsonNode> out = new ArrayList<>();
    for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
      out.add(JSON.readTree(line));
    }
    return out;
  }

  @Test
  @Order(1)
  void sftTwoSteps() throws IOException {
    sft = dir.resolve("sft");
    Cli.Result r = Cli.run("sft", "--model", Cli.base().toString(), "--data", demos.toString(), "--valid", demos.toString(),
        "--out", sft.toString(), "--epochs", "1", "--batch", "4", "--micro-batch", "4", "--threads", "1");
    assertEquals(0, r.code(), r.all());
    assertCheckpoint(sft.resolve("final"));
    assertCheckpoint(sft.resolve("best"));
    assertTrue(Files.isRegularFile(sft.resolve("run_config.json")));
    List<JsonNode> m = metrics(sft);
    assertEquals(2, m.size());
    assertTrue(m.get(1).has("val/sft_loss"), m.get(1).toString());
    assertTrue(r.out().contains("best val/sft_loss"), r.out());

    // The same --out again is refused: a finished run is never overwritten.
    Cli.Result again = Cli.run("sft", "--model", Cli.base().toString(), "--data", demos.toString(), "--out", sft.toString(),
        "--epochs", "1", "--batch", "4", "--micro-batch", "4", "--threads", "1");
    assertEquals(1, again.code());
    assertTrue(again.err().contains("holds a finished run"), again.err());
  }

  @Test
  @Order(2)
  void rewardTwoStepsWithHeldOutReport() throws IOException {
    rm = dir.resolve("rm");
    Cli.Result r = Cli.run("reward", "--model", sft.resolve("final").toString(), "--data", rankings.toString(),
        "--valid", rankings.toString(), "--demonstrations", demos.toString(), "--out", rm.toString(),
        "--batch", "4", "--micro-batch", "2", "--lr", "1e-4", "--threads", "1");
    assertEquals(0, r.code(), r.all());
    assertCheckpoint(rm.resolve("final"));
    assertEquals(2, metrics(rm).size());
    // Held-out report: overall accuracy and one line per category, also written as eval.json.
    assertTrue(r.out().contains("held-out pairwise accuracy"), r.out());
    assertTrue(r.out().contains("define") && r.out().contains("describe"), r.out());
    JsonNode eval = JSON.readTree(rm.resolve(RewardCommand.EVAL_FILE).toFile());
    assertEquals(40, eval.get("pairs").asLong()); // 8 rankings x (C(4,2) - 1 tie)
    assertEquals(20, eval.get("by_category").get("define").get("pairs").asLong());
    // Demonstration normalisation is stored in the checkpoint's config (applied on load).
    JsonNode cfg = JSON.readTree(rm.resolve("final").resolve("config.json").toFile());
    assertTrue(cfg.toString().contains("rlhf4j_reward_bias"), cfg.toString());
  }

  @Test
  @Order(3)
  void ppoTwoIterations() throws IOException {
    Path out = dir.resolve("ppo");
    Cli.Result r = Cli.run("ppo", "--policy", sft.resolve("final").toString(), "--reward-model", rm.resolve("final").toString(),
        "--prompts", prompts.toString(), "--out", out.toString(), "--iterations", "2", "--episodes", "4",
        "--mini-batch", "2", "--max-new-tokens", "6", "--kl-estimator", "k3", "--adaptive-kl", "--threads", "1");
    assertEquals(0, r.code(), r.all());
    assertCheckpoint(out.resolve("final"));
    assertCheckpoint(out.resolve("policy"));
    assertTrue(ModelCheckpoints.exists(out.resolve("value")));
    List<JsonNode> m = metrics(out);
    assertEquals(2, m.size());
    for (String key : List.of("objective/rm_score", "objective/kl", "policy/clipfrac", "objective/kl_coef")) {
      assertTrue(m.get(1).has(key), key + " missing from " + m.get(1));
    }
    // The resolved configuration, flags included, is written at the start of the run.
    JsonNode cfg = JSON.readTree(out.resolve("run_config.json").toFile());
    assertEquals("K3", cfg.get("kl_estimator").asText());
    assertTrue(cfg.get("ppo").get("kl").get("adaptive").asBoolean(), cfg.toString());
  }

  @Test
  @Order(4)
  void ppoAgainstARewardEnsemble() throws IOException {
    // Two reward models (the same checkpoint twice is enough to exercise the plumbing), worst case.
    Path out = dir.resolve("ppo-ensemble");
    String m = rm.resolve("final").toString();
    Cli.Result r = Cli.run("ppo", "--policy", sft.resolve("final").toString(), "--reward-model", m, "--reward-model", m,
        "--reward-aggregation", "min", "--prompts", prompts.toString(), "--out", out.toString(), "--iterations", "1",
        "--episodes", "2", "--mini-batch", "2", "--max-new-tokens", "4", "--threads", "1");
    assertEquals(0, r.code(), r.all());
    assertTrue(r.all().contains("ensemble of 2 reward models (min)"), r.all());
    assertCheckpoint(out.resolve("final"));
    Cli.Result bad = Cli.run("ppo", "--policy", sft.resolve("final").toString(), "--reward-model", m,
        "--reward-aggregation", "median", "--prompts", prompts.toString(), "--out", dir.resolve("ppo-bad").toString());
    assertTrue(bad.code() != 0);
    assertTrue(bad.all().contains("--reward-aggregation must be mean, min or uwo"), bad.all());
  }

  @Test
  @Order(4)
  void ppoPtxReadsPromptsFromRankings() throws IOException {
    // PPO-ptx (--corpus) with prompts taken from a rankings file: each distinct prompt once.
    Path out = dir.resolve("ppo-ptx");
    Cli.Result r = Cli.run("ppo", "--policy", sft.resolve("final").toString(), "--reward-model", rm.resolve("final").toString(),
        "--prompts", rankings.toString(), "--out", out.toString(), "--iterations", "1", "--episodes", "2",
        "--mini-batch", "2", "--max-new-tokens", "4", "--corpus", Cli.corpus().toString(), "--ptx-ratio", "1",
        "--no-ema", "--threads", "1");
    assertEquals(0, r.code(), r.all());
    JsonNode cfg = JSON.readTree(out.resolve("run_config.json").toFile());
    assertEquals(8, cfg.get("prompts").asInt());
    assertEquals(27.8, cfg.get("ppo").get("ptx").get("coef").asDouble(), 1e-9);
    assertTrue(metrics(out).get(0).has("loss/ptx"), metrics(out).get(0).toString());
  }

  @Test
  @Order(5)
  void dpoTwoSteps() throws IOException {
    Path out = dir.resolve("dpo");
    Cli.Result r = Cli.run("dpo", "--policy", sft.resolve("final").toString(), "--data", rankings.toString(),
        "--valid", rankings.toString(), "--out", out.toString(), "--batch", "4", "--micro-batch", "2", "--warmup", "0",
        "--loss", "ipo", "--threads", "1");
    assertEquals(0, r.code(), r.all());
    assertCheckpoint(out.resolve("final"));
    assertEquals(2, metrics(out).size());
    assertTrue(metrics(out).get(0).has("dpo/accuracy"));
    assertTrue(r.out().contains("held-out implicit-reward accuracy"), r.out());
  }

  @Test
  @Order(6)
  void bestOfNWritesBestResponsesAndScores() throws IOException {
    Path out = dir.resolve("best-of-n.jsonl");
    Cli.Result r = Cli.run("best-of-n", "--policy", sft.resolve("final").toString(), "--reward-model",
        rm.resolve("final").toString(), "--prompts", prompts.toString(), "--n", "3", "--max-new-tokens", "6",
        "--out", out.toString(), "--threads", "1");
    assertEquals(0, r.code(), r.all());
    List<String> lines = Files.readAllLines(out);
    assertEquals(4, lines.size());
    for (String line : lines) {
      JsonNode n = JSON.readTree(line);
      assertEquals(3, n.get("scores").size());
      double max = Double.NEGATIVE_INFINITY;
      for (JsonNode s : n.get("scores")) {
        max = Math.max(max, s.asDouble());
      }
      // The kept response is the best of the n.
      assertEquals(max, n.get("score").asDouble(), 0);
      assertTrue(n.get("score").asDouble() >= n.get("mean_score").asDouble());
      assertTrue(n.get("prompt_id").asText().startsWith("p"));
    }
    assertTrue(r.out().contains("KL(best-of-3 || policy)"), r.out());
  }

  @Test
  @Order(7)
  void expertIterationOneRound() throws IOException {
    Path out = dir.resolve("expert");
    Cli.Result r = Cli.run("expert-iteration", "--policy", sft.resolve("final").toString(), "--reward-model",
        rm.resolve("final").toString(), "--prompts", prompts.toString(), "--rounds", "1", "--n", "2",
        "--max-new-tokens", "6", "--batch", "4", "--out", out.toString(), "--threads", "1");
    assertEquals(0, r.code(), r.all());
    assertCheckpoint(out.resolve("final"));
    assertEquals(1, metrics(out).size());
    assertTrue(r.out().contains("round 1:"), r.out());
  }
  @Test
  @Order(8)
  void sftSelectsByRewardWithPretrainingMix() throws IOException {
    // InstructGPT's selection: the checkpoint whose responses to validation prompts the RM likes best.
    Path out = dir.resolve("sft-by-reward");
    Cli.Result r = Cli.run("sft", "--model", Cli.base().toString(), "--data", demos.toString(), "--valid", prompts.toString(),
        "--select-by", "reward", "--reward-model", rm.resolve("final").toString(), "--select-max-new-tokens", "6",
        "--eval-every", "1", "--pretrain-mix", "0.1", "--corpus", Cli.corpus().toString(), "--out", out.toString(),
        "--epochs", "1", "--batch", "4", "--micro-batch", "4", "--threads", "1");
    assertEquals(0, r.code(), r.all());
    assertCheckpoint(out.resolve("best"));
    List<JsonNode> m = metrics(out);
    assertEquals(2, m.size());
    double best = Double.NEGATIVE_INFINITY;
    for (JsonNode row : m) {
      assertTrue(row.has(RewardSelector.NAME) && row.has("sft/ptx_loss"), row.toString());
      best = Math.max(best, row.get(RewardSelector.NAME).asDouble());
    }
    assertTrue(r.out().contains(String.format("best %s %.4f", RewardSelector.NAME, best)), r.out());
  }

  @Test
  @Order(9)
  void rewardNormalisedAgainstReferenceSamples() throws IOException {
    Path out = dir.resolve("rm-reference");
    Cli.Result r = Cli.run("reward", "--model", sft.resolve("final").toString(), "--data", rankings.toString(),
        "--normalize", "reference", "--reference-prompts", prompts.toString(), "--reference-samples", "4",
        "--max-new-tokens", "6", "--batch", "8", "--micro-batch", "8", "--out", out.toString(), "--threads", "1");
    assertEquals(0, r.code(), r.all());
    JsonNode cfg = JSON.readTree(out.resolve("final").resolve("config.json").toFile());
    assertEquals("reference_samples", cfg.get("rlhf4j_reward_normalization").asText(), cfg.toString());
    // A gain other than 1: the spread of the SFT samples' raw scores was scaled to 1.
    assertTrue(Math.abs(cfg.get("rlhf4j_reward_gain").asDouble() - 1) > 1e-9, cfg.toString());
  }
}
