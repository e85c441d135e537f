package org.rlhf4j.world;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.rlhf4j.data.Demonstration;
import org.rlhf4j.data.Jsonl;
import org.rlhf4j.data.Prompt;
import org.rlhf4j.data.Ranking;
import org.rlhf4j.data.Rating;

/**
 * Writes the world's data as JSONL for the rest of the pipeline and for other tools ({@code rlhf4j
 * world export --out DIR}). Every file is written atomically. Files (see docs/world.md):
 *
 * <ul>
 *   <li>{@code prompts_{train,valid,eval}.jsonl}: {@link Prompt} records;
 *   <li>{@code demonstrations_{train,valid}.jsonl}: {@link Demonstration}s (SFT data);
 *   <li>{@code rankings_{train,valid}.jsonl}: K-way {@link Ranking}s (K = 4..9, tie groups) of
 *       sampled responses by the <i>training</i> labelers (reward-model data);
 *   <li>{@code ratings_eval.jsonl}: Likert {@link Rating}s with metadata by the <i>held-out</i>
 *       labelers of the demonstration and one sampled response per evaluation prompt;
 *   <li>{@code trl_sft_train.jsonl}: TRL prompt/completion; {@code trl_preference_train.jsonl}:
 *       TRL prompt/chosen/rejected, one line per ranked pair (ties dropped).
 * </ul>
 *
 * The gold judge's scores are never exported: only labeler labels leave the world.
 */
public final class WorldExport {

  /** The demonstration writer's labeler id. */
  public static final String DEMONSTRATOR = "demonstrator";

  /** TRL's prompt-completion format. */
  public record TrlCompletion(
      @JsonProperty("prompt") String prompt, @JsonProperty("completion") String completion) {}

  /** TRL's preference format. */
  public record TrlPreference(
      @JsonProperty("prompt") String prompt,
      @JsonProperty("chosen") String chosen,
      @JsonProperty("rejected") String rejected) {}

  private WorldExport() {}

  /**
   * Exports everything into {@code dir} and returns the number of records per file name.
   *
   * @param sampler the response source for rankings and ratings
   * @param seed seeds K, the responses and the labeler assignment
   */
  public static Map<String, Integer> write(
      World world, ResponseSampler sampler, Path dir, long seed) throws IOException {
    Map<String, Integer> counts = new LinkedHashMap<>();
    Random rng = new Random(seed);
    for (Split split : Split.values()) {
      String name = split.name().toLowerCase();
      List<Prompt> prompts = world.tasks(split).stream().map(Task::toPrompt).toList();
      put(counts, dir, "prompts_" + name + ".jsonl", prompts);
      if (split == Split.EVAL) {
        put(counts, dir, "ratings_eval.jsonl", ratings(world, sampler, rng));
        continue;
      }
      List<Demonstration> demos = new ArrayList<>();
      for (Task t : world.tasks(split)) {
        demos.add(new Demonstration(t.id(), t.prompt(), t.demonstration(), DEMONSTRATOR));
      }
      put(counts, dir, "demonstrations_" + name + ".jsonl", demos);
      List<Ranking> rankings = rankings(world, sampler, split, rng);
      put(counts, dir, "rankings_" + name + ".jsonl", rankings);
      if (split == Split.TRAIN) {
        List<TrlCompletion> sft = new ArrayList<>();
        for (Demonstration d : demos) {
          sft.add(new TrlCompletion(d.prompt(), PromptFormat.completion(d.response())));
        }
        put(counts, dir, "trl_sft_train.jsonl", sft);
        List<TrlPreference> prefs = new ArrayList<>();
        for (Ranking r : rankings) {
          for (int[] pair : r.pairs()) {
            prefs.add(
                new TrlPreference(
                    r.prompt(),
                    PromptFormat.completion(r.responses().get(pair[0])),
                    PromptFormat.completion(r.responses().get(pair[1]))));
          }
        }
        put(counts, dir, "trl_preference_train.jsonl", prefs);
      }
    }
    return counts;
  }

  /** One K-way ranking per prompt (K = 4..9) by a random training labeler; all-tie ones dropped. */
  public static List<Ranking> rankings(
      World world, ResponseSampler sampler, Split split, Random rng) {
    List<Labeler> pool = world.labelers().training();
    List<Ranking> out = new ArrayList<>();
    for (Task t : world.tasks(split)) {
      int k = 4 + rng.nextInt(6);
      List<String> responses = sampler.sample(t, k, rng);
      Ranking r = pool.get(rng.nextInt(pool.size())).ranking(t, responses);
      if (r != null) {
        out.add(r);
      }
    }
    return out;
  }

  private static List<Rating> ratings(World world, ResponseSampler sampler, Random rng) {
    List<Labeler> pool = world.labelers().heldOut();
    List<Rating> out = new ArrayList<>();
    for (Task t : world.tasks(Split.EVAL)) {
      Labeler l = pool.get(rng.nextInt(pool.size()));
      out.add(l.rate(t, t.demonstration(), DEMONSTRATOR));
      out.add(l.rate(t, sampler.one(t, rng), "sampled"));
    }
    return out;
  }

  private static <T> void put(Map<String, Integer> counts, Path dir, String file, List<T> records)
      throws IOException {
    Jsonl.write(dir.resolve(file), records);
    counts.put(file, records.size());
  }
}
