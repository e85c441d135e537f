package org.rlhf4j.label;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.config.SizeUnit;
import io.javalin.http.Context;
import io.javalin.http.Cookie;
import io.javalin.http.HandlerType;
import io.javalin.http.SameSite;
import io.javalin.http.UploadedFile;
import io.javalin.http.staticfiles.Location;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.StringReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.eclipse.jetty.server.ForwardedRequestCustomizer;
import org.rlhf4j.data.DataFormatException;
import org.rlhf4j.data.Jsonl;
import org.rlhf4j.data.Prompt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The labeling web app: server-rendered pages plus a JSON API under {@code /api/}.
 *
 * <p>Start with {@link #start(LabelServerConfig)} and stop with {@link #close()} (which also closes
 * the database). Create the first admin with {@link #createAdmin(Path, String, String)} or the
 * {@code RLHF4J_LABEL_ADMIN=user:password} environment variable, read at start.
 *
 * <p>Security model: every route except login, invite acceptance and static assets requires a
 * session cookie (HttpOnly, SameSite=Strict); admin routes ({@code /admin}, {@code /api/admin})
 * require the admin role; a labeler reaches only assignments that are theirs (others' answer 404,
 * so their existence does not leak); every mutating request needs the session's CSRF token
 * ({@code _csrf} form field or {@code X-CSRF-Token} header) and, when the browser sends one, a
 * same-origin {@code Origin}. Logins are throttled and their password checks bounded by {@link
 * LoginThrottle}; request sizes and concurrent uploads by {@link UploadLimits}.
 */
public final class LabelServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LabelServer.class);
  static final String SESSION_COOKIE = "rlhf4j_session";
  static final String LOGIN_CSRF_COOKIE = "rlhf4j_login";
  static final String ADMIN_ENV = "RLHF4J_LABEL_ADMIN";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final LabelServerConfig config;
  private final Database db;
  private final Store store;
  private final Projects projects;
  private final LoginThrottle throttle;
  private final UploadLimits uploads = new UploadLimits();
  private final Javalin app;

  private LabelServer(LabelServerConfig config, Database db, LoginThrottle.Policy loginPolicy) {
    this.config = config;
    this.db = db;
    this.store = new Store(db, config.bcryptCost());
    this.projects = new Projects(store, new SecureRandom());
    this.throttle = new LoginThrottle(loginPolicy);
    this.app =
        Javalin.create(
            c -> {
              c.showJavalinBanner = false;
              c.http.maxRequestSize = UploadLimits.MAX_REQUEST_BYTES;
              c.jetty.multipartConfig.maxFileSize(UploadLimits.MAX_REQUEST_BYTES, SizeUnit.BYTES);
              c.jetty.multipartConfig.maxTotalRequestSize(UploadLimits.MAX_REQUEST_BYTES, SizeUnit.BYTES);
              if (config.behindProxy()) {
                // The client address, scheme and host as the proxy saw them (X-Forwarded-*).
                c.jetty.modifyHttpConfiguration(http -> http.addCustomizer(new ForwardedRequestCustomizer()));
              }
              c.staticFiles.add(
                  s -> {
                    s.hostedPath = "/static";
                    s.directory = "/public";
                    s.location = Location.CLASSPATH;
                  });
            });
    routes();
  }

  /** Opens (and migrates) the database and starts serving. */
  public static LabelServer start(LabelServerConfig config) throws IOException {
    return start(config, LoginThrottle.Policy.DEFAULT);
  }

  /** As {@link #start(LabelServerConfig)}, with other login limits (tests). */
  static LabelServer start(LabelServerConfig config, LoginThrottle.Policy loginPolicy) throws IOException {
    Database db = Database.open(config.dbPath());
    LabelServer server;
    try {
      server = new LabelServer(config, db, loginPolicy);
      String env = System.getenv(ADMIN_ENV);
      if (env != null && env.contains(":")) {
        String user = env.substring(0, env.indexOf(':'));
        if (server.store.findUser(user) == null) {
          server.store.createUser(user, env.substring(env.indexOf(':') + 1), Store.ADMIN);
          LOG.info("created admin {} from {}", user, ADMIN_ENV);
        }
      }
      server.app.start(config.host(), config.port());
    } catch (SQLException | RuntimeException e) {
      db.close();
      throw new IOException("cannot start label server: " + e.getMessage(), e);
    }
    return server;
  }

  /** Creates an admin account in the database file (creating and migrating it if needed). */
  public static void createAdmin(Path dbPath, String username, String password) throws IOException {
    createUser(dbPath, username, password, Store.ADMIN, LabelServerConfig.DEFAULT_BCRYPT_COST);
  }

  /** Creates an account directly (no invite); {@code role} is admin or labeler. */
  public static void createUser(Path dbPath, String username, String password, String role, int bcryptCost)
      throws IOException {
    try (Database db = Database.open(dbPath)) {
      new Store(db, bcryptCost).createUser(username, password, role);
    } catch (SQLException e) {
      throw new IOException(e);
    }
  }

  /**
   * Writes a project's labels as {@code rlhf4j-data} JSONL into {@code outDir}: {@code
   * demonstrations.jsonl}, {@code rankings.jsonl}, {@code ratings.jsonl}, {@code judgments.jsonl}
   * (only the non-empty ones). Returns the files written.
   */
  public static List<Path> export(Path dbPath, long projectId, Path outDir) throws IOException {
    List<Path> written = new ArrayList<>();
    try (Database db = Database.open(dbPath)) {
      Store store = new Store(db, 4);
      if (store.project(projectId) == null) {
        throw new IOException("no project " + projectId + " in " + dbPath);
      }
      for (String kind : List.of("demonstrations", "rankings", "ratings", "judgments")) {
        List<?> records = records(store, projectId, kind);
        if (!records.isEmpty()) {
          Path file = outDir.resolve(kind + ".jsonl");
          Jsonl.write(file, records);
          written.add(file);
        }
      }
    } catch (SQLException e) {
      throw new IOException(e);
    }
    return written;
  }

  public int port() {
    return app.port();
  }

  public LabelServerConfig config() {
    return config;
  }

  @Override
  public void close() {
    app.stop();
    projects.close();
    db.close();
  }

  // ================================================================ plumbing

  /** An error answered with a status: JSON on the API, a small page elsewhere. */
  static final class HttpError extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final int status;
    final long retryAfterSeconds; // sent as Retry-After when positive (429, 503)

    HttpError(int status, String message) {
      this(status, 0, message);
    }

    HttpError(int status, long retryAfterSeconds, String message) {
      super(message);
      this.status = status;
      this.retryAfterSeconds = retryAfterSeconds;
    }
  }

  private static boolean isApi(Context ctx) {
    return ctx.path().startsWith("/api/");
  }

  private static boolean isPublic(String path) {
    return path.equals("/login")
        || path.equals("/api/login")
        || path.startsWith("/invite/")
        || path.startsWith("/static/")
        || path.equals("/favicon.ico");
  }

  private static boolean mutating(Context ctx) {
    HandlerType m = ctx.method();
    return m == HandlerType.POST || m == HandlerType.PUT || m == HandlerType.PATCH || m == HandlerType.DELETE;
  }

  static Store.Session session(Context ctx) {
    return ctx.attribute("session");
  }

  private void routes() {
    app.before(
        ctx -> {
          ctx.header("X-Content-Type-Options", "nosniff");
          ctx.header("X-Frame-Options", "DENY");
          // Not no-referrer: with it Chrome sends "Origin: null" on form posts, defeating the origin check.
          ctx.header("Referrer-Policy", "same-origin");
          ctx.header(
              "Content-Security-Policy",
              "default-src 'self'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
          ctx.header("Cache-Control", "no-store");
          if (mutating(ctx)) {
            UploadLimits.checkDeclaredLength(ctx);
            checkOrigin(ctx);
          }
          String path = ctx.path();
          if (isPublic(path)) {
            return;
          }
          Store.Session s = store.session(ctx.cookie(SESSION_COOKIE));
          if (s == null) {
            if (isApi(ctx) || mutating(ctx)) {
              throw new HttpError(401, "login required");
            }
            ctx.redirect("/login");
            ctx.skipRemainingHandlers();
            return;
          }
          ctx.attribute("session", s);
          if ((path.startsWith("/admin") || path.startsWith("/api/admin")) && !s.admin()) {
            throw new HttpError(403, "admins only");
          }
          if (mutating(ctx)) {
            String token = ctx.header("X-CSRF-Token");
            if (token == null && isForm(ctx)) {
              token = ctx.formParam("_csrf");
            }
            if (!constantTimeEquals(token, s.csrf())) {
              throw new HttpError(403, "missing or invalid CSRF token");
            }
          }
        });

    app.exception(HttpError.class, LabelServer::respond);
    app.exception(
        IllegalArgumentException.class,
        (e, ctx) -> {
          ctx.status(400);
          if (isApi(ctx)) {
            ctx.json(Map.of("error", String.valueOf(e.getMessage())));
          } else {
            ctx.html(Pages.error(session(ctx), 400, e.getMessage()));
          }
        });
    app.exception(
        DataFormatException.class,
        (e, ctx) -> {
          ctx.status(400);
          if (isApi(ctx)) {
            ctx.json(Map.of("error", String.valueOf(e.getMessage())));
          } else {
            ctx.html(Pages.error(session(ctx), 400, e.getMessage()));
          }
        });
    app.exception(
        Exception.class,
        (e, ctx) -> {
          if (UploadLimits.isTooLarge(e)) {
            respond(UploadLimits.tooLarge(), ctx);
            return;
          }
          LOG.error("{} {} failed", ctx.method(), ctx.path(), e);
          ctx.status(500);
          if (isApi(ctx)) {
            ctx.json(Map.of("error", "internal error"));
          } else {
            ctx.html(Pages.error(session(ctx), 500, "internal error; see the server log"));
          }
        });

    // ---- login / logout / invites
    app.get(
        "/login",
        ctx -> {
          String token = Store.randomToken();
          ctx.cookie(cookie(LOGIN_CSRF_COOKIE, token, 3600));
          ctx.html(Pages.login(token, ctx.queryParam("error") != null));
        });
    app.post(
        "/login",
        ctx -> {
          // Login CSRF: double-submit of a pre-session cookie.
          if (!constantTimeEquals(ctx.formParam("_csrf"), ctx.cookie(LOGIN_CSRF_COOKIE))) {
            throw new HttpError(403, "missing or invalid CSRF token; reload the login page");
          }
          String username = ctx.formParam("username");
          String password = ctx.formParam("password");
          String token = throttle.attempt(username, ctx.ip(), () -> store.login(username, password));
          if (token == null) {
            ctx.redirect("/login?error=1");
            return;
          }
          ctx.cookie(cookie(SESSION_COOKIE, token, (int) (Store.SESSION_TTL_MS / 1000)));
          ctx.redirect("/");
        });
    app.post(
        "/api/login",
        ctx -> {
          // A cross-site form cannot send JSON without a CORS preflight, which we never grant.
          String type = ctx.contentType();
          if (type == null || !type.startsWith("application/json")) {
            throw new HttpError(415, "send JSON");
          }
          JsonNode body = body(ctx);
          String username = body.path("username").asText(null);
          String password = body.path("password").asText(null);
          String token = throttle.attempt(username, ctx.ip(), () -> store.login(username, password));
          if (token == null) {
            throw new HttpError(401, "wrong username or password");
          }
          ctx.cookie(cookie(SESSION_COOKIE, token, (int) (Store.SESSION_TTL_MS / 1000)));
          Store.Session s = store.session(token);
          ctx.json(Map.of("username", s.username(), "role", s.role(), "csrf", s.csrf()));
        });
    app.post(
        "/logout",
        ctx -> {
          store.logout(ctx.cookie(SESSION_COOKIE));
          ctx.removeCookie(SESSION_COOKIE, "/");
          ctx.redirect("/login");
        });
    app.post(
        "/api/logout",
        ctx -> {
          store.logout(ctx.cookie(SESSION_COOKIE));
          ctx.removeCookie(SESSION_COOKIE, "/");
          ctx.json(Map.of("ok", true));
        });
    app.get(
        "/invite/{token}",
        ctx -> {
          Store.User u = store.inviteUser(ctx.pathParam("token"));
          if (u == null) {
            throw new HttpError(404, "this invite link is invalid or has expired");
          }
          ctx.html(Pages.invite(u.username(), null));
        });
    app.post(
        "/invite/{token}",
        ctx -> {
          Store.User u = store.inviteUser(ctx.pathParam("token"));
          if (u == null) {
            throw new HttpError(404, "this invite link is invalid or has expired");
          }
          String pw = ctx.formParam("password");
          if (pw == null || !pw.equals(ctx.formParam("password2"))) {
            ctx.status(400).html(Pages.invite(u.username(), "The passwords differ."));
            return;
          }
          try {
            store.acceptInvite(ctx.pathParam("token"), pw);
          } catch (IllegalArgumentException e) {
            ctx.status(400).html(Pages.invite(u.username(), e.getMessage()));
            return;
          }
          ctx.redirect("/login");
        });

    // ---- labeler pages
    app.get(
        "/",
        ctx -> {
          Store.Session s = session(ctx);
          if (s.admin()) {
            ctx.redirect("/admin");
            return;
          }
          ctx.html(Pages.home(s, queue(s)));
        });
    app.get(
        "/task/next",
        ctx -> {
          Store.Session s = session(ctx);
          Long project = ctx.queryParam("project") == null ? null : longParam(ctx.queryParam("project"));
          Store.Assignment a = store.next(s.userId(), project);
          if (a == null) {
            ctx.html(Pages.done(s));
            return;
          }
          ctx.redirect("/task/" + a.id());
        });
    app.get(
        "/task/{id}",
        ctx -> {
          Store.Session s = session(ctx);
          Store.Assignment a = own(s, ctx.pathParam("id"));
          store.markOpened(a.id());
          Store.Project p = store.project(a.item().projectId());
          ctx.html(Pages.task(s, p, a, store.labelPayload(a.id()) != null, progressOf(s, p.id())));
        });
    app.post(
        "/task/{id}",
        ctx -> {
          Store.Session s = session(ctx);
          Store.Assignment a = own(s, ctx.pathParam("id"));
          submit(s, a, formInput(ctx, a));
          ctx.redirect("/task/next?project=" + a.item().projectId());
        });

    // ---- labeler API
    app.get(
        "/api/me",
        ctx -> {
          Store.Session s = session(ctx);
          ctx.json(Map.of("username", s.username(), "role", s.role(), "csrf", s.csrf()));
        });
    app.get("/api/queue", ctx -> ctx.json(queue(session(ctx))));
    app.get(
        "/api/next",
        ctx -> {
          Store.Session s = session(ctx);
          Long project = ctx.queryParam("project") == null ? null : longParam(ctx.queryParam("project"));
          Store.Assignment a = store.next(s.userId(), project);
          if (a == null) {
            ctx.status(204);
            return;
          }
          ctx.json(assignmentJson(a));
        });
    app.get(
        "/api/assignments/{id}",
        ctx -> ctx.json(assignmentJson(own(session(ctx), ctx.pathParam("id")))));
    app.post(
        "/api/assignments/{id}/label",
        ctx -> {
          Store.Session s = session(ctx);
          Store.Assignment a = own(s, ctx.pathParam("id"));
          submit(s, a, body(ctx));
          ctx.json(Map.of("ok", true, "assignment_id", a.id()));
        });

    // ---- admin pages
    app.get("/admin", ctx -> ctx.html(Pages.admin(session(ctx), store.projects(), store.users())));
    app.get("/admin/users", ctx -> ctx.html(Pages.users(session(ctx), store.users(), null)));
    app.post(
        "/admin/users",
        ctx -> {
          String username = ctx.formParam("username");
          String password = ctx.formParam("password");
          String role = ctx.formParam("role") == null ? Store.LABELER : ctx.formParam("role");
          String message;
          if (password == null || password.isEmpty()) {
            if (!Store.LABELER.equals(role)) {
              throw new IllegalArgumentException("admins need a password");
            }
            String token = store.invite(username);
            message = "Invite link for " + username + ": " + baseUrl(ctx) + "/invite/" + token;
          } else {
            store.createUser(username, password, role);
            message = "Created " + role + " " + username + ".";
          }
          ctx.html(Pages.users(session(ctx), store.users(), message));
        });
    app.post(
        "/admin/users/{id}/disable",
        ctx -> {
          long id = longParam(ctx.pathParam("id"));
          if (id == session(ctx).userId()) {
            throw new IllegalArgumentException("you cannot disable yourself");
          }
          store.setDisabled(id, !"0".equals(ctx.formParam("disabled")));
          ctx.redirect("/admin/users");
        });
    app.get(
        "/admin/projects/new",
        ctx ->
            ctx.html(
                Pages.newProject(
                    session(ctx), store.users(), config.candidateSources().keySet(), config.pairSources().keySet())));
    app.post(
        "/admin/projects",
        ctx -> {
          long id;
          try (UploadLimits.Permit permit = uploads.acquire()) {
            id = createProject(formSpec(ctx));
          }
          ctx.redirect("/admin/projects/" + id);
        });
    app.get(
        "/admin/projects/{id}",
        ctx -> {
          Store.Project p = project(ctx.pathParam("id"));
          ctx.html(Pages.project(session(ctx), p, Labels.dashboard(store, p.id())));
        });
    app.get(
        "/admin/projects/{id}/export/{kind}",
        ctx -> {
          Store.Project p = project(ctx.pathParam("id"));
          String kind = ctx.pathParam("kind").replaceAll("\\.jsonl$", "");
          StringBuilder out = new StringBuilder();
          for (Object r : records(store, p.id(), kind)) {
            out.append(Jsonl.toJson(r)).append('\n');
          }
          ctx.contentType("application/x-ndjson; charset=utf-8");
          ctx.header("Content-Disposition", "attachment; filename=\"project-" + p.id() + "-" + kind + ".jsonl\"");
          ctx.result(out.toString());
        });

    // ---- admin API
    app.get("/api/admin/projects", ctx -> {
      List<Map<String, Object>> out = new ArrayList<>();
      for (Store.Project p : store.projects()) {
        out.add(projectJson(p));
      }
      ctx.json(out);
    });
    app.get(
        "/api/admin/projects/{id}",
        ctx -> {
          Store.Project p = project(ctx.pathParam("id"));
          Map<String, Object> out = new java.util.LinkedHashMap<>(projectJson(p));
          out.put("dashboard", Labels.dashboard(store, p.id()));
          ctx.json(out);
        });
    app.post(
        "/api/admin/projects",
        ctx -> {
          long id;
          try (UploadLimits.Permit permit = uploads.acquire()) {
            id = createProject(jsonSpec(body(ctx)));
          }
          ctx.json(Map.of("id", id));
        });
    app.post(
        "/api/admin/users",
        ctx -> {
          JsonNode b = body(ctx);
          String username = b.path("username").asText(null);
          String password = b.path("password").asText(null);
          String role = b.path("role").asText(Store.LABELER);
          if (password == null) {
            // An invite always makes a labeler (as on the People page): refuse rather than quietly
            // demote a requested admin. Admins are created with a password.
            if (Store.ADMIN.equals(role)) {
              throw new IllegalArgumentException("invites are for labelers; create an admin with a password");
            }
            if (!Store.LABELER.equals(role)) {
              throw new IllegalArgumentException("role must be admin or labeler");
            }
            String token = store.invite(username);
            ctx.json(Map.of("username", username, "invite_url", baseUrl(ctx) + "/invite/" + token));
          } else {
            long id = store.createUser(username, password, role);
            ctx.json(Map.of("id", id, "username", username, "role", role));
          }
        });
    app.get(
        "/api/admin/projects/{id}/export/{kind}",
        ctx -> {
          Store.Project p = project(ctx.pathParam("id"));
          StringBuilder out = new StringBuilder();
          for (Object r : records(store, p.id(), ctx.pathParam("kind").replaceAll("\\.jsonl$", ""))) {
            out.append(Jsonl.toJson(r)).append('\n');
          }
          ctx.contentType("application/x-ndjson; charset=utf-8");
          ctx.result(out.toString());
        });
  }

  // ================================================================ handlers' helpers

  private static void respond(HttpError e, Context ctx) {
    ctx.status(e.status);
    if (e.retryAfterSeconds > 0) {
      ctx.header("Retry-After", Long.toString(e.retryAfterSeconds));
    }
    if (isApi(ctx)) {
      ctx.json(Map.of("error", e.getMessage()));
    } else {
      ctx.html(Pages.error(session(ctx), e.status, e.getMessage()));
    }
  }

  private void checkOrigin(Context ctx) {
    String origin = ctx.header("Origin");
    if (origin == null) {
      return;
    }
    String host = ctx.header("Host");
    try {
      URI uri = URI.create(origin);
      String originHost = uri.getHost() + (uri.getPort() >= 0 ? ":" + uri.getPort() : "");
      // Behind a proxy the Host header may be the proxy's upstream; the public URL is then the origin.
      URI pub = config.publicUrl();
      boolean isPublic = pub != null && origin.equalsIgnoreCase(pub.getScheme() + "://" + pub.getRawAuthority());
      if (!isPublic && (host == null || !host.equalsIgnoreCase(originHost))) {
        throw new HttpError(403, "cross-origin request refused");
      }
    } catch (IllegalArgumentException e) {
      throw new HttpError(403, "cross-origin request refused");
    }
  }

  private static boolean isForm(Context ctx) {
    String type = ctx.contentType();
    return type != null
        && (type.startsWith("application/x-www-form-urlencoded") || type.startsWith("multipart/form-data"));
  }

  private static boolean constantTimeEquals(String a, String b) {
    if (a == null || b == null) {
      return false;
    }
    return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
  }

  private Cookie cookie(String name, String value, int maxAgeSeconds) {
    return new Cookie(name, value, "/", maxAgeSeconds, config.secureCookies(), 0, true, null, null, SameSite.STRICT);
  }

  /**
   * Where invite links point: the configured public URL, else the address this connection reached
   * (the server's own socket, never the client-controlled {@code Host} header; issue 16).
   */
  private String baseUrl(Context ctx) {
    if (config.publicUrl() != null) {
      return config.publicUrl().toString();
    }
    String local = ctx.req().getLocalAddr();
    return "http://" + (local.contains(":") ? "[" + local + "]" : local) + ":" + ctx.req().getLocalPort();
  }

  private static long longParam(String value) {
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw new HttpError(404, "not found");
    }
  }

  private static JsonNode body(Context ctx) {
    byte[] bytes = UploadLimits.readBody(ctx);
    try {
      // From bytes: no second copy of the body as a string (uploads come this way through the API).
      JsonNode node = JSON.readTree(bytes);
      if (node == null || !node.isObject()) {
        throw new IllegalArgumentException("expected a JSON object");
      }
      return node;
    } catch (IOException e) {
      throw new IllegalArgumentException("malformed JSON body");
    }
  }

  /** The assignment if it belongs to this user; otherwise 404, also for admins (labels are personal). */
  private Store.Assignment own(Store.Session s, String id) throws SQLException {
    Store.Assignment a = store.assignment(longParam(id));
    if (a == null || a.userId() != s.userId()) {
      throw new HttpError(404, "no such task in your queue");
    }
    return a;
  }

  private Store.Project project(String id) throws SQLException {
    Store.Project p = store.project(longParam(id));
    if (p == null) {
      throw new HttpError(404, "no such project");
    }
    return p;
  }

  private List<Map<String, Object>> queue(Store.Session s) throws SQLException {
    List<Map<String, Object>> out = new ArrayList<>();
    for (long[] row : store.queueSummary(s.userId())) {
      Store.Project p = store.project(row[0]);
      Map<String, Object> m = new java.util.LinkedHashMap<>();
      m.put("project_id", p.id());
      m.put("name", p.name());
      m.put("instructions", p.instructions());
      m.put("status", p.status());
      m.put("assigned", row[1]);
      m.put("done", row[2]);
      out.add(m);
    }
    return out;
  }

  private long[] progressOf(Store.Session s, long projectId) throws SQLException {
    for (long[] row : store.queueSummary(s.userId())) {
      if (row[0] == projectId) {
        return new long[] {row[1], row[2]};
      }
    }
    return new long[] {0, 0};
  }

  private void submit(Store.Session s, Store.Assignment a, JsonNode input) throws SQLException {
    Store.Project p = store.project(a.item().projectId());
    if (!a.item().task().equals("demonstration") && a.item().candidatesJson() == null) {
      throw new HttpError(409, "candidates for this task are not ready yet");
    }
    String payload = Labels.payload(a, p, s.username(), input);
    Long duration = a.openedAt() == null ? null : System.currentTimeMillis() - a.openedAt();
    store.saveLabel(a.id(), payload, duration);
  }

  /** What the API shows a labeler: no model names, A/B sides as displayed. */
  private static Map<String, Object> assignmentJson(Store.Assignment a) {
    Map<String, Object> m = new java.util.LinkedHashMap<>();
    m.put("assignment_id", a.id());
    m.put("project_id", a.item().projectId());
    m.put("task", a.item().task());
    m.put("prompt_id", a.item().promptId());
    m.put("prompt", a.item().prompt());
    List<String> c = Projects.candidates(a.item());
    if (a.item().task().equals("ranking")) {
      m.put("responses", c);
    } else if (a.item().task().equals("ab") && c.size() == 2) {
      m.put("response_1", a.swap() ? c.get(1) : c.get(0));
      m.put("response_2", a.swap() ? c.get(0) : c.get(1));
    }
    return m;
  }

  private static Map<String, Object> projectJson(Store.Project p) {
    Map<String, Object> m = new java.util.LinkedHashMap<>();
    m.put("id", p.id());
    m.put("name", p.name());
    m.put("tasks", p.tasks());
    m.put("k", p.k());
    m.put("source", p.source());
    m.put("status", p.status());
    m.put("status_detail", p.statusDetail());
    return m;
  }

  static List<?> records(Store store, long projectId, String kind) throws SQLException {
    return switch (kind) {
      case "demonstrations" -> Labels.demonstrations(store, projectId);
      case "rankings" -> Labels.rankings(store, projectId);
      case "ratings" -> Labels.ratings(store, projectId);
      case "judgments" -> Labels.judgments(store, projectId);
      default -> throw new HttpError(404, "unknown export " + kind);
    };
  }

  /** Converts a task form into the same input JSON the API takes. */
  private static JsonNode formInput(Context ctx, Store.Assignment a) {
    ObjectNode in = JSON.createObjectNode();
    switch (a.item().task()) {
      case "demonstration" -> in.put("response", ctx.formParam("response"));
      case "ab" -> in.put("choice", ctx.formParam("choice"));
      default -> {
        try {
          String ranking = ctx.formParam("ranking");
          in.set("ranking", JSON.readTree(ranking == null ? "null" : ranking));
        } catch (IOException e) {
          throw new IllegalArgumentException("ranking: malformed");
        }
        ArrayNode ratings = in.putArray("ratings");
        int k = Projects.candidates(a.item()).size();
        for (int i = 0; i < k; i++) {
          ObjectNode r = ratings.addObject();
          String likert = ctx.formParam("likert_" + i);
          if (likert == null || !likert.matches("[1-7]")) {
            throw new IllegalArgumentException("give every response a 1-7 score");
          }
          r.put("likert", Integer.parseInt(likert));
          for (String flag :
              List.of("fails_instruction", "hallucination", "inappropriate", "harmful", "follows_constraints")) {
            r.put(flag, ctx.formParam(flag + "_" + i) != null);
          }
        }
      }
    }
    return in;
  }

  // ================================================================ project creation

  /** An uploaded JSONL file, opened as a stream when parsed; null fields mean "not uploaded". */
  @FunctionalInterface
  private interface Upload {
    Reader open() throws IOException;
  }

  /** Everything a project form or JSON carries, uploads still unparsed. */
  private record ProjectInput(
      ProjectSpec spec,
      String candidateSourceName,
      Upload candidates,
      String pairSourceName,
      String modelA,
      Upload responsesA,
      String modelB,
      Upload responsesB) {}

  private long createProject(ProjectInput in) throws SQLException, IOException {
    CandidateSource candidates = null;
    PairSource pairs = null;
    if (in.spec().tasks().contains("ranking")) {
      if (in.candidates() != null) {
        try (Reader r = in.candidates().open()) {
          candidates = JsonlCandidateSource.parse(Path.of("candidates.jsonl"), r);
        }
      } else {
        candidates = config.candidateSources().get(in.candidateSourceName());
        if (candidates == null) {
          throw new IllegalArgumentException("choose a candidate source or upload candidates JSONL");
        }
      }
    }
    if (in.spec().tasks().contains("ab")) {
      if (in.responsesA() != null) {
        if (in.responsesB() == null) {
          throw new IllegalArgumentException("upload both models' responses");
        }
        try (Reader a = in.responsesA().open();
            Reader b = in.responsesB().open()) {
          pairs =
              new JsonlPairSource(
                  in.modelA(), JsonlPairSource.parse(Path.of("model_a.jsonl"), a),
                  in.modelB(), JsonlPairSource.parse(Path.of("model_b.jsonl"), b));
        }
      } else {
        pairs = config.pairSources().get(in.pairSourceName());
        if (pairs == null) {
          throw new IllegalArgumentException("choose a pair source or upload both models' responses");
        }
      }
    }
    return projects.create(in.spec(), candidates, pairs);
  }

  private static List<Prompt> prompts(Upload upload) throws IOException {
    if (upload == null) {
      throw new IllegalArgumentException("upload a prompt file (JSONL of {\"id\", \"prompt\"})");
    }
    Path origin = Path.of("prompts.jsonl");
    List<Prompt> out = new ArrayList<>();
    try (Reader r = upload.open()) {
      JsonlLines.forEach(r, (line, text) -> {
        try {
          out.add(Jsonl.parse(text, Prompt.class));
        } catch (IllegalArgumentException e) {
          throw new DataFormatException(origin, line, null, e.getMessage());
        }
      });
    }
    return out;
  }

  private ProjectInput formSpec(Context ctx) throws IOException {
    Set<String> tasks = new LinkedHashSet<>(ctx.formParams("tasks"));
    String source = ctx.formParam("candidate_source");
    Upload candidates = upload(ctx, "candidates_file");
    String pairSource = ctx.formParam("pair_source");
    Upload a = upload(ctx, "responses_a_file");
    String sourceName =
        candidates != null
            ? "upload: " + abbreviate(ctx.uploadedFile("candidates_file").filename())
            : a != null ? "upload: " + abbreviate(ctx.formParam("model_a")) + " vs " + abbreviate(ctx.formParam("model_b"))
            : source != null && !source.isBlank() ? source : pairSource;
    ProjectSpec spec =
        new ProjectSpec(
            ctx.formParam("name"),
            tasks,
            intParam(ctx.formParam("k"), 4),
            prompts(upload(ctx, "prompts_file")),
            ctx.formParams("labelers"),
            intParam(ctx.formParam("overlap_percent"), 0) / 100.0,
            intParam(ctx.formParam("overlap_labelers"), 2),
            blankToNull(ctx.formParam("instructions")),
            sourceName);
    return new ProjectInput(
        spec, source, candidates, pairSource, ctx.formParam("model_a"), a, ctx.formParam("model_b"),
        upload(ctx, "responses_b_file"));
  }

  private static ProjectInput jsonSpec(JsonNode b) throws IOException {
    Set<String> tasks = new LinkedHashSet<>();
    b.path("tasks").forEach(t -> tasks.add(t.asText()));
    List<String> labelers = new ArrayList<>();
    b.path("labelers").forEach(t -> labelers.add(t.asText()));
    Upload candidates = text(b, "candidates_jsonl");
    String source = b.path("candidate_source").asText(null);
    ProjectSpec spec =
        new ProjectSpec(
            b.path("name").asText(null),
            tasks,
            b.path("k").asInt(4),
            prompts(text(b, "prompts_jsonl")),
            labelers,
            b.path("overlap_fraction").asDouble(0),
            b.path("overlap_labelers").asInt(2),
            b.path("instructions").asText(null),
            candidates != null ? "upload" : source != null ? source : b.path("pair_source").asText(null));
    return new ProjectInput(
        spec,
        source,
        candidates,
        b.path("pair_source").asText(null),
        b.path("model_a").asText(null),
        text(b, "responses_a_jsonl"),
        b.path("model_b").asText(null),
        text(b, "responses_b_jsonl"));
  }

  /** A JSON string field holding JSONL, read in place (no copy); null when absent or blank. */
  private static Upload text(JsonNode b, String field) {
    String jsonl = b.path(field).asText(null);
    return jsonl == null || jsonl.isBlank() ? null : () -> new StringReader(jsonl);
  }

  /** A multipart file, streamed from where Jetty spooled it; null when absent or empty. */
  private static Upload upload(Context ctx, String name) {
    UploadedFile f = ctx.uploadedFile(name);
    if (f == null || f.size() == 0) {
      return null;
    }
    return () -> new InputStreamReader(f.content(), StandardCharsets.UTF_8);
  }

  private static String abbreviate(String name) {
    return name == null || name.length() <= 80 ? name : name.substring(0, 79) + "…";
  }

  private static int intParam(String value, int otherwise) {
    if (value == null || value.isBlank()) {
      return otherwise;
    }
    try {
      return Integer.parseInt(value.strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not a number: " + value);
    }
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }
}
