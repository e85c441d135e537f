package org.rlhf4j.label;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MigrationTest {
  @TempDir Path dir;

  @Test
  void upgradingFromVersionOneKeepsEveryRow() throws Exception {
    Path file = dir.resolve("old.db");
    try (Database v1 = Database.open(file, 1)) {
      assertEquals(1, v1.schemaVersion());
      v1.write(
          c -> {
            Store.update(c, "INSERT INTO users (id, username, password_hash, role, created_at) VALUES (1, 'ann', 'h', 'labeler', 0)");
            Store.update(c, "INSERT INTO projects (id, name, tasks, k, source, status, created_at) VALUES (1, 'p', 'demonstration', 0, 'none', 'ready', 0)");
            Store.update(c, "INSERT INTO items (id, project_id, task, prompt_id, prompt) VALUES (1, 1, 'demonstration', 'p1', 'Hi?')");
            Store.update(c, "INSERT INTO assignments (id, item_id, user_id, position) VALUES (1, 1, 1, 0)");
            Store.update(c, "INSERT INTO labels (assignment_id, payload, created_at, updated_at) VALUES (1, '{\"prompt\":\"Hi?\",\"response\":\"Hello\"}', 0, 0)");
            return null;
          });
    }
    try (Database latest = Database.open(file)) {
      assertEquals(Database.MIGRATIONS.size(), latest.schemaVersion());
      Store store = new Store(latest, 4);
      assertEquals(1, store.countLabels());
      Store.User ann = store.findUser("ann");
      assertEquals(false, ann.disabled()); // the column added by V2 has its default
      assertEquals("Hello", Labels.demonstrations(store, 1).get(0).response());
      // The V2 index exists.
      boolean hasIndex =
          latest.read(
              c -> {
                try (PreparedStatement ps =
                        c.prepareStatement("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = 'assignments_by_user'");
                    ResultSet rs = ps.executeQuery()) {
                  rs.next();
                  return rs.getInt(1) == 1;
                }
              });
      assertTrue(hasIndex);
    }
    // Reopening is a no-op.
    try (Database again = Database.open(file)) {
      assertEquals(Database.MIGRATIONS.size(), again.schemaVersion());
    }
  }

  @Test
  void aNewerDatabaseIsRefused() throws Exception {
    Path file = dir.resolve("new.db");
    try (Database db = Database.open(file)) {
      db.write(c -> Store.update(c, "INSERT INTO schema_version (version, script, applied_at) VALUES (99, 'future', 0)"));
    }
    IOException e = assertThrows(IOException.class, () -> Database.open(file));
    assertTrue(e.getMessage().contains("newer"), e.getMessage());
  }

  @Test
  void splitsScriptsIntoStatements() {
    assertEquals(
        List.of("CREATE TABLE a (x INTEGER)", "CREATE INDEX i ON a (x)"),
        Database.statements("-- comment\nCREATE TABLE a (x INTEGER);\n\nCREATE INDEX i ON a (x);\n"));
  }
}
