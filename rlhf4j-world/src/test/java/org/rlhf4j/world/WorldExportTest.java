package org.rlhf4j.world;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rlhf4j.data.DatasetFormats;
import org.rlhf4j.data.Demonstration;
import org.rlhf4j.data.Jsonl;
import org.rlhf4j.data.Prompt;
import org.rlhf4j.data.Ranking;
import org.rlhf4j.data.Rating;

class WorldExportTest {

  @Test
  void writesReadableFilesInOursAndTrlFormats(@TempDir Path dir) throws Exception {
    World small =
        World.create(TestWorld.world().lexicon(), WorldConfig.defaults().withPrompts(120, 20, 20));
    Map<String, Integer> counts = WorldExport.write(small, TestWorld.sampler(), dir, 1);
    assertEquals(
        List.of(
            "prompts_train.jsonl", "demonstrations_train.jsonl", "rankings_train.jsonl",
            "trl_sft_train.jsonl", "trl_preference_train.jsonl", "prompts_valid.jsonl",
            "demonstrations_valid.jsonl", "rankings_valid.jsonl", "prompts_eval.jsonl",
            "ratings_eval.jsonl"),
        List.copyOf(counts.keySet()));
    List<Prompt> prompts = Jsonl.read(dir.resolve("prompts_train.jsonl"), Prompt.class);
    assertEquals(small.tasks(Split.TRAIN).size(), prompts.size());
    List<Demonstration> demos =
        Jsonl.read(dir.resolve("demonstrations_train.jsonl"), Demonstration.class);
    assertEquals(small.tasks(Split.TRAIN).get(0).demonstration(), demos.get(0).response());
    List<Ranking> rankings = Jsonl.read(dir.resolve("rankings_train.jsonl"), Ranking.class);
    assertTrue(rankings.size() > prompts.size() * 0.9);
    for (Ranking r : rankings) {
      assertTrue(r.k() >= 4 && r.k() <= 9);
      assertTrue(r.labeler().startsWith("train-"), "only training labelers rank training data");
    }
    // The data module's format detection reads our TRL exports back.
    assertEquals(
        prompts.size(),
        DatasetFormats.readDemonstrations(dir.resolve("trl_sft_train.jsonl")).size());
    assertEquals(
        counts.get("trl_preference_train.jsonl"),
        DatasetFormats.readRankings(dir.resolve("trl_preference_train.jsonl")).size());
    List<Rating> ratings = Jsonl.read(dir.resolve("ratings_eval.jsonl"), Rating.class);
    assertTrue(ratings.stream().allMatch(r -> r.labeler().startsWith("heldout-")));
    try (var files = Files.list(dir)) {
      assertEquals(10, files.count(), "no temp files left");
    }
  }
}
