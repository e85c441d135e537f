package org.rlhf4j.label;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.rlhf4j.data.Demonstration;
import org.rlhf4j.data.Jsonl;
import org.rlhf4j.data.PairJudgment;
import org.rlhf4j.data.Ranking;
import org.rlhf4j.data.Rating;

/**
 * Turns a labeler's submission into the exact {@code rlhf4j-data} records, and back out for export.
 * A label is stored as the JSON of those records, validated by their constructors before it is
 * stored, so an export is always readable by {@code Jsonl.read}.
 */
final class Labels {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Labels() {}

  /**
   * Builds the stored payload from submitted input: {@code {"response"}} for a demonstration,
   * {@code {"ranking": [[...]], "ratings": [{"likert", "fails_instruction", ...} x K]}} for a
   * ranking, {@code {"choice": "1" | "2" | "tie"}} for A/B (sides as displayed).
   *
   * @throws IllegalArgumentException naming the bad field
   */
  static String payload(Store.Assignment a, Store.Project project, String labeler, JsonNode input) {
    Store.Item item = a.item();
    switch (item.task()) {
      case "demonstration":
        {
          String response = text(input, "response");
          if (response.length() > ProjectSpec.MAX_TEXT) {
            throw new IllegalArgumentException(
                "response exceeds " + ProjectSpec.MAX_TEXT + " characters");
          }
          return Jsonl.toJson(new Demonstration(item.promptId(), item.prompt(), response.strip(), labeler));
        }
      case "ranking":
        {
          List<String> candidates = Projects.candidates(item);
          JsonNode groups = input.get("ranking");
          if (groups == null || !groups.isArray()) {
            throw new IllegalArgumentException("ranking: expected a list of tie groups");
          }
          List<List<Integer>> ranking;
          try {
            ranking = JSON.convertValue(groups, new TypeReference<List<List<Integer>>>() {});
          } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("ranking: expected lists of response indices");
          }
          Ranking r =
              new Ranking(item.promptId(), item.prompt(), candidates, ranking, labeler, item.category());
          JsonNode ratingsIn = input.get("ratings");
          if (ratingsIn == null || !ratingsIn.isArray() || ratingsIn.size() != candidates.size()) {
            throw new IllegalArgumentException(
                "ratings: expected one Likert rating per response (" + candidates.size() + ")");
          }
          ArrayNode ratings = JSON.createArrayNode();
          for (int i = 0; i < candidates.size(); i++) {
            JsonNode in = ratingsIn.get(i);
            JsonNode likert = in.get("likert");
            if (likert == null || !likert.canConvertToInt() || !likert.isIntegralNumber()) {
              throw new IllegalArgumentException("ratings[" + i + "].likert: expected an integer 1..7");
            }
            Rating rating =
                new Rating(
                    item.promptId(),
                    item.prompt(),
                    candidates.get(i),
                    project.source(),
                    likert.asInt(),
                    flag(in, "fails_instruction"),
                    flag(in, "hallucination"),
                    flag(in, "inappropriate"),
                    flag(in, "harmful"),
                    flag(in, "follows_constraints"),
                    labeler);
            ratings.add(tree(Jsonl.toJson(rating)));
          }
          ObjectNode out = JSON.createObjectNode();
          out.set("ranking", tree(Jsonl.toJson(r)));
          out.set("ratings", ratings);
          return out.toString();
        }
      case "ab":
        {
          List<String> pair = Projects.candidates(item);
          String choice = text(input, "choice");
          String winner;
          switch (choice) {
            case "1" -> winner = a.swap() ? PairJudgment.B : PairJudgment.A;
            case "2" -> winner = a.swap() ? PairJudgment.A : PairJudgment.B;
            case "tie" -> winner = PairJudgment.TIE;
            default -> throw new IllegalArgumentException("choice: must be 1, 2 or tie");
          }
          return Jsonl.toJson(
              new PairJudgment(
                  item.promptId(), item.prompt(), project.modelA(), pair.get(0), project.modelB(),
                  pair.get(1), winner, labeler));
        }
      default:
        throw new IllegalStateException("unknown task " + item.task());
    }
  }

  private static String text(JsonNode input, String field) {
    JsonNode v = input.get(field);
    if (v == null || !v.isTextual() || v.asText().isBlank()) {
      throw new IllegalArgumentException(field + ": is required");
    }
    return v.asText();
  }

  private static boolean flag(JsonNode in, String field) {
    JsonNode v = in.get(field);
    return v != null && v.asBoolean(false);
  }

  private static JsonNode tree(String json) {
    try {
      return JSON.readTree(json);
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  // ---------------------------------------------------------------- export

  static List<Demonstration> demonstrations(Store store, long projectId) throws SQLException {
    List<Demonstration> out = new ArrayList<>();
    for (Store.LabelRow row : store.labels(projectId, "demonstration")) {
      out.add(Jsonl.parse(row.payload(), Demonstration.class));
    }
    return out;
  }

  static List<Ranking> rankings(Store store, long projectId) throws SQLException {
    List<Ranking> out = new ArrayList<>();
    for (Store.LabelRow row : store.labels(projectId, "ranking")) {
      out.add(Jsonl.parse(tree(row.payload()).get("ranking").toString(), Ranking.class));
    }
    return out;
  }

  static List<Rating> ratings(Store store, long projectId) throws SQLException {
    List<Rating> out = new ArrayList<>();
    for (Store.LabelRow row : store.labels(projectId, "ranking")) {
      for (JsonNode r : tree(row.payload()).get("ratings")) {
        out.add(Jsonl.parse(r.toString(), Rating.class));
      }
    }
    return out;
  }

  static List<PairJudgment> judgments(Store store, long projectId) throws SQLException {
    List<PairJudgment> out = new ArrayList<>();
    for (Store.LabelRow row : store.labels(projectId, "ab")) {
      out.add(Jsonl.parse(row.payload(), PairJudgment.class));
    }
    return out;
  }

  /** Per-project dashboard figures. */
  record Dashboard(
      List<LabelerRow> labelers,
      double rankingAgreement,
      int rankingPairs,
      double abAgreement,
      int abPairs,
      Stats.WinRate winRate) {}

  record LabelerRow(String username, long assigned, long done, double perHour, double agreement) {}

  static Dashboard dashboard(Store store, long projectId) throws SQLException {
    List<Store.LabelRow> rows = store.labels(projectId, null);
    Map<String, List<Long>> durations = new HashMap<>();
    // Overlapping items: item id -> labels from different labelers.
    Map<Long, List<Store.LabelRow>> byItem = new HashMap<>();
    for (Store.LabelRow row : rows) {
      durations.computeIfAbsent(row.username(), u -> new ArrayList<>()).add(row.durationMs());
      if (!row.task().equals("demonstration")) {
        byItem.computeIfAbsent(row.itemId(), i -> new ArrayList<>()).add(row);
      }
    }
    Map<String, double[]> perLabeler = new HashMap<>(); // sum, count
    double rankSum = 0;
    int rankPairs = 0;
    double abSum = 0;
    int abPairs = 0;
    for (List<Store.LabelRow> labels : byItem.values()) {
      for (int i = 0; i < labels.size(); i++) {
        for (int j = i + 1; j < labels.size(); j++) {
          Store.LabelRow a = labels.get(i);
          Store.LabelRow b = labels.get(j);
          double agreement;
          if (a.task().equals("ranking")) {
            agreement =
                Stats.pairwiseAgreement(
                    Jsonl.parse(tree(a.payload()).get("ranking").toString(), Ranking.class),
                    Jsonl.parse(tree(b.payload()).get("ranking").toString(), Ranking.class));
            rankSum += agreement;
            rankPairs++;
          } else {
            agreement =
                tree(a.payload()).get("winner").asText().equals(tree(b.payload()).get("winner").asText())
                    ? 1
                    : 0;
            abSum += agreement;
            abPairs++;
          }
          for (String u : List.of(a.username(), b.username())) {
            double[] acc = perLabeler.computeIfAbsent(u, x -> new double[2]);
            acc[0] += agreement;
            acc[1]++;
          }
        }
      }
    }
    List<LabelerRow> labelers = new ArrayList<>();
    for (Object[] p : store.progress(projectId)) {
      String u = (String) p[0];
      double[] acc = perLabeler.get(u);
      labelers.add(
          new LabelerRow(
              u,
              (Long) p[1],
              (Long) p[2],
              Stats.labelsPerHour(durations.getOrDefault(u, List.of())),
              acc == null ? Double.NaN : acc[0] / acc[1]));
    }
    long winsA = 0;
    long winsB = 0;
    long ties = 0;
    for (PairJudgment j : judgments(store, projectId)) {
      switch (j.winner()) {
        case PairJudgment.A -> winsA++;
        case PairJudgment.B -> winsB++;
        default -> ties++;
      }
    }
    return new Dashboard(
        labelers,
        rankPairs == 0 ? Double.NaN : rankSum / rankPairs,
        rankPairs,
        abPairs == 0 ? Double.NaN : abSum / abPairs,
        abPairs,
        Stats.winRate(winsA, winsB, ties));
  }
}
