package org.rlhf4j.label;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rlhf4j.data.Demonstration;
import org.rlhf4j.data.Jsonl;
import org.rlhf4j.data.PairJudgment;
import org.rlhf4j.data.Ranking;
import org.rlhf4j.data.Rating;

/** Every route class denies what it must: anonymous, wrong role, someone else's item, no CSRF. */
class AuthorizationTest {
  @TempDir static Path dir;
  static LabelServer server;
  static Client admin;
  static Client ann;
  static Client bob;
  static long projectId;

  @BeforeAll
  static void start() throws Exception {
    Path db = dir.resolve("label.db");
    LabelServer.createUser(db, "admin", Fixtures.PASSWORD, "admin", 4);
    LabelServer.createUser(db, "ann", Fixtures.PASSWORD, "labeler", 4);
    LabelServer.createUser(db, "bob", Fixtures.PASSWORD, "labeler", 4);
    server = LabelServer.start(Fixtures.config(db));
    admin = new Client(server.port()).login("admin", Fixtures.PASSWORD);
    ann = new Client(server.port()).login("ann", Fixtures.PASSWORD);
    bob = new Client(server.port()).login("bob", Fixtures.PASSWORD);
    HttpResponse<String> r =
        admin.post(
            "/api/admin/projects",
            Fixtures.project("auth", List.of("demonstration", "ranking", "ab"), 4, List.of("ann", "bob"), 1.0));
    assertEquals(200, r.statusCode(), r.body());
    projectId = Client.json(r).get("id").asLong();
    awaitReady(admin, projectId);
  }

  static void awaitReady(Client admin, long id) throws Exception {
    for (int i = 0; i < 200; i++) {
      JsonNode p = Client.json(admin.get("/api/admin/projects/" + id));
      if (p.get("status").asText().equals("ready")) {
        return;
      }
      assertNotEquals("failed", p.get("status").asText(), p.toString());
      Thread.sleep(50);
    }
    throw new AssertionError("project never became ready");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void anonymousIsRefusedEverywhere() throws Exception {
    Client anon = new Client(server.port());
    for (String page : List.of("/", "/admin", "/admin/users", "/admin/projects/new", "/task/next", "/task/1",
        "/admin/projects/" + projectId, "/admin/projects/" + projectId + "/export/rankings.jsonl")) {
      HttpResponse<String> r = anon.get(page);
      assertEquals(302, r.statusCode(), page);
      assertEquals("/login", r.headers().firstValue("Location").orElse(""), page);
    }
    for (String api : List.of("/api/me", "/api/queue", "/api/next", "/api/assignments/1", "/api/admin/projects",
        "/api/admin/projects/" + projectId + "/export/rankings")) {
      assertEquals(401, anon.get(api).statusCode(), api);
    }
    assertEquals(401, anon.postJson("/api/assignments/1/label", Map.of("response", "x"), null).statusCode());
    assertEquals(401, anon.postForm("/task/1", "response=x").statusCode());
    assertEquals(401, anon.postJson("/api/admin/users", Map.of("username", "eve"), null).statusCode());
    // A forged session cookie is no session.
    HttpResponse<String> forged =
        anon.http.send(
            HttpRequest.newBuilder(anon.uri("/api/me")).header("Cookie", "rlhf4j_session=forged").build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(401, forged.statusCode());
    // Static assets and the login page stay public.
    assertEquals(200, anon.get("/static/app.css").statusCode());
    assertEquals(200, anon.get("/login").statusCode());
  }

  @Test
  void labelerCannotReachAdminRoutes() throws Exception {
    for (String page : List.of("/admin", "/admin/users", "/admin/projects/new", "/admin/projects/" + projectId,
        "/admin/projects/" + projectId + "/export/rankings.jsonl", "/api/admin/projects",
        "/api/admin/projects/" + projectId, "/api/admin/projects/" + projectId + "/export/demonstrations")) {
      assertEquals(403, ann.get(page).statusCode(), page);
    }
    assertEquals(403, ann.post("/api/admin/users", Map.of("username", "mallory", "password", "12345678", "role", "admin")).statusCode());
    assertEquals(403, ann.post("/api/admin/projects", Fixtures.project("x", List.of("demonstration"), 1, List.of("ann"), 0)).statusCode());
    try (Database db = server_db()) {
      assertEquals(null, new Store(db, 4).findUser("mallory"));
    }
  }

  private static Database server_db() throws Exception {
    return Database.open(server.config().dbPath());
  }

  @Test
  void labelerCannotReadOrChangeAnotherLabelersItems() throws Exception {
    JsonNode bobs = Client.json(bob.get("/api/next?project=" + projectId));
    long bobsId = bobs.get("assignment_id").asLong();
    assertEquals(404, ann.get("/api/assignments/" + bobsId).statusCode());
    assertEquals(404, ann.get("/task/" + bobsId).statusCode());
    assertEquals(404, ann.post("/api/assignments/" + bobsId + "/label", Map.of("response", "hijack")).statusCode());
    assertEquals(404, ann.postForm("/task/" + bobsId, "_csrf=" + ann.csrf + "&response=hijack").statusCode());
    // Admins are not labelers either: labels are personal.
    assertEquals(404, admin.get("/api/assignments/" + bobsId).statusCode());
    try (Database db = server_db()) {
      assertEquals(null, new Store(db, 4).labelPayload(bobsId));
    }
    assertEquals(200, bob.get("/api/assignments/" + bobsId).statusCode());
  }

  @Test
  void mutationsNeedTheSessionsCsrfToken() throws Exception {
    JsonNode next = Client.json(ann.get("/api/next?project=" + projectId));
    String path = "/api/assignments/" + next.get("assignment_id").asLong() + "/label";
    Map<String, Object> body = Map.of("response", "A fine answer.", "choice", "1");
    assertEquals(403, ann.postJson(path, body, null).statusCode());
    assertEquals(403, ann.postJson(path, body, "wrong").statusCode());
    assertEquals(403, ann.postJson(path, body, bob.csrf).statusCode()); // another session's token
    assertEquals(403, ann.postForm("/task/" + next.get("assignment_id").asLong(), "response=x").statusCode());
    assertEquals(403, ann.postForm("/logout", "").statusCode());
    assertEquals(403, admin.postJson("/api/admin/users", Map.of("username", "eve", "password", "12345678"), null).statusCode());
    // Cross-origin requests are refused even with the token.
    HttpResponse<String> cross =
        ann.http.send(
            HttpRequest.newBuilder(ann.uri(path))
                .header("Content-Type", "application/json")
                .header("X-CSRF-Token", ann.csrf)
                .header("Origin", "http://evil.example")
                .POST(HttpRequest.BodyPublishers.ofString("{\"response\":\"x\"}"))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(403, cross.statusCode());
    assertEquals(200, ann.post(path, body).statusCode());
  }

  @Test
  void loginFailuresAndCookieAttributes() throws Exception {
    Client c = new Client(server.port());
    assertEquals(401, c.postJson("/api/login", Map.of("username", "ann", "password", "nope-nope"), null).statusCode());
    assertEquals(401, c.postJson("/api/login", Map.of("username", "ghost", "password", "nope-nope"), null).statusCode());
    // The HTML login form needs its double-submit token.
    assertEquals(403, c.postForm("/login", "username=ann&password=correct+horse").statusCode());
    HttpResponse<String> ok = c.postJson("/api/login", Map.of("username", "ann", "password", Fixtures.PASSWORD), null);
    String setCookie = ok.headers().allValues("Set-Cookie").toString();
    assertTrue(setCookie.contains("HttpOnly"), setCookie);
    assertTrue(setCookie.contains("SameSite=Strict"), setCookie);
    assertTrue(ok.headers().firstValue("Content-Security-Policy").orElse("").contains("default-src 'self'"));
  }

  @Test
  void oversizedAndInvalidInputIsRejected() throws Exception {
    Client carol = new Client(server.port());
    admin.post("/api/admin/users", Map.of("username", "carol", "password", Fixtures.PASSWORD, "role", "labeler"));
    carol.login("carol", Fixtures.PASSWORD);
    HttpResponse<String> r = admin.post("/api/admin/projects", Fixtures.project("big", List.of("demonstration"), 2, List.of("carol"), 0));
    long id = Client.json(r).get("id").asLong();
    awaitReady(admin, id);
    long a = Client.json(carol.get("/api/next?project=" + id)).get("assignment_id").asLong();
    String path = "/api/assignments/" + a + "/label";
    assertEquals(400, carol.post(path, Map.of("response", "x".repeat(ProjectSpec.MAX_TEXT + 1))).statusCode());
    assertEquals(400, carol.post(path, Map.of("response", "   ")).statusCode());
    assertEquals(413, carol.post(path, Map.of("response", "x".repeat(17 * 1024 * 1024))).statusCode());
    assertEquals(400, admin.post("/api/admin/projects", Map.of("name", "bad", "tasks", List.of("ranking"), "k", 12,
        "prompts_jsonl", Fixtures.prompts(1), "labelers", List.of("carol"))).statusCode());
    HttpResponse<String> badPrompts = admin.post("/api/admin/projects", Map.of("name", "bad", "tasks", List.of("demonstration"),
        "prompts_jsonl", "{\"id\":\"1\",\"prompt\":\"ok\"}\n{\"id\":\"2\"}\n", "labelers", List.of("carol")));
    assertEquals(400, badPrompts.statusCode());
    assertTrue(badPrompts.body().contains("prompts.jsonl:2: field 'prompt'"), badPrompts.body());
  }

  @Test
  void labelsExportAsRlhf4jDataJsonl() throws Exception {
    // dave labels one item of every task; the exports must read back with Jsonl.read.
    admin.post("/api/admin/users", Map.of("username", "dave", "password", Fixtures.PASSWORD, "role", "labeler"));
    Client dave = new Client(server.port()).login("dave", Fixtures.PASSWORD);
    long id = Client.json(admin.post("/api/admin/projects",
        Fixtures.project("export", List.of("demonstration", "ranking", "ab"), 3, List.of("dave"), 0))).get("id").asLong();
    awaitReady(admin, id);
    int done = 0;
    while (true) {
      HttpResponse<String> r = dave.get("/api/next?project=" + id);
      if (r.statusCode() == 204) {
        break;
      }
      JsonNode a = Client.json(r);
      Map<String, Object> body = switch (a.get("task").asText()) {
        case "demonstration" -> Map.of("response", "Demo " + done);
        case "ranking" -> Map.of("ranking", List.of(List.of(2), List.of(0, 3), List.of(1)),
            "ratings", List.of(Map.of("likert", 5), Map.of("likert", 1, "harmful", true), Map.of("likert", 7), Map.of("likert", 4)));
        default -> Map.of("choice", "2");
      };
      assertEquals(200, dave.post("/api/assignments/" + a.get("assignment_id").asLong() + "/label", body).statusCode());
      done++;
    }
    assertEquals(9, done);
    Path out = dir.resolve("export");
    List<Path> files = LabelServer.export(server.config().dbPath(), id, out);
    assertEquals(4, files.size());
    List<Ranking> rankings = Jsonl.read(out.resolve("rankings.jsonl"), Ranking.class);
    assertEquals(3, rankings.size());
    assertEquals(5, rankings.get(0).pairs().size());
    assertEquals("dave", rankings.get(0).labeler());
    assertEquals(3, Jsonl.read(out.resolve("demonstrations.jsonl"), Demonstration.class).size());
    List<Rating> ratings = Jsonl.read(out.resolve("ratings.jsonl"), Rating.class);
    assertEquals(12, ratings.size());
    assertTrue(ratings.get(1).harmful());
    List<PairJudgment> judgments = Jsonl.read(out.resolve("judgments.jsonl"), PairJudgment.class);
    assertEquals(3, judgments.size());
    // "2" is the second response as displayed; un-blinding must map it to the model shown there.
    for (PairJudgment j : judgments) {
      String shownSecond = j.winner().equals("A") ? j.responseA() : j.responseB();
      assertTrue(shownSecond.startsWith(j.winner().equals("A") ? "sft" : "ppo"));
    }
    // The HTTP export is byte-identical to the file export.
    assertEquals(Files.readString(out.resolve("rankings.jsonl")),
        admin.get("/admin/projects/" + id + "/export/rankings.jsonl").body());
  }
}
