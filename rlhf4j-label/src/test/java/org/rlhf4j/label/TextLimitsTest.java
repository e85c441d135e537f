package org.rlhf4j.label;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rlhf4j.data.Prompt;

/**
 * Issue 16: the 20,000-character limit was not enforced on candidates, A/B responses and model
 * names, and an API invite with role=admin quietly created a labeler.
 */
class TextLimitsTest {
  static final String LONGEST = "x".repeat(ProjectSpec.MAX_TEXT);
  static final String TOO_LONG = LONGEST + "x";

  @TempDir static Path dir;
  static LabelServer server;
  static Client admin;

  @BeforeAll
  static void start() throws Exception {
    server = Fixtures.startWithAdminAndAnn(dir.resolve("limits.db"));
    admin = new Client(server.port()).login("admin", Fixtures.PASSWORD);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static HttpResponse<String> create(String task, Map<String, Object> overrides) throws Exception {
    Map<String, Object> p = Fixtures.project("limits", List.of(task), 1, List.of("ann"), 0);
    p.putAll(overrides);
    return admin.post("/api/admin/projects", p);
  }

  @Test
  void candidatesAreLimitedTo20000Characters() throws Exception {
    String line = "{\"prompt_id\":\"p0\",\"responses\":[\"a\",\"b\",\"c\",\"%s\"]}\n";
    HttpResponse<String> ok = create("ranking", Map.of("candidates_jsonl", line.formatted(LONGEST)));
    assertEquals(200, ok.statusCode(), ok.body());
    HttpResponse<String> r = create("ranking", Map.of("candidates_jsonl", line.formatted(TOO_LONG)));
    assertEquals(400, r.statusCode());
    assertTrue(r.body().contains("candidates.jsonl:1: field 'responses'") && r.body().contains("20000"), r.body());
  }

  @Test
  void abResponsesAreLimitedTo20000Characters() throws Exception {
    String line = "{\"prompt_id\":\"p0\",\"response\":\"%s\"}\n";
    assertEquals(200, create("ab", Map.of("responses_b_jsonl", line.formatted(LONGEST))).statusCode());
    HttpResponse<String> r = create("ab", Map.of("responses_b_jsonl", line.formatted(TOO_LONG)));
    assertEquals(400, r.statusCode());
    assertTrue(r.body().contains("model_b.jsonl:1: field 'response'"), r.body());
  }

  @Test
  void modelNamesPromptIdsAndCategoriesAreLimitedToNameLength() throws Exception {
    String longest = "m".repeat(ProjectSpec.MAX_NAME);
    assertEquals(200, create("ab", Map.of("model_a", longest)).statusCode());
    HttpResponse<String> r = create("ab", Map.of("model_a", longest + "m"));
    assertEquals(400, r.statusCode());
    assertTrue(r.body().contains("model A's name"), r.body());
    String prompt = "{\"id\":\"%s\",\"prompt\":\"Hi\",\"category\":\"%s\"}\n";
    assertEquals(400, create("demonstration", Map.of("prompts_jsonl", prompt.formatted(longest + "x", "c"))).statusCode());
    assertEquals(400, create("demonstration", Map.of("prompts_jsonl", prompt.formatted("p0", longest + "x"))).statusCode());
    assertEquals(200, create("demonstration", Map.of("prompts_jsonl", prompt.formatted("p0", longest))).statusCode());
  }

  @Test
  void aModelSourceOverTheLimitFailsTheProject() throws Exception {
    // Not an upload: a registered source (e.g. a model) that returns an over-long candidate.
    CandidateSource verbose = (prompt, k) -> List.of("a", "b", "c", TOO_LONG);
    try (Database db = Database.open(dir.resolve("source.db"));
        Projects projects = new Projects(new Store(db, 4), new SecureRandom())) {
      Store store = new Store(db, 4);
      store.createUser("bob", Fixtures.PASSWORD, Store.LABELER);
      long id = projects.create(new ProjectSpec("verbose", Set.of("ranking"), 4, List.of(new Prompt("p0", "Hi")),
          List.of("bob"), 0, 2, null, "model"), verbose, null);
      for (int i = 0; i < 200 && !Projects.FAILED.equals(store.project(id).status()); i++) {
        Thread.sleep(25);
      }
      assertEquals(Projects.FAILED, store.project(id).status());
      assertTrue(store.project(id).statusDetail().contains("exceeds 20000 characters"), store.project(id).statusDetail());
      assertNull(store.next(store.findUser("bob").id(), id), "nothing to label from a failed source");
    }
  }

  @Test
  void anApiInviteForAnAdminIsRefused() throws Exception {
    HttpResponse<String> r = admin.post("/api/admin/users", Map.of("username", "boss", "role", "admin"));
    assertEquals(400, r.statusCode());
    assertTrue(r.body().contains("invites are for labelers"), r.body());
    try (Database db = Database.open(server.config().dbPath())) {
      assertNull(new Store(db, 4).findUser("boss"), "no account may be created");
    }
    assertEquals(400, admin.post("/api/admin/users", Map.of("username", "boss", "role", "root")).statusCode());
    // With a password the admin is created; without a role an invite makes a labeler.
    assertEquals(200, admin.post("/api/admin/users", Map.of("username", "boss", "role", "admin", "password", Fixtures.PASSWORD)).statusCode());
    HttpResponse<String> invite = admin.post("/api/admin/users", Map.of("username", "newbie"));
    assertEquals(200, invite.statusCode());
    assertTrue(Client.json(invite).get("invite_url").asText().contains("/invite/"));
  }
}
