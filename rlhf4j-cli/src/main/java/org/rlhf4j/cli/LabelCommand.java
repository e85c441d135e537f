package org.rlhf4j.cli;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.rlhf4j.label.JsonlCandidateSource;
import org.rlhf4j.label.LabelServer;
import org.rlhf4j.label.LabelServerConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code rlhf4j label}: the labeling web app. */
@Command(name = "label", mixinStandardHelpOptions = true,
    description = "The labeling web app: people write demonstrations, rank and rate outputs.",
    subcommands = {LabelCommand.Serve.class, LabelCommand.CreateAdmin.class, LabelCommand.Export.class})
final class LabelCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  @Command(name = "serve", mixinStandardHelpOptions = true,
      description = "Serve the app on localhost until interrupted (Ctrl+C).")
  static final class Serve implements Callable<Integer> {
    @Mixin DeviceOption device = new DeviceOption();

    @Option(names = "--port", defaultValue = "8080", description = "(default ${DEFAULT-VALUE}; 0 = any free port)")
    int port;

    @Option(names = "--db", required = true, description = "SQLite database file (created and migrated)")
    Path db;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "bind address (default ${DEFAULT-VALUE})")
    String host;

    @Option(names = "--model", description = "name=CHECKPOINT: a model that samples K candidates for ranking (repeatable)")
    Map<String, Path> models = Map.of();

    @Option(names = "--candidates", description = "name=FILE.jsonl: precomputed candidates {prompt_id, responses} (repeatable)")
    Map<String, Path> candidates = Map.of();

    @Option(names = "--max-new-tokens", defaultValue = "48", description = "candidate length limit (default ${DEFAULT-VALUE})")
    int maxNewTokens;

    @Option(names = "--public-url",
        description = "the address users reach the app at, e.g. https://label.example.org (behind a proxy);"
            + " invite links are built from it")
    URI publicUrl;

    @Option(names = "--secure-cookies",
        description = "mark cookies Secure (browsers then send them over HTTPS only; set it behind an HTTPS proxy)")
    boolean secureCookies;

    @Option(names = "--behind-proxy",
        description = "take client addresses (for per-address login limits) from X-Forwarded-For; only when a"
            + " reverse proxy is the only way in and it replaces that header")
    boolean behindProxy;

    /** The server configuration these options describe (candidate sources aside). */
    LabelServerConfig config() {
      return new LabelServerConfig(host, port, db, Map.of(), Map.of(),
          LabelServerConfig.DEFAULT_BCRYPT_COST, secureCookies, publicUrl, behindProxy);
    }

    @Override
    public Integer call() throws Exception {
      LabelServerConfig cfg = config();
      List<AutoCloseable> owned = new ArrayList<>();
      for (Map.Entry<String, Path> e : candidates.entrySet()) {
        cfg = cfg.withCandidateSource(e.getKey(), JsonlCandidateSource.read(e.getValue()));
      }
      for (Map.Entry<String, Path> e : models.entrySet()) {
        ModelCandidateSource src = new ModelCandidateSource(e.getValue(), device.get(), maxNewTokens);
        owned.add(src);
        cfg = cfg.withCandidateSource(e.getKey(), src);
      }
      CountDownLatch stop = new CountDownLatch(1);
      try (LabelServer server = LabelServer.start(cfg)) {
        Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
        System.out.println("labeling app on http://" + host + ":" + server.port() + "/"
            + (publicUrl == null ? "" : ", public at " + cfg.publicUrl() + "/") + " (Ctrl+C stops)");
        stop.await();
      } finally {
        for (AutoCloseable c : owned) {
          c.close();
        }
      }
      return 0;
    }
  }

  @Command(name = "create-admin", mixinStandardHelpOptions = true, description = "Create an admin account.")
  static final class CreateAdmin implements Callable<Integer> {
    @Option(names = "--db", required = true, description = "SQLite database file")
    Path db;

    @Option(names = "--user", required = true, description = "user name")
    String user;

    @Option(names = "--password", required = true, interactive = true, arity = "0..1",
        description = "password (prompted for when given without a value)")
    char[] password;

    @Override
    public Integer call() throws Exception {
      LabelServer.createAdmin(db, user, new String(password));
      System.out.println("admin '" + user + "' created in " + db);
      return 0;
    }
  }

  @Command(name = "export", mixinStandardHelpOptions = true,
      description = "Export a project's labels as the JSONL the trainers read (sft --data, reward --data).")
  static final class Export implements Callable<Integer> {
    @Option(names = "--db", required = true, description = "SQLite database file")
    Path db;

    @Option(names = "--project", required = true, description = "project id")
    long project;

    @Option(names = "--out", required = true, description = "output directory")
    Path out;

    @Override
    public Integer call() throws Exception {
      // Opening a missing SQLite file creates it: a typo must not leave an empty database behind.
      if (!java.nio.file.Files.isRegularFile(db)) {
        throw new java.nio.file.NoSuchFileException(db.toString(), null,
            java.nio.file.Files.isDirectory(db) ? "is a directory, not a database file" : "no such database file");
      }
      for (Path p : LabelServer.export(db, project, out)) {
        System.out.println("wrote " + p);
      }
      return 0;
    }
  }
}
