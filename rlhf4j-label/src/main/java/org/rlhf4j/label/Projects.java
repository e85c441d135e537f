package org.rlhf4j.label;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.rlhf4j.data.Prompt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates projects: items (one per prompt and task), assignments (with overlap) and candidates.
 * Uploaded candidates and responses (the JSONL sources, already in memory) are stored with the
 * items in the same transaction, so the upload is not kept after the request (issue 16). Other
 * sources (a model) generate in the background, on one thread so a model-backed source is never
 * called concurrently; items become visible to labelers as soon as their candidates are stored.
 */
final class Projects implements AutoCloseable {
  static final String READY = "ready";
  static final String GENERATING = "generating";
  static final String FAILED = "failed";

  private static final Logger LOG = LoggerFactory.getLogger(Projects.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Store store;
  private final ExecutorService generator =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "rlhf4j-label-candidates");
            t.setDaemon(true);
            return t;
          });
  private final Random random;

  Projects(Store store, Random random) {
    this.store = store;
    this.random = random;
  }

  /**
   * Creates the project and its assignments in one transaction, then queues candidate generation.
   *
   * @param candidates required when the spec has the ranking task
   * @param pairs required when the spec has the ab task
   */
  long create(ProjectSpec spec, CandidateSource candidates, PairSource pairs) throws SQLException {
    boolean ranking = spec.tasks().contains("ranking");
    boolean ab = spec.tasks().contains("ab");
    if (ranking && candidates == null) {
      throw new IllegalArgumentException("the ranking task needs a candidate source");
    }
    if (ab && pairs == null) {
      throw new IllegalArgumentException("the A/B task needs a pair source (two models' responses)");
    }
    if (ab) {
      ProjectSpec.checkName(pairs.modelA(), "model A's name");
      ProjectSpec.checkName(pairs.modelB(), "model B's name");
    }
    List<Long> labelerIds = new ArrayList<>();
    for (String name : spec.labelers()) {
      Store.User u = store.findUser(name);
      if (u == null || !Store.LABELER.equals(u.role())) {
        throw new IllegalArgumentException("no labeler account " + name);
      }
      labelerIds.add(u.id());
    }
    // Uploaded sources: check every lookup before anything is written, so a missing prompt_id is a
    // 400 naming it rather than a half-created project.
    boolean inline =
        (candidates == null || candidates instanceof JsonlCandidateSource)
            && (pairs == null || pairs instanceof JsonlPairSource);
    if (inline && (ranking || ab)) {
      for (Prompt prompt : spec.prompts()) {
        for (String task : orderedTasks(spec)) {
          try {
            texts(task, prompt, spec.k(), candidates, pairs);
          } catch (IOException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
          }
        }
      }
    }
    long id =
        store.insertProject(
            spec.name(),
            orderedTasksSet(spec),
            ranking ? spec.k() : 0,
            spec.source(),
            ab ? pairs.modelA() : null,
            ab ? pairs.modelB() : null,
            spec.instructions(),
            (ranking || ab) && !inline ? GENERATING : READY);
    // Which prompts several labelers see: a random subset of the requested size.
    int n = spec.prompts().size();
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      order.add(i);
    }
    Collections.shuffle(order, random);
    int overlapping = (int) Math.round(spec.overlapFraction() * n);
    boolean[] overlap = new boolean[n];
    for (int i = 0; i < overlapping; i++) {
      overlap[order.get(i)] = true;
    }
    store
        .db()
        .write(
            c -> {
              int cursor = 0; // round-robin over labelers balances the load
              int[] position = new int[labelerIds.size()];
              for (int p = 0; p < n; p++) {
                Prompt prompt = spec.prompts().get(p);
                int copies = overlap[p] ? spec.overlapLabelers() : 1;
                List<Integer> who = new ArrayList<>();
                for (int j = 0; j < copies; j++) {
                  who.add((cursor + j) % labelerIds.size());
                }
                cursor = (cursor + copies) % labelerIds.size();
                for (String task : orderedTasks(spec)) {
                  long item = Store.insertItem(c, id, task, prompt);
                  if (inline && !task.equals("demonstration")) {
                    try {
                      Store.setCandidates(c, item, json(texts(task, prompt, spec.k(), candidates, pairs)));
                    } catch (IOException e) {
                      throw new IllegalStateException("checked above", e);
                    }
                  }
                  for (int w : who) {
                    // A/B: random side per assignment, so neither model is always on the left.
                    Store.insertAssignment(
                        c, item, labelerIds.get(w), position[w]++, task.equals("ab") && random.nextBoolean());
                  }
                }
              }
              return null;
            });
    if ((ranking || ab) && !inline) {
      generator.submit(() -> generate(id, spec.k(), candidates, pairs));
    }
    return id;
  }

  /** Demonstration first: a labeler who writes the ideal answer should do so before seeing samples. */
  private static List<String> orderedTasks(ProjectSpec spec) {
    List<String> tasks = new ArrayList<>();
    for (String t : List.of("demonstration", "ranking", "ab")) {
      if (spec.tasks().contains(t)) {
        tasks.add(t);
      }
    }
    return tasks;
  }

  private static java.util.Set<String> orderedTasksSet(ProjectSpec spec) {
    return new java.util.LinkedHashSet<>(orderedTasks(spec));
  }

  private void generate(long projectId, int k, CandidateSource candidates, PairSource pairs) {
    try {
      List<Store.Item> items = store.itemsWithoutCandidates(projectId);
      int done = 0;
      for (Store.Item item : items) {
        Prompt prompt = new Prompt(item.promptId(), item.prompt(), item.category());
        store.setCandidates(item.id(), json(texts(item.task(), prompt, k, candidates, pairs)));
        done++;
        if (done % 10 == 0) {
          store.setStatus(projectId, GENERATING, done + "/" + items.size());
        }
      }
      store.setStatus(projectId, READY, null);
    } catch (IOException | SQLException | RuntimeException e) {
      LOG.warn("candidate generation for project {} failed", projectId, e);
      try {
        String reason = String.valueOf(e.getMessage());
        store.setStatus(projectId, FAILED, reason.length() > 1000 ? reason.substring(0, 1000) + "…" : reason);
      } catch (SQLException ignored) {
        // The log above keeps the cause.
      }
    }
  }

  /** The K candidates (ranking) or the A and B responses (ab) of one prompt, checked. */
  private static List<String> texts(String task, Prompt prompt, int k, CandidateSource candidates, PairSource pairs)
      throws IOException {
    List<String> texts;
    if (task.equals("ranking")) {
      texts = candidates.generate(prompt, k);
      // stream().anyMatch, not contains(null): immutable lists throw on contains(null).
      if (texts == null || texts.size() != k || texts.stream().anyMatch(t -> t == null)) {
        throw new IOException("candidate source returned " + (texts == null ? "null" : texts.size() + " responses") + ", need " + k);
      }
    } else if (task.equals("ab")) {
      PairSource.Responses r = pairs.responses(prompt);
      texts = List.of(r.a(), r.b());
    } else {
      return List.of();
    }
    // Every source, not only uploads: a model or a custom source must respect the limit too.
    for (String t : texts) {
      if (t.length() > ProjectSpec.MAX_TEXT) {
        throw new IOException("a response to prompt " + prompt.id() + " exceeds " + ProjectSpec.MAX_TEXT + " characters");
      }
    }
    return texts;
  }

  private static String json(List<String> texts) {
    try {
      return JSON.writeValueAsString(texts);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  static List<String> candidates(Store.Item item) {
    if (item.candidatesJson() == null) {
      return List.of();
    }
    try {
      return List.of(JSON.readValue(item.candidatesJson(), String[].class));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("corrupt candidates of item " + item.id(), e);
    }
  }

  @Override
  public void close() {
    generator.shutdownNow();
    try {
      generator.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
