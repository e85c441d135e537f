package org.rlhf4j.label;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 16: uploads over the limit got 500 instead of 413, and took about 30x their size in memory. */
class UploadLimitsTest {
  @TempDir static Path dir;
  static LabelServer server;
  static Client admin;

  @BeforeAll
  static void start() throws Exception {
    Path db = dir.resolve("upload.db");
    LabelServer.createUser(db, "admin", Fixtures.PASSWORD, "admin", 4);
    LabelServer.createUser(db, "ann", Fixtures.PASSWORD, "labeler", 4);
    server = LabelServer.start(Fixtures.config(db));
    admin = new Client(server.port()).login("admin", Fixtures.PASSWORD);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static Map<String, String> form(String name) {
    Map<String, String> f = new LinkedHashMap<>();
    f.put("_csrf", admin.csrf);
    f.put("name", name);
    f.put("tasks", "ranking");
    f.put("k", "4");
    f.put("labelers", "ann");
    return f;
  }

  @Test
  void anUploadOverTheLimitIs413() throws Exception {
    byte[] big = Fixtures.candidates(200_000, 4).getBytes(StandardCharsets.UTF_8);
    assertTrue(big.length > UploadLimits.MAX_REQUEST_BYTES, "fixture is " + big.length + " bytes");
    HttpResponse<String> r =
        admin.postMultipart("/admin/projects", form("too big"),
            Map.of("prompts_file", Fixtures.prompts(10).getBytes(StandardCharsets.UTF_8), "candidates_file", big));
    assertEquals(413, r.statusCode(), r.body());
    // The JSON API says the same.
    Map<String, Object> json = Fixtures.project("too big", List.of("ranking"), 10, List.of("ann"), 0);
    json.put("candidates_jsonl", new String(big, StandardCharsets.UTF_8));
    assertEquals(413, admin.post("/api/admin/projects", json).statusCode());
  }

  @Test
  void anUploadUnderTheLimitCreatesTheProject() throws Exception {
    HttpResponse<String> r =
        admin.postMultipart("/admin/projects", form("fits"),
            Map.of("prompts_file", Fixtures.prompts(50).getBytes(StandardCharsets.UTF_8),
                "candidates_file", Fixtures.candidates(50, 4).getBytes(StandardCharsets.UTF_8)));
    assertEquals(302, r.statusCode(), r.body());
    long id = Long.parseLong(r.headers().firstValue("Location").orElseThrow().replace("/admin/projects/", ""));
    AuthorizationTest.awaitReady(admin, id);
  }
}
