package org.rlhf4j.label;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.sqlite.SQLiteConfig;

/**
 * The label database: SQLite in WAL mode behind a small connection pool, with a versioned schema.
 *
 * <p>Migrations are the ordered scripts in {@link #MIGRATIONS}; table {@code schema_version}
 * records each applied version. Opening a database applies the missing ones, each in its own
 * transaction, so an upgrade never drops labels. A database written by a newer version is refused
 * rather than guessed at.
 *
 * <p>Every write runs in one {@code BEGIN IMMEDIATE} transaction (taking the write lock up front
 * avoids the SQLITE_BUSY deadlock of two readers upgrading at once) with {@code synchronous=FULL},
 * so a label acknowledged to the client is on disk. Who closes: the owner of the {@code Database}
 * (the {@link LabelServer} that opened it).
 */
public final class Database implements AutoCloseable {
  /** Ordered migration scripts, resources next to this class; index + 1 = schema version. */
  static final List<String> MIGRATIONS =
      List.of("db/V1__init.sql", "db/V2__indexes_disable_instructions.sql");

  private static final int POOL_SIZE = 8;

  private final Path file;
  private final BlockingQueue<Connection> pool;
  private final List<Connection> all = new ArrayList<>();

  /** SQL that may throw; the unit of work of {@link #read} and {@link #write}. */
  @FunctionalInterface
  public interface Work<T> {
    T run(Connection connection) throws SQLException;
  }

  private Database(Path file, int poolSize) throws IOException {
    this.file = file;
    this.pool = new ArrayBlockingQueue<>(poolSize);
    SQLiteConfig config = new SQLiteConfig();
    config.setJournalMode(SQLiteConfig.JournalMode.WAL);
    config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
    config.setBusyTimeout(30_000);
    config.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
    config.enforceForeignKeys(true);
    try {
      for (int i = 0; i < poolSize; i++) {
        Connection c =
            DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath(), config.toProperties());
        all.add(c);
        pool.add(c);
      }
    } catch (SQLException e) {
      close();
      throw new IOException("cannot open database " + file + ": " + e.getMessage(), e);
    }
  }

  /** Opens (creating if absent) and migrates to the latest schema version. */
  public static Database open(Path file) throws IOException {
    return open(file, MIGRATIONS.size());
  }

  /** Opens and migrates up to {@code targetVersion}; lower targets exist for migration tests. */
  static Database open(Path file, int targetVersion) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    Database db = new Database(file, POOL_SIZE);
    try {
      db.migrate(targetVersion);
    } catch (IOException | RuntimeException e) {
      db.close();
      throw e;
    }
    return db;
  }

  public Path file() {
    return file;
  }

  /** The current schema version (0 for a new file). */
  public int schemaVersion() throws IOException {
    try {
      return read(Database::version);
    } catch (SQLException e) {
      throw new IOException(e);
    }
  }

  private static int version(Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute(
          "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY,"
              + " script TEXT NOT NULL, applied_at INTEGER NOT NULL)");
      try (ResultSet rs = s.executeQuery("SELECT COALESCE(MAX(version), 0) FROM schema_version")) {
        rs.next();
        return rs.getInt(1);
      }
    }
  }

  private void migrate(int target) throws IOException {
    try {
      write(
          c -> {
            int current = version(c);
            if (current > MIGRATIONS.size()) {
              throw new SQLException(
                  file
                      + " has schema version "
                      + current
                      + ", newer than this rlhf4j ("
                      + MIGRATIONS.size()
                      + "); upgrade rlhf4j");
            }
            for (int v = current + 1; v <= target; v++) {
              String script = MIGRATIONS.get(v - 1);
              for (String sql : statements(resource(script))) {
                try (Statement s = c.createStatement()) {
                  s.execute(sql);
                }
              }
              try (PreparedStatement ps =
                  c.prepareStatement(
                      "INSERT INTO schema_version (version, script, applied_at) VALUES (?, ?, ?)")) {
                ps.setInt(1, v);
                ps.setString(2, script);
                ps.setLong(3, System.currentTimeMillis());
                ps.executeUpdate();
              }
            }
            return null;
          });
    } catch (SQLException e) {
      throw new IOException("migrating " + file + ": " + e.getMessage(), e);
    }
  }

  private static String resource(String name) throws SQLException {
    try (InputStream in = Database.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new SQLException("missing migration resource " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new SQLException(e);
    }
  }

  /** Splits a script into statements at semicolons ending a line; drops {@code --} comments. */
  static List<String> statements(String script) {
    List<String> out = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String line : script.split("\n")) {
      String trimmed = line.strip();
      if (trimmed.startsWith("--") || trimmed.isEmpty()) {
        continue;
      }
      current.append(line).append('\n');
      if (trimmed.endsWith(";")) {
        out.add(current.toString().strip().replaceAll(";$", ""));
        current.setLength(0);
      }
    }
    if (!current.toString().isBlank()) {
      out.add(current.toString().strip());
    }
    return out;
  }

  /** Runs read-only work in autocommit mode. */
  public <T> T read(Work<T> work) throws SQLException {
    Connection c = take();
    try {
      return work.run(c);
    } finally {
      pool.add(c);
    }
  }

  /** Runs work in one immediate transaction: all of it commits, or none of it. */
  public <T> T write(Work<T> work) throws SQLException {
    Connection c = take();
    try {
      c.setAutoCommit(false);
      try {
        T result = work.run(c);
        c.commit();
        return result;
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      } finally {
        c.setAutoCommit(true);
      }
    } finally {
      pool.add(c);
    }
  }

  private Connection take() throws SQLException {
    try {
      Connection c = pool.poll(60, TimeUnit.SECONDS);
      if (c == null) {
        throw new SQLException("database busy: no connection free within 60 s");
      }
      return c;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SQLException("interrupted waiting for a connection", e);
    }
  }

  @Override
  public void close() {
    for (Connection c : all) {
      try {
        c.close();
      } catch (SQLException ignored) {
        // Closing is best effort; SQLite has already committed every acknowledged write.
      }
    }
    all.clear();
    pool.clear();
  }
}
