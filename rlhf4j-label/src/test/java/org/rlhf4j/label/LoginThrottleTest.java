package org.rlhf4j.label;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 16: login had no rate limit or lockout, and anonymous logins could take every core. */
class LoginThrottleTest {
  @TempDir Path dir;

  static LoginThrottle.Policy policy(int accountFree, int addressFree, Duration first, Duration max, int permits, Duration wait) {
    return new LoginThrottle.Policy(accountFree, addressFree, first, max, Duration.ofHours(1), permits, wait, 1000);
  }

  // ---------------------------------------------------------------- over HTTP

  @Test
  void thirtyWrongPasswordsThenTheRightOneDoesNotLogIn() throws Exception {
    Path db = dir.resolve("lockout.db");
    LabelServer.createUser(db, "ann", Fixtures.PASSWORD, "labeler", 4);
    LabelServer.createUser(db, "bob", Fixtures.PASSWORD, "labeler", 4);
    // Default counts; a long first lock so that a slow machine cannot outlast it mid-test.
    LoginThrottle.Policy p = policy(5, 20, Duration.ofMinutes(1), Duration.ofMinutes(15), 1, Duration.ofSeconds(10));
    try (LabelServer server = LabelServer.start(Fixtures.config(db), p)) {
      Client c = new Client(server.port());
      int wrong = 0;
      int locked = 0;
      for (int i = 0; i < 30; i++) {
        HttpResponse<String> r = c.postJson("/api/login", Map.of("username", "ann", "password", "guess " + i), null);
        if (r.statusCode() == 401) {
          wrong++;
        } else {
          assertEquals(429, r.statusCode(), r.body());
          locked++;
        }
      }
      assertEquals(5, wrong, "the password is checked until the fifth failure locks the account");
      assertEquals(25, locked);
      HttpResponse<String> right = c.postJson("/api/login", Map.of("username", "ann", "password", Fixtures.PASSWORD), null);
      assertEquals(429, right.statusCode(), "the right password must not log in during the lock");
      long retryAfter = Long.parseLong(right.headers().firstValue("Retry-After").orElseThrow());
      assertTrue(retryAfter >= 1 && retryAfter <= 60, "Retry-After " + retryAfter);
      assertTrue(right.headers().allValues("Set-Cookie").stream().noneMatch(h -> h.startsWith(LabelServer.SESSION_COOKIE)));
      // The HTML form is locked too, and says so.
      HttpResponse<String> page = c.get("/login");
      String token = page.headers().allValues("Set-Cookie").stream().filter(h -> h.startsWith(LabelServer.LOGIN_CSRF_COOKIE))
          .findFirst().orElseThrow().replaceAll("^[^=]*=([^;]*).*$", "$1");
      HttpResponse<String> form = c.postForm("/login", "_csrf=" + token + "&username=ann&password=correct+horse");
      assertEquals(429, form.statusCode());
      assertTrue(form.body().contains("too many failed logins"), form.body());
      // Another account from the same address is not locked (5 failures, the address locks at 20).
      assertEquals(200, c.postJson("/api/login", Map.of("username", "bob", "password", Fixtures.PASSWORD), null).statusCode());
    }
  }

  @Test
  void oneAddressGuessingManyAccountsIsLockedButOthersAreNot() throws Exception {
    assumeTrue(Client.canBind("127.0.0.2"), "this system routes only 127.0.0.1 to loopback");
    Path db = dir.resolve("address.db");
    LabelServer.createUser(db, "ann", Fixtures.PASSWORD, "labeler", 4);
    LoginThrottle.Policy p = policy(5, 10, Duration.ofMinutes(1), Duration.ofMinutes(15), 1, Duration.ofSeconds(10));
    try (LabelServer server = LabelServer.start(Fixtures.config(db), p)) {
      int port = server.port();
      for (int i = 0; i < 10; i++) { // ten accounts, one guess each: no account lock
        assertEquals(401, Client.rawLogin(port, "127.0.0.1", "user" + i, "guess"));
      }
      assertEquals(429, Client.rawLogin(port, "127.0.0.1", "ann", Fixtures.PASSWORD));
      assertEquals(200, Client.rawLogin(port, "127.0.0.2", "ann", Fixtures.PASSWORD));
    }
  }

  @Test
  void behindAProxyTheForwardedAddressIsTheOneLimited() throws Exception {
    Path db = dir.resolve("proxy.db");
    LabelServer.createUser(db, "ann", Fixtures.PASSWORD, "labeler", 4);
    LoginThrottle.Policy p = policy(5, 10, Duration.ofMinutes(1), Duration.ofMinutes(15), 1, Duration.ofSeconds(10));
    for (boolean proxy : new boolean[] {false, true}) {
      try (LabelServer server = LabelServer.start(Fixtures.config(db).withBehindProxy(proxy), p)) {
        for (int i = 0; i < 10; i++) { // an attacker behind the proxy: ten accounts, one guess each
          assertEquals(401, forwardedLogin(server.port(), "203.0.113.5", "user" + i, "guess"));
        }
        assertEquals(429, forwardedLogin(server.port(), "203.0.113.5", "ann", Fixtures.PASSWORD));
        // Another client behind the same proxy: locked out too unless the app trusts the header.
        assertEquals(proxy ? 200 : 429, forwardedLogin(server.port(), "198.51.100.7", "ann", Fixtures.PASSWORD));
      }
    }
  }

  private static int forwardedLogin(int port, String client, String user, String password) throws Exception {
    return Client.status(Client.raw(port, "127.0.0.1", "POST", "/api/login",
        Map.of("Content-Type", "application/json", "X-Forwarded-For", client),
        Client.JSON.writeValueAsString(Map.of("username", user, "password", password))));
  }

  // ---------------------------------------------------------------- the back-off, on a fake clock

  @Test
  void locksDoubleUpToTheCapAndSuccessClearsTheAccount() throws Exception {
    AtomicLong now = new AtomicLong();
    LoginThrottle t = new LoginThrottle(
        policy(2, 100, Duration.ofSeconds(1), Duration.ofSeconds(8), 1, Duration.ZERO), now::get);
    long[] expected = {0, 1, 2, 4, 8, 8}; // seconds locked after each failure
    for (long lock : expected) {
      assertNull(t.attempt("ann", "10.0.0.1", () -> null));
      assertEquals(lock, t.retryAfterSeconds("ann", "10.0.0.1"));
      LabelServer.HttpError refused = lock == 0 ? null
          : assertThrows(LabelServer.HttpError.class, () -> t.attempt("ann", "10.0.0.1", () -> "token"));
      if (refused != null) {
        assertEquals(429, refused.status);
        assertEquals(lock, refused.retryAfterSeconds);
      }
      now.addAndGet(TimeUnit.SECONDS.toNanos(lock)); // wait out the lock exactly
    }
    assertEquals(0, t.retryAfterSeconds("ann", "10.0.0.1"));
    assertEquals("token", t.attempt("ann", "10.0.0.1", () -> "token"));
    // The count starts over: one failure does not lock.
    assertNull(t.attempt("ann", "10.0.0.1", () -> null));
    assertEquals(0, t.retryAfterSeconds("ann", "10.0.0.1"));
    // Locks are per account: bob from another address is unaffected.
    assertEquals(0, t.retryAfterSeconds("bob", "10.0.0.2"));
  }

  @Test
  void failuresAreForgottenAfterAQuietHour() throws Exception {
    AtomicLong now = new AtomicLong(-123); // nanoTime may be negative
    LoginThrottle t = new LoginThrottle(
        policy(2, 100, Duration.ofSeconds(1), Duration.ofMinutes(15), 1, Duration.ZERO), now::get);
    assertNull(t.attempt("ann", "a", () -> null));
    assertEquals(0, t.retryAfterSeconds("ann", "a"));
    now.addAndGet(Duration.ofMinutes(59).toNanos());
    assertNull(t.attempt("ann", "a", () -> null)); // second failure within the hour: locked
    assertEquals(1, t.retryAfterSeconds("ann", "a"));
    now.addAndGet(Duration.ofHours(1).plusSeconds(1).toNanos());
    assertNull(t.attempt("ann", "a", () -> null)); // a fresh count: one failure, no lock
    assertEquals(0, t.retryAfterSeconds("ann", "a"));
  }

  // ---------------------------------------------------------------- bounded hashing

  @Test
  void hashingIsBoundedAndCleanAttemptsGoFirst() throws Exception {
    LoginThrottle t = new LoginThrottle(
        policy(100, 100, Duration.ofSeconds(1), Duration.ofMinutes(15), 1, Duration.ofSeconds(20)));
    // An attacker's address with a recorded failure makes its attempts suspect.
    assertNull(t.attempt("x", "attacker", () -> null));
    ExecutorService pool = Executors.newFixedThreadPool(4);
    CountDownLatch release = new CountDownLatch(1);
    try {
      Future<String> first = holdPermit(t, pool, release);
      CountDownLatch secondRan = new CountDownLatch(1);
      Future<String> second = pool.submit(() -> t.attempt("z", "attacker", () -> {
        secondRan.countDown();
        return null;
      }));
      // The suspect permit is taken: the second attacker waits ...
      assertTrue(!secondRan.await(300, TimeUnit.MILLISECONDS), "a second suspect hash ran concurrently");
      // ... but a clean attempt gets the held-back permit at once.
      long start = System.nanoTime();
      assertEquals("token", pool.submit(() -> t.attempt("ann", "user", () -> "token")).get(10, TimeUnit.SECONDS));
      assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5), "the clean attempt queued");
      release.countDown();
      assertNull(first.get(10, TimeUnit.SECONDS));
      assertNull(second.get(10, TimeUnit.SECONDS));
      assertEquals(0, t.hashing());
    } finally {
      release.countDown();
      pool.shutdownNow();
    }
  }

  @Test
  void aSaturatedGateAnswersBusyWithRetryAfter() throws Exception {
    LoginThrottle t = new LoginThrottle(
        policy(100, 100, Duration.ofSeconds(1), Duration.ofMinutes(15), 1, Duration.ofMillis(200)));
    assertNull(t.attempt("x", "attacker", () -> null));
    ExecutorService pool = Executors.newSingleThreadExecutor();
    CountDownLatch release = new CountDownLatch(1);
    try {
      Future<String> holder = holdPermit(t, pool, release);
      LabelServer.HttpError busy =
          assertThrows(LabelServer.HttpError.class, () -> t.attempt("z", "attacker", () -> null));
      assertEquals(503, busy.status);
      assertTrue(busy.retryAfterSeconds > 0);
      release.countDown();
      holder.get(10, TimeUnit.SECONDS);
    } finally {
      release.countDown();
      pool.shutdownNow();
    }
  }

  /** A failing attempt from "attacker" that holds its hashing permit until {@code release}. */
  private static Future<String> holdPermit(LoginThrottle t, ExecutorService pool, CountDownLatch release)
      throws InterruptedException {
    CountDownLatch running = new CountDownLatch(1);
    Future<String> holder = pool.submit(() -> t.attempt("y", "attacker", () -> {
      running.countDown();
      release.await();
      return null;
    }));
    assertTrue(running.await(10, TimeUnit.SECONDS));
    return holder;
  }
}
