package org.rlhf4j.label;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Small data sets and server setup shared by the tests. */
final class Fixtures {
  static final String PASSWORD = "correct horse";

  private Fixtures() {}

  static LabelServerConfig config(Path db) {
    return new LabelServerConfig("127.0.0.1", 0, db, Map.of(), Map.of(), 4, false);
  }

  /** Creates the accounts "admin" and the labeler "ann" (password {@link #PASSWORD}). */
  static void adminAndAnn(Path db) throws java.io.IOException {
    LabelServer.createUser(db, "admin", PASSWORD, "admin", 4);
    LabelServer.createUser(db, "ann", PASSWORD, "labeler", 4);
  }

  /** A server on a fresh database with {@link #adminAndAnn}. */
  static LabelServer startWithAdminAndAnn(Path db) throws java.io.IOException {
    adminAndAnn(db);
    return LabelServer.start(config(db));
  }

  static String prompts(int n) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < n; i++) {
      b.append("{\"id\":\"p").append(i).append("\",\"prompt\":\"Explain idea number ").append(i)
          .append(" in one sentence.\",\"category\":\"explain\"}\n");
    }
    return b.toString();
  }

  static String candidates(int n, int k) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < n; i++) {
      b.append("{\"prompt_id\":\"p").append(i).append("\",\"responses\":[");
      for (int j = 0; j < k; j++) {
        b.append(j == 0 ? "" : ",").append("\"Candidate ").append(j).append(" for prompt ").append(i).append('"');
      }
      b.append("]}\n");
    }
    return b.toString();
  }

  static String responses(int n, String model) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < n; i++) {
      b.append("{\"prompt_id\":\"p").append(i).append("\",\"response\":\"").append(model)
          .append(" answers ").append(i).append("\"}\n");
    }
    return b.toString();
  }

  static Map<String, Object> project(String name, List<String> tasks, int n, List<String> labelers, double overlap) {
    Map<String, Object> m = new java.util.HashMap<>();
    m.put("name", name);
    m.put("tasks", tasks);
    m.put("k", 4);
    m.put("prompts_jsonl", prompts(n));
    m.put("candidates_jsonl", candidates(n, 4));
    m.put("labelers", labelers);
    m.put("overlap_fraction", overlap);
    m.put("overlap_labelers", 2);
    m.put("model_a", "sft");
    m.put("responses_a_jsonl", responses(n, "sft"));
    m.put("model_b", "ppo");
    m.put("responses_b_jsonl", responses(n, "ppo"));
    return m;
  }
}
