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
  static final int UPLOADS = 8;
  static final int PROMPTS = 200;
  static final int HEAP_MB = Integer.getInteger("rlhf4j.label.uploadHeapMb", 96);

  @TempDir static Path dir;
  static LabelServer server;
  static Client admin;

  @BeforeAll
  static void start() throws Exception {
    server = Fixtures.startWithAdminAndAnn(dir.resolve("upload.db"));
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
  void aChunkedBodyOverTheLimitIs413EvenAnonymously() throws Exception {
    // No Content-Length: the server must stop reading at the limit rather than buffer it all.
    byte[] chunk = new byte[1 << 20];
    java.util.Arrays.fill(chunk, (byte) ' ');
    java.util.List<byte[]> chunks = java.util.Collections.nCopies(17, chunk);
    Client anon = new Client(server.port());
    HttpResponse<String> r = anon.http.send(
        java.net.http.HttpRequest.newBuilder(anon.uri("/api/login"))
            .header("Content-Type", "application/json")
            .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArrays(chunks))
            .build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(413, r.statusCode(), r.body());
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

  /**
   * Eight concurrent 13.7 MB uploads (the figure: they peaked at 2.9 GB) into a server
   * whose heap is {@value #HEAP_MB} MiB, in a JVM of its own: every upload must be accepted and the
   * server must not run out of memory.
   */
  @Test
  void eightLargeUploadsFitInASmallHeap() throws Exception {
    Path db = dir.resolve("heap.db");
    Fixtures.adminAndAnn(db);
    byte[] prompts = Fixtures.prompts(PROMPTS).getBytes(StandardCharsets.UTF_8);
    StringBuilder b = new StringBuilder();
    String filler = "x".repeat(17_000);
    for (int i = 0; i < PROMPTS; i++) {
      b.append("{\"prompt_id\":\"p").append(i).append("\",\"responses\":[");
      for (int j = 0; j < 4; j++) {
        b.append(j == 0 ? "" : ",").append("\"Candidate ").append(j).append(' ').append(filler).append('"');
      }
      b.append("]}\n");
    }
    byte[] candidates = b.toString().getBytes(StandardCharsets.UTF_8);
    assertTrue(candidates.length > 13_600_000 && candidates.length < UploadLimits.MAX_REQUEST_BYTES);

    Process child = new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xmx" + HEAP_MB + "m", "-XX:+ExitOnOutOfMemoryError",
            "-cp", System.getProperty("java.class.path"), UploadHeapProbe.class.getName(), db.toString())
        .redirectErrorStream(true)
        .start();
    List<String> output = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    java.util.concurrent.CompletableFuture<Integer> port = new java.util.concurrent.CompletableFuture<>();
    Thread reader = new Thread(() -> {
      try (var in = new java.io.BufferedReader(new java.io.InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          output.add(line);
          if (line.startsWith("port ")) {
            port.complete(Integer.parseInt(line.substring(5).strip()));
          }
        }
      } catch (java.io.IOException e) {
        port.completeExceptionally(e);
      }
      port.completeExceptionally(new AssertionError("the server exited: " + output));
    });
    reader.setDaemon(true);
    reader.start();
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(UPLOADS);
    try {
      Client c = new Client(port.get(60, java.util.concurrent.TimeUnit.SECONDS)).login("admin", Fixtures.PASSWORD);
      List<java.util.concurrent.Future<Integer>> statuses = new java.util.ArrayList<>();
      for (int u = 0; u < UPLOADS; u++) {
        Map<String, String> f = new LinkedHashMap<>(form("heap " + u));
        f.put("_csrf", c.csrf);
        statuses.add(pool.submit(() -> c.postMultipart("/admin/projects", f,
            Map.of("prompts_file", prompts, "candidates_file", candidates)).statusCode()));
      }
      for (var s : statuses) {
        assertEquals(302, s.get(120, java.util.concurrent.TimeUnit.SECONDS), () -> String.join("\n", output));
      }
      child.getOutputStream().close();
      assertTrue(child.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "the server did not stop");
      reader.join(10_000);
      assertEquals(0, child.exitValue(), () -> String.join("\n", output));
      String peak = output.stream().filter(l -> l.startsWith("most heap")).findFirst().orElse("no peak reported");
      System.out.printf("%d concurrent %.1f MB uploads in a %d MiB heap: all accepted, %s%n",
          UPLOADS, candidates.length / 1e6, HEAP_MB, peak);
    } finally {
      pool.shutdownNow();
      child.destroyForcibly();
    }
  }
}
