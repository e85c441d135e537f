package org.rlhf4j.label;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 20 concurrent labelers submit 50 labels each over loopback while the server is restarted in
 * the middle: exactly 1,000 labels end up stored and every acknowledged one is among them.
 */
class LoadTest {
  static final int LABELERS = 20;
  static final int EACH = 50;

  @TempDir Path dir;

  @Test
  void twentyLabelersFiftyEachSurviveARestart() throws Exception {
    Path db = dir.resolve("load.db");
    LabelServer.createUser(db, "admin", Fixtures.PASSWORD, "admin", 4);
    List<String> names = new ArrayList<>();
    for (int i = 0; i < LABELERS; i++) {
      names.add("l" + i);
      LabelServer.createUser(db, "l" + i, Fixtures.PASSWORD, "labeler", 4);
    }
    LabelServer server = LabelServer.start(Fixtures.config(db));
    int port = server.port();
    long projectId;
    try {
      Client admin = new Client(port).login("admin", Fixtures.PASSWORD);
      projectId = Client.json(admin.post("/api/admin/projects",
          Map.of("name", "load", "tasks", List.of("demonstration"), "prompts_jsonl", Fixtures.prompts(LABELERS * EACH),
              "labelers", names))).get("id").asLong();
    } catch (Exception e) {
      server.close();
      throw e;
    }

    Set<Long> acknowledged = ConcurrentHashMap.newKeySet();
    AtomicInteger errors = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(LABELERS);
    List<Future<Integer>> futures = new ArrayList<>();
    for (String name : names) {
      futures.add(pool.submit(() -> labeler(port, name, projectId, acknowledged, errors)));
    }
    // Restart once a third of the labels are in, while the clients keep submitting.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (acknowledged.size() < 300 && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    int beforeRestart = acknowledged.size();
    server.close();
    server = LabelServer.start(Fixtures.config(db).withPort(port));
    try {
      int submitted = 0;
      for (Future<Integer> f : futures) {
        submitted += f.get(180, TimeUnit.SECONDS);
      }
      pool.shutdown();
      assertTrue(beforeRestart >= 300 && beforeRestart < 1000, "restart happened mid-test at " + beforeRestart);
      // Every labeler ended with an empty queue. A label committed just before the restart may
      // have lost its response, so acknowledged <= stored; none acknowledged may be missing.
      assertTrue(submitted <= LABELERS * EACH && submitted > beforeRestart, "acknowledged " + submitted);
      try (Database check = Database.open(db)) {
        Store store = new Store(check, 4);
        assertEquals(LABELERS * EACH, store.countLabels());
        for (long id : acknowledged) {
          assertTrue(store.labelPayload(id) != null, "acknowledged label " + id + " lost");
        }
      }
      System.out.printf("load test: %d stored, %d acknowledged, restart after %d, %d transient client errors%n",
          LABELERS * EACH, acknowledged.size(), beforeRestart, errors.get());
    } finally {
      pool.shutdownNow();
      server.close();
    }
  }

  /** One labeler: next task, submit, repeat until the queue is empty. Bounded retries. */
  private static int labeler(int port, String name, long projectId, Set<Long> acked, AtomicInteger errors)
      throws Exception {
    Client c = new Client(port);
    int mine = 0;
    int failures = 0;
    for (int step = 0; step < 10 * EACH; step++) {
      try {
        if (c.csrf == null) {
          // Logging in inside the retry loop: a slow login (password hashing on a busy CPU) can
          // straddle the restart, and a browser user would simply log in again.
          c.login(name, Fixtures.PASSWORD);
        }
        HttpResponse<String> next = c.get("/api/next?project=" + projectId);
        if (next.statusCode() == 204) {
          return mine;
        }
        if (next.statusCode() != 200) {
          throw new IOException("next: " + next.statusCode());
        }
        JsonNode a = Client.json(next);
        long id = a.get("assignment_id").asLong();
        HttpResponse<String> r =
            c.post("/api/assignments/" + id + "/label", Map.of("response", name + " answers " + a.get("prompt_id").asText()));
        if (r.statusCode() != 200) {
          throw new IOException("label: " + r.statusCode() + " " + r.body());
        }
        if (acked.add(id)) {
          mine++;
        }
      } catch (IOException e) {
        // The server is restarting: back off and retry (the label write is idempotent).
        errors.incrementAndGet();
        if (++failures > 200) {
          throw e;
        }
        Thread.sleep(50);
      }
    }
    throw new AssertionError(name + " did not finish");
  }
}
