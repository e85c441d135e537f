package org.rlhf4j.label;

import at.favre.lib.crypto.bcrypt.BCrypt;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** All SQL of the app, as prepared statements. Stateless apart from the database it wraps. */
final class Store {
  static final String ADMIN = "admin";
  static final String LABELER = "labeler";
  static final long SESSION_TTL_MS = 12L * 3600 * 1000;
  static final long INVITE_TTL_MS = 7L * 24 * 3600 * 1000;
  static final int MAX_USERNAME = 64;
  static final int MIN_PASSWORD = 8;
  static final int MAX_PASSWORD_BYTES = 72; // bcrypt's limit

  private static final SecureRandom RANDOM = new SecureRandom();

  private final Database db;
  private final int bcryptCost;
  // Verified against when a username does not exist, so a login takes the same time either way.
  private final String dummyHash;

  Store(Database db, int bcryptCost) {
    this.db = db;
    this.bcryptCost = bcryptCost;
    this.dummyHash = BCrypt.withDefaults().hashToString(bcryptCost, "not-a-password".toCharArray());
  }

  Database db() {
    return db;
  }

  record User(long id, String username, String role, boolean disabled, boolean activated) {}

  record Session(long userId, String username, String role, String csrf) {
    boolean admin() {
      return ADMIN.equals(role);
    }
  }

  record Project(
      long id,
      String name,
      Set<String> tasks,
      int k,
      String source,
      String modelA,
      String modelB,
      String status,
      String statusDetail,
      String instructions,
      long createdAt) {}

  record Item(
      long id,
      long projectId,
      String task,
      String promptId,
      String prompt,
      String category,
      String candidatesJson) {}

  record Assignment(long id, Item item, long userId, int position, boolean swap, Long openedAt) {}

  record LabelRow(
      long assignmentId, long itemId, String task, String username, String payload, Long durationMs,
      long createdAt) {}

  // ---------------------------------------------------------------- tokens and passwords

  static String randomToken() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  static String sha256(String token) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static void checkUsername(String username) {
    if (username == null || !username.matches("[A-Za-z0-9_.-]{1," + MAX_USERNAME + "}")) {
      throw new IllegalArgumentException(
          "username must be 1.." + MAX_USERNAME + " letters, digits, '.', '_' or '-'");
    }
  }

  static void checkPassword(String password) {
    if (password == null || password.length() < MIN_PASSWORD) {
      throw new IllegalArgumentException("password must have at least " + MIN_PASSWORD + " characters");
    }
    if (password.getBytes(StandardCharsets.UTF_8).length > MAX_PASSWORD_BYTES) {
      throw new IllegalArgumentException(
          "password must have at most " + MAX_PASSWORD_BYTES + " bytes (bcrypt's limit)");
    }
  }

  private String hash(String password) {
    checkPassword(password);
    return BCrypt.withDefaults().hashToString(bcryptCost, password.toCharArray());
  }

  // ---------------------------------------------------------------- users

  /** Creates an account; {@code password} null creates an invited account without a password. */
  long createUser(String username, String password, String role) throws SQLException {
    checkUsername(username);
    if (!ADMIN.equals(role) && !LABELER.equals(role)) {
      throw new IllegalArgumentException("role must be admin or labeler");
    }
    String hash = password == null ? null : hash(password);
    return db.write(
        c -> {
          if (findUser(c, username) != null) {
            throw new IllegalArgumentException("user " + username + " already exists");
          }
          try (PreparedStatement ps =
              c.prepareStatement(
                  "INSERT INTO users (username, password_hash, role, created_at) VALUES (?, ?, ?, ?)",
                  Statement.RETURN_GENERATED_KEYS)) {
            ps.setString(1, username);
            ps.setString(2, hash);
            ps.setString(3, role);
            ps.setLong(4, System.currentTimeMillis());
            ps.executeUpdate();
            return generatedKey(ps);
          }
        });
  }

  /** Creates an invited labeler and returns the one-time invite token (valid 7 days). */
  String invite(String username) throws SQLException {
    long id = createUser(username, null, LABELER);
    return newInvite(id);
  }

  String newInvite(long userId) throws SQLException {
    String token = randomToken();
    db.write(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement("INSERT INTO invites (token_hash, user_id, expires_at) VALUES (?, ?, ?)")) {
            ps.setString(1, sha256(token));
            ps.setLong(2, userId);
            ps.setLong(3, System.currentTimeMillis() + INVITE_TTL_MS);
            ps.executeUpdate();
          }
          return null;
        });
    return token;
  }

  /** The user an unexpired invite belongs to, or null. */
  User inviteUser(String token) throws SQLException {
    return db.read(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT u.id FROM invites i JOIN users u ON u.id = i.user_id"
                      + " WHERE i.token_hash = ? AND i.expires_at > ?")) {
            ps.setString(1, sha256(token));
            ps.setLong(2, System.currentTimeMillis());
            try (ResultSet rs = ps.executeQuery()) {
              return rs.next() ? user(c, rs.getLong(1)) : null;
            }
          }
        });
  }

  /** Sets the password for an invite and consumes it; false when the invite is invalid. */
  boolean acceptInvite(String token, String password) throws SQLException {
    String hash = hash(password);
    return db.write(
        c -> {
          Long userId = null;
          try (PreparedStatement ps =
              c.prepareStatement("SELECT user_id FROM invites WHERE token_hash = ? AND expires_at > ?")) {
            ps.setString(1, sha256(token));
            ps.setLong(2, System.currentTimeMillis());
            try (ResultSet rs = ps.executeQuery()) {
              if (rs.next()) {
                userId = rs.getLong(1);
              }
            }
          }
          if (userId == null) {
            return false;
          }
          update(c, "UPDATE users SET password_hash = ? WHERE id = ?", hash, userId);
          update(c, "DELETE FROM invites WHERE user_id = ?", userId);
          return true;
        });
  }

  void setPassword(String username, String password) throws SQLException {
    String hash = hash(password);
    db.write(
        c -> {
          if (update(c, "UPDATE users SET password_hash = ? WHERE username = ?", hash, username) != 1) {
            throw new IllegalArgumentException("no user " + username);
          }
          return null;
        });
  }

  void setDisabled(long userId, boolean disabled) throws SQLException {
    db.write(
        c -> {
          update(c, "UPDATE users SET disabled = ? WHERE id = ?", disabled ? 1 : 0, userId);
          if (disabled) {
            update(c, "DELETE FROM sessions WHERE user_id = ?", userId);
          }
          return null;
        });
  }

  List<User> users() throws SQLException {
    return db.read(
        c -> {
          List<User> out = new ArrayList<>();
          try (PreparedStatement ps =
                  c.prepareStatement(
                      "SELECT id, username, role, disabled, password_hash IS NOT NULL FROM users ORDER BY username");
              ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              out.add(new User(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getInt(4) != 0, rs.getInt(5) != 0));
            }
          }
          return out;
        });
  }

  User user(long id) throws SQLException {
    return db.read(c -> user(c, id));
  }

  private static User user(Connection c, long id) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT id, username, role, disabled, password_hash IS NOT NULL FROM users WHERE id = ?")) {
      ps.setLong(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next()
            ? new User(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getInt(4) != 0, rs.getInt(5) != 0)
            : null;
      }
    }
  }

  User findUser(String username) throws SQLException {
    return db.read(c -> findUser(c, username));
  }

  private static User findUser(Connection c, String username) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT id FROM users WHERE username = ?")) {
      ps.setString(1, username);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? user(c, rs.getLong(1)) : null;
      }
    }
  }

  // ---------------------------------------------------------------- sessions

  /** Verifies the password and opens a session; returns the session token, or null. */
  String login(String username, String password) throws SQLException {
    if (username == null || password == null || username.length() > MAX_USERNAME
        || password.length() > 4 * MAX_PASSWORD_BYTES) {
      return null;
    }
    String[] row =
        db.read(
            c -> {
              try (PreparedStatement ps =
                  c.prepareStatement(
                      "SELECT id, password_hash FROM users WHERE username = ? AND disabled = 0")) {
                ps.setString(1, username);
                try (ResultSet rs = ps.executeQuery()) {
                  return rs.next() ? new String[] {rs.getString(1), rs.getString(2)} : null;
                }
              }
            });
    String hash = row == null || row[1] == null ? dummyHash : row[1];
    boolean ok = BCrypt.verifyer().verify(password.toCharArray(), hash).verified;
    if (!ok || row == null || row[1] == null) {
      return null;
    }
    long userId = Long.parseLong(row[0]);
    String token = randomToken();
    db.write(
        c -> {
          // Expired sessions are swept on each login so the table stays small.
          update(c, "DELETE FROM sessions WHERE expires_at < ?", System.currentTimeMillis());
          update(
              c,
              "INSERT INTO sessions (token_hash, user_id, csrf, expires_at) VALUES (?, ?, ?, ?)",
              sha256(token),
              userId,
              randomToken(),
              System.currentTimeMillis() + SESSION_TTL_MS);
          return null;
        });
    return token;
  }

  Session session(String token) throws SQLException {
    if (token == null || token.length() > 100) {
      return null;
    }
    return db.read(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT u.id, u.username, u.role, s.csrf FROM sessions s JOIN users u ON u.id = s.user_id"
                      + " WHERE s.token_hash = ? AND s.expires_at > ? AND u.disabled = 0")) {
            ps.setString(1, sha256(token));
            ps.setLong(2, System.currentTimeMillis());
            try (ResultSet rs = ps.executeQuery()) {
              return rs.next()
                  ? new Session(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4))
                  : null;
            }
          }
        });
  }

  void logout(String token) throws SQLException {
    db.write(c -> update(c, "DELETE FROM sessions WHERE token_hash = ?", sha256(token)));
  }

  // ---------------------------------------------------------------- projects and items

  long insertProject(
      String name, Set<String> tasks, int k, String source, String modelA, String modelB,
      String instructions, String status)
      throws SQLException {
    return db.write(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "INSERT INTO projects (name, tasks, k, source, model_a, model_b, status, instructions, created_at)"
                      + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                  Statement.RETURN_GENERATED_KEYS)) {
            ps.setString(1, name);
            ps.setString(2, String.join(",", tasks));
            ps.setInt(3, k);
            ps.setString(4, source);
            ps.setString(5, modelA);
            ps.setString(6, modelB);
            ps.setString(7, status);
            ps.setString(8, instructions);
            ps.setLong(9, System.currentTimeMillis());
            ps.executeUpdate();
            return generatedKey(ps);
          }
        });
  }

  static long insertItem(Connection c, long projectId, String task, org.rlhf4j.data.Prompt p)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO items (project_id, task, prompt_id, prompt, category) VALUES (?, ?, ?, ?, ?)",
            Statement.RETURN_GENERATED_KEYS)) {
      ps.setLong(1, projectId);
      ps.setString(2, task);
      ps.setString(3, p.id());
      ps.setString(4, p.text());
      ps.setString(5, p.category());
      ps.executeUpdate();
      return generatedKey(ps);
    }
  }

  static void insertAssignment(Connection c, long itemId, long userId, int position, boolean swap)
      throws SQLException {
    update(
        c,
        "INSERT INTO assignments (item_id, user_id, position, swap) VALUES (?, ?, ?, ?)",
        itemId,
        userId,
        position,
        swap ? 1 : 0);
  }

  void setStatus(long projectId, String status, String detail) throws SQLException {
    db.write(
        c -> update(c, "UPDATE projects SET status = ?, status_detail = ? WHERE id = ?", status, detail, projectId));
  }

  void setCandidates(long itemId, String json) throws SQLException {
    db.write(c -> setCandidates(c, itemId, json));
  }

  static int setCandidates(Connection c, long itemId, String json) throws SQLException {
    return update(c, "UPDATE items SET candidates_json = ? WHERE id = ?", json, itemId);
  }

  List<Project> projects() throws SQLException {
    return db.read(
        c -> {
          List<Project> out = new ArrayList<>();
          try (PreparedStatement ps = c.prepareStatement(PROJECT_SQL + " ORDER BY id DESC");
              ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              out.add(project(rs));
            }
          }
          return out;
        });
  }

  Project project(long id) throws SQLException {
    return db.read(
        c -> {
          try (PreparedStatement ps = c.prepareStatement(PROJECT_SQL + " WHERE id = ?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
              return rs.next() ? project(rs) : null;
            }
          }
        });
  }

  private static final String PROJECT_SQL =
      "SELECT id, name, tasks, k, source, model_a, model_b, status, status_detail, instructions, created_at FROM projects";

  private static Project project(ResultSet rs) throws SQLException {
    return new Project(
        rs.getLong(1),
        rs.getString(2),
        new LinkedHashSet<>(List.of(rs.getString(3).split(","))),
        rs.getInt(4),
        rs.getString(5),
        rs.getString(6),
        rs.getString(7),
        rs.getString(8),
        rs.getString(9),
        rs.getString(10),
        rs.getLong(11));
  }

  List<Item> itemsWithoutCandidates(long projectId) throws SQLException {
    return db.read(
        c -> {
          List<Item> out = new ArrayList<>();
          try (PreparedStatement ps =
              c.prepareStatement(
                  ITEM_SQL + " WHERE project_id = ? AND task <> 'demonstration' AND candidates_json IS NULL ORDER BY id")) {
            ps.setLong(1, projectId);
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                out.add(item(rs, 1));
              }
            }
          }
          return out;
        });
  }

  private static final String ITEM_SQL =
      "SELECT id, project_id, task, prompt_id, prompt, category, candidates_json FROM items";

  private static Item item(ResultSet rs, int from) throws SQLException {
    return new Item(
        rs.getLong(from),
        rs.getLong(from + 1),
        rs.getString(from + 2),
        rs.getString(from + 3),
        rs.getString(from + 4),
        rs.getString(from + 5),
        rs.getString(from + 6));
  }

  // ---------------------------------------------------------------- queue and labels

  private static final String ASSIGNMENT_SQL =
      "SELECT a.id, a.user_id, a.position, a.swap, a.opened_at,"
          + " i.id, i.project_id, i.task, i.prompt_id, i.prompt, i.category, i.candidates_json"
          + " FROM assignments a JOIN items i ON i.id = a.item_id";

  private static Assignment assignment(ResultSet rs) throws SQLException {
    long opened = rs.getLong(5);
    Long openedAt = rs.wasNull() ? null : opened;
    return new Assignment(
        rs.getLong(1), item(rs, 6), rs.getLong(2), rs.getInt(3), rs.getInt(4) != 0, openedAt);
  }

  Assignment assignment(long id) throws SQLException {
    return db.read(
        c -> {
          try (PreparedStatement ps = c.prepareStatement(ASSIGNMENT_SQL + " WHERE a.id = ?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
              return rs.next() ? assignment(rs) : null;
            }
          }
        });
  }

  /** The labeler's next unlabeled, ready assignment (optionally within one project), or null. */
  Assignment next(long userId, Long projectId) throws SQLException {
    return db.read(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  ASSIGNMENT_SQL
                      + " LEFT JOIN labels l ON l.assignment_id = a.id"
                      + " WHERE a.user_id = ? AND l.id IS NULL"
                      + " AND (i.task = 'demonstration' OR i.candidates_json IS NOT NULL)"
                      + " AND (? IS NULL OR i.project_id = ?)"
                      + " ORDER BY a.position, a.id LIMIT 1")) {
            ps.setLong(1, userId);
            setNullableLong(ps, 2, projectId);
            setNullableLong(ps, 3, projectId);
            try (ResultSet rs = ps.executeQuery()) {
              return rs.next() ? assignment(rs) : null;
            }
          }
        });
  }

  /** Per project: [project id, assigned, done] for one labeler. */
  List<long[]> queueSummary(long userId) throws SQLException {
    return db.read(
        c -> {
          List<long[]> out = new ArrayList<>();
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT i.project_id, COUNT(*), COUNT(l.id) FROM assignments a JOIN items i ON i.id = a.item_id"
                      + " LEFT JOIN labels l ON l.assignment_id = a.id WHERE a.user_id = ?"
                      + " GROUP BY i.project_id ORDER BY i.project_id DESC")) {
            ps.setLong(1, userId);
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                out.add(new long[] {rs.getLong(1), rs.getLong(2), rs.getLong(3)});
              }
            }
          }
          return out;
        });
  }

  void markOpened(long assignmentId) throws SQLException {
    db.write(
        c ->
            update(
                c,
                "UPDATE assignments SET opened_at = ? WHERE id = ? AND opened_at IS NULL",
                System.currentTimeMillis(),
                assignmentId));
  }

  /**
   * Stores (or replaces, when the labeler resubmits) the label of one assignment. Idempotent per
   * assignment, so a client retrying after a lost acknowledgement never creates a duplicate.
   */
  void saveLabel(long assignmentId, String payload, Long durationMs) throws SQLException {
    long now = System.currentTimeMillis();
    db.write(
        c ->
            update(
                c,
                "INSERT INTO labels (assignment_id, payload, duration_ms, created_at, updated_at)"
                    + " VALUES (?, ?, ?, ?, ?) ON CONFLICT (assignment_id) DO UPDATE SET"
                    + " payload = excluded.payload, updated_at = excluded.updated_at",
                assignmentId,
                payload,
                durationMs,
                now,
                now));
  }

  String labelPayload(long assignmentId) throws SQLException {
    return db.read(
        c -> {
          try (PreparedStatement ps = c.prepareStatement("SELECT payload FROM labels WHERE assignment_id = ?")) {
            ps.setLong(1, assignmentId);
            try (ResultSet rs = ps.executeQuery()) {
              return rs.next() ? rs.getString(1) : null;
            }
          }
        });
  }

  /** All labels of a project (optionally one task), oldest first. */
  List<LabelRow> labels(long projectId, String task) throws SQLException {
    return db.read(
        c -> {
          List<LabelRow> out = new ArrayList<>();
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT a.id, i.id, i.task, u.username, l.payload, l.duration_ms, l.created_at"
                      + " FROM labels l JOIN assignments a ON a.id = l.assignment_id"
                      + " JOIN items i ON i.id = a.item_id JOIN users u ON u.id = a.user_id"
                      + " WHERE i.project_id = ? AND (? IS NULL OR i.task = ?) ORDER BY l.id")) {
            ps.setLong(1, projectId);
            ps.setString(2, task);
            ps.setString(3, task);
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                long d = rs.getLong(6);
                Long duration = rs.wasNull() ? null : d;
                out.add(new LabelRow(rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getString(4),
                    rs.getString(5), duration, rs.getLong(7)));
              }
            }
          }
          return out;
        });
  }

  /** Per labeler of a project: [username, assigned, done]. */
  List<Object[]> progress(long projectId) throws SQLException {
    return db.read(
        c -> {
          List<Object[]> out = new ArrayList<>();
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT u.username, COUNT(*), COUNT(l.id) FROM assignments a JOIN items i ON i.id = a.item_id"
                      + " JOIN users u ON u.id = a.user_id LEFT JOIN labels l ON l.assignment_id = a.id"
                      + " WHERE i.project_id = ? GROUP BY u.username ORDER BY u.username")) {
            ps.setLong(1, projectId);
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                out.add(new Object[] {rs.getString(1), rs.getLong(2), rs.getLong(3)});
              }
            }
          }
          return out;
        });
  }

  long countLabels() throws SQLException {
    return db.read(
        c -> {
          try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM labels");
              ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
          }
        });
  }

  // ---------------------------------------------------------------- helpers

  static int update(Connection c, String sql, Object... args) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        Object a = args[i];
        if (a == null) {
          ps.setNull(i + 1, Types.NULL);
        } else if (a instanceof String s) {
          ps.setString(i + 1, s);
        } else if (a instanceof Integer n) {
          ps.setInt(i + 1, n);
        } else if (a instanceof Long n) {
          ps.setLong(i + 1, n);
        } else {
          throw new IllegalArgumentException("unsupported parameter type " + a.getClass());
        }
      }
      return ps.executeUpdate();
    }
  }

  private static void setNullableLong(PreparedStatement ps, int index, Long value) throws SQLException {
    if (value == null) {
      ps.setNull(index, Types.INTEGER);
    } else {
      ps.setLong(index, value);
    }
  }

  private static long generatedKey(PreparedStatement ps) throws SQLException {
    try (ResultSet keys = ps.getGeneratedKeys()) {
      if (!keys.next()) {
        throw new SQLException("no generated key");
      }
      return keys.getLong(1);
    }
  }
}
