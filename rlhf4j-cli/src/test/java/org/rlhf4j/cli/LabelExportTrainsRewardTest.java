package org.rlhf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rlhf4j.core.checkpoint.ModelCheckpoints;
import org.rlhf4j.data.Jsonl;
import org.rlhf4j.data.Ranking;
import org.rlhf4j.label.LabelServer;
import org.rlhf4j.label.LabelServerConfig;

/**
 * Issue 9's closing check without a browser: a labeler ranks candidates through the labeling
 * app's JSON API, {@code rlhf4j label export} writes the labels, and {@code rlhf4j reward --data}
 * trains a reward model on that file directly, for one step.
 */
class LabelExportTrainsRewardTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String PASSWORD = "correct horse";

  @TempDir Path dir;

  /** A logged-in session: cookie jar plus the CSRF token that mutating requests must carry. */
  private static final class Session {
    final HttpClient http = HttpClient.newBuilder().cookieHandler(new CookieManager())
        .connectTimeout(Duration.ofSeconds(5)).build();
    final int port;
    String csrf;

    Session(int port, String user) throws Exception {
      this.port = port;
      HttpResponse<String> r = post("/api/login", Map.of("username", user, "password", PASSWORD));
      assertEquals(200, r.statusCode(), r.body());
      csrf = JSON.readTree(r.body()).get("csrf").asText();
    }

    HttpResponse<String> post(String path, Object body) throws Exception {
      HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
          .timeout(Duration.ofSeconds(20)).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
      if (csrf != null) {
        b.header("X-CSRF-Token", csrf);
      }
      return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String path) throws Exception {
      return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
          .timeout(Duration.ofSeconds(20)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }
  }

  @Test
  void exportedRankingsTrainARewardModel() throws Exception {
    Path db = dir.resolve("labels.db");
    LabelServer.createUser(db, "admin", PASSWORD, "admin", 4);
    LabelServer.createUser(db, "lena", PASSWORD, "labeler", 4);
    StringBuilder prompts = new StringBuilder();
    StringBuilder candidates = new StringBuilder();
    for (int i = 0; i < 2; i++) {
      prompts.append("{\"id\":\"p").append(i).append("\",\"prompt\":\"Instruction: Define word ").append(i)
          .append(".\\nResponse:\",\"category\":\"define\"}\n");
      candidates.append("{\"prompt_id\":\"p").append(i).append("\",\"responses\":[\"A word.\",\"No.\",\"A thing ")
          .append(i).append(".\",\"Yes\"]}\n");
    }
    long project;
    try (LabelServer server = LabelServer.start(new LabelServerConfig("127.0.0.1", 0, db, Map.of(), Map.of(), 4, false))) {
      Session admin = new Session(server.port(), "admin");
      HttpResponse<String> created = admin.post("/api/admin/projects", Map.of("name", "rm", "tasks", List.of("ranking"),
          "k", 4, "prompts_jsonl", prompts.toString(), "candidates_jsonl", candidates.toString(),
          "labelers", List.of("lena")));
      assertEquals(200, created.statusCode(), created.body());
      project = JSON.readTree(created.body()).get("id").asLong();
      awaitReady(admin, project);

      Session lena = new Session(server.port(), "lena");
      int labeled = 0;
      for (HttpResponse<String> next = lena.get("/api/next?project=" + project); next.statusCode() != 204;
          next = lena.get("/api/next?project=" + project)) {
        assertEquals(200, next.statusCode(), next.body());
        JsonNode a = JSON.readTree(next.body());
        assertEquals("ranking", a.get("task").asText());
        HttpResponse<String> r = lena.post("/api/assignments/" + a.get("assignment_id").asLong() + "/label",
            Map.of("ranking", List.of(List.of(2), List.of(0, 3), List.of(1)),
                "ratings", List.of(Map.of("likert", 5), Map.of("likert", 1), Map.of("likert", 7), Map.of("likert", 4))));
        assertEquals(200, r.statusCode(), r.body());
        labeled++;
      }
      assertEquals(2, labeled);
    }

    Path export = dir.resolve("export");
    Cli.Result ex = Cli.run("label", "export", "--db", db.toString(), "--project", String.valueOf(project),
        "--out", export.toString());
    assertEquals(0, ex.code(), ex.all());
    Path rankings = export.resolve("rankings.jsonl");
    assertEquals(2, Jsonl.read(rankings, Ranking.class).size());

    Path rm = dir.resolve("rm");
    Cli.Result r = Cli.run("reward", "--model", Cli.base().toString(), "--data", rankings.toString(), "--normalize", "none",
        "--batch", "2", "--micro-batch", "2", "--out", rm.toString(), "--threads", "1");
    assertEquals(0, r.code(), r.all());
    assertTrue(ModelCheckpoints.exists(rm.resolve("final")));
    assertEquals(1, Files.readAllLines(rm.resolve("metrics.jsonl")).size()); // one optimizer step
  }

  private static void awaitReady(Session admin, long id) throws Exception {
    for (int i = 0; i < 400; i++) {
      JsonNode p = JSON.readTree(admin.get("/api/admin/projects/" + id).body());
      if (p.get("status").asText().equals("ready")) {
        return;
      }
      assertNotEquals("failed", p.get("status").asText(), p.toString());
      Thread.sleep(25);
    }
    throw new AssertionError("project " + id + " never became ready");
  }
}
