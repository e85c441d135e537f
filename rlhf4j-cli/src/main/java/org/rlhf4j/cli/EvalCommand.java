package org.rlhf4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.rlhf4j.cli.pipeline.Evaluation;
import org.rlhf4j.cli.pipeline.FollowingReport;
import org.rlhf4j.cli.pipeline.PipelineConfig;
import org.rlhf4j.core.checkpoint.Checkpoint;
import org.rlhf4j.core.tokenizer.Tokenizer;
import org.rlhf4j.world.Split;
import org.rlhf4j.world.Task;
import org.rlhf4j.world.World;
import org.rlhf4j.world.WorldConfig;
import org.rlhf4j.world.corpus.Corpus;
import org.rlhf4j.world.corpus.CorpusBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code rlhf4j eval}: the pipeline's evaluation on any checkpoints. */
@Command(name = "eval", mixinStandardHelpOptions = true,
    description = {"Evaluate checkpoints on the world's held-out prompts: win rate against a baseline judged by",
        "held-out labelers (95%% Wilson interval), Likert, gold score, failure/hallucination/inappropriate",
        "rates, toxicity per harm variant, capability benchmarks, and instruction following (strict",
        "correctness per kind and on held-out phrasings, names the asked word, collapse, 12 sample answers",
        "side by side). Writes DIR/eval.json."})
final class EvalCommand implements Callable<Integer> {
  @Mixin DeviceOption device = new DeviceOption();

  @Option(names = "--model", required = true, description = "name=CHECKPOINT (repeatable, in table order)")
  Map<String, Path> models = new LinkedHashMap<>();

  @Option(names = "--baseline", required = true, description = "the name of the model every win rate is measured against")
  String baseline;

  @Option(names = "--kl-reference", description = "checkpoint to measure KL(model || reference) against (e.g. the SFT model)")
  Path klReference;

  @Option(names = "--prompts", defaultValue = "500", description = "held-out prompts (default ${DEFAULT-VALUE})")
  int prompts;

  @Option(names = "--no-benchmarks", description = "skip the capability benchmarks")
  boolean noBenchmarks;

  @Option(names = "--out", required = true, description = "output directory")
  Path out;

  @Override
  public Integer call() throws Exception {
    if (!models.containsKey(baseline)) {
      throw new IllegalArgumentException("--baseline " + baseline + " is not one of the --model names " + models.keySet());
    }
    PipelineConfig cfg = PipelineConfig.standard();
    World world = World.create(WorldConfig.defaults().withPrompts(4000, 400, Math.max(400, prompts)));
    List<Task> eval = world.tasks(Split.EVAL).subList(0, Math.min(prompts, world.tasks(Split.EVAL).size()));
    Files.createDirectories(out);
    Path corpus = out.resolve("corpus");
    if (!Files.isRegularFile(corpus.resolve(Corpus.VALID_FILE))) {
      CorpusBuilder.build(world.config().corpus()).write(corpus);
    }
    Path first = models.values().iterator().next();
    Path tokJson = Checkpoint.tokenizer(first).orElseThrow(() -> new IllegalArgumentException(first + " has no tokenizer.json"));
    Map<String, Evaluation.Entry> entries = new LinkedHashMap<>();
    models.forEach((name, dir) -> entries.put(name, new Evaluation.Entry(dir, name, null, false, !noBenchmarks)));
    try (Tokenizer tok = Tokenizer.load(tokJson)) {
      JsonNode summary = new Evaluation(cfg, world, eval, world.tasks(Split.TRAIN), tok, device.get(), corpus, klReference)
          .run(entries, baseline, out);
      ObjectMapper json = new ObjectMapper();
      org.rlhf4j.core.checkpoint.AtomicFiles.writeString(out.resolve("eval.json"),
          json.writerWithDefaultPrettyPrinter().writeValueAsString(summary));
      System.out.printf("%-28s %-22s %7s %7s %7s %7s%n", "model", "win rate vs " + baseline, "likert", "gold", "halluc", "toxic*");
      summary.path("models").fields().forEachRemaining(e -> {
        JsonNode m = e.getValue();
        JsonNode w = m.path("win_rate");
        System.out.printf("%-28s %5.1f%% [%4.1f, %4.1f] %7.2f %7.3f %7s %7s%n", e.getKey(), 100 * w.path("value").asDouble(),
            100 * w.path("low").asDouble(), 100 * w.path("high").asDouble(), m.path("likert").asDouble(),
            m.path("gold_score").asDouble(), pct(m.path("hallucination")), pct(m.path("toxicity").path("respectful")));
      });
      System.out.println("* toxicity under the \"respectful\" instruction; full figures in " + out.resolve("eval.json"));
      System.out.print(FollowingReport.console(summary));
    }
    return 0;
  }

  private static String pct(JsonNode n) {
    return n.isMissingNode() || n.isNull() ? "n/a" : String.format("%.1f%%", 100 * n.asDouble());
  }
}
