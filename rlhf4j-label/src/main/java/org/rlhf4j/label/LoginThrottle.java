package org.rlhf4j.label;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Limits password guessing and the CPU that login attempts can take (issue 16: 30 wrong passwords
 * followed by the right one logged in; six anonymous threads posting logins slowed a real login
 * from 0.23 s to 1.6 s).
 *
 * <p><b>Back-off.</b> Failures are counted per account (the username as typed, existing or not)
 * and per client address. The {@code freeFailures}-th failure of a key locks it for {@code
 * firstLockout}, and each further one for twice as long as the last (capped at {@code
 * maxLockout}); an attempt on
 * a locked key is refused with its {@code Retry-After} before any password is checked, so during
 * the lock even the right password does not log in. A successful login clears its account's
 * count; an address's count is forgotten {@code forgetAfter} after its last failure. Refused
 * attempts do not extend a lock: the lock grows with wrong guesses, not with impatience.
 *
 * <p><b>Bounded hashing.</b> Attempts whose account or address has a recorded failure ("suspect")
 * run at most {@code hashingPermits} bcrypt verifications at once, so attackers cannot take every
 * core; one more permit is held back for clean attempts (no recorded failure), and clean attempts
 * go ahead of every waiting suspect one. A real user therefore does not queue behind the
 * attackers' hashes. An attempt that waits longer than {@code hashingWait} is refused as busy (503
 * with Retry-After).
 *
 * <p>State is in memory (a restart forgets it) and bounded: at most {@code maxTracked} accounts
 * and as many addresses, least recently used forgotten first. Behind a reverse proxy every client
 * has the proxy's address, so the per-address limits then apply to all users together, unless the
 * server takes addresses from {@code X-Forwarded-For} ({@link LabelServerConfig#behindProxy()}).
 */
final class LoginThrottle {

  /**
   * @param accountFreeFailures failures of one username that lock it
   * @param addressFreeFailures failures from one address that lock it (higher: several people may
   *     share an address)
   * @param firstLockout the first lock; each further failure doubles it
   * @param maxLockout the longest lock
   * @param forgetAfter a key's failures are forgotten this long after its last failure
   * @param hashingPermits concurrent password verifications for suspect attempts (clean ones get
   *     one more)
   * @param hashingWait the longest an attempt waits for a permit before it is refused as busy
   * @param maxTracked accounts (and addresses) remembered at most
   */
  record Policy(
      int accountFreeFailures,
      int addressFreeFailures,
      Duration firstLockout,
      Duration maxLockout,
      Duration forgetAfter,
      int hashingPermits,
      Duration hashingWait,
      int maxTracked) {

    /** Locks after 5 failures per account or 20 per address, for 1 s doubling to 15 min. */
    static final Policy DEFAULT =
        new Policy(
            5,
            20,
            Duration.ofSeconds(1),
            Duration.ofMinutes(15),
            Duration.ofHours(1),
            Math.max(1, Runtime.getRuntime().availableProcessors() / 2), // leave cores to labelers
            Duration.ofSeconds(10),
            100_000);

    Policy {
      if (accountFreeFailures < 1 || addressFreeFailures < 1 || hashingPermits < 1 || maxTracked < 1) {
        throw new IllegalArgumentException("login policy counts must be positive");
      }
      if (firstLockout.isNegative() || firstLockout.isZero() || maxLockout.compareTo(firstLockout) < 0
          || forgetAfter.compareTo(maxLockout) < 0 || hashingWait.isNegative()) {
        throw new IllegalArgumentException(
            "login policy needs 0 < firstLockout <= maxLockout <= forgetAfter and hashingWait >= 0");
      }
    }
  }

  /** The password check itself; returns null for a failed login. */
  interface Attempt<T> {
    T run() throws Exception;
  }

  private static final class Failures {
    int count;
    long lastFailureNanos;
    boolean locked;
    long lockedUntilNanos;
  }

  private final Policy policy;
  private final LongSupplier nanoClock;
  private final Map<String, Failures> accounts;
  private final Map<String, Failures> addresses;
  // Hashing permits; guarded by this.
  private int hashing;
  private int cleanWaiting;

  LoginThrottle(Policy policy) {
    this(policy, System::nanoTime);
  }

  LoginThrottle(Policy policy, LongSupplier nanoClock) {
    this.policy = policy;
    this.nanoClock = nanoClock;
    this.accounts = lru(policy.maxTracked());
    this.addresses = lru(policy.maxTracked());
  }

  private static Map<String, Failures> lru(int capacity) {
    return new LinkedHashMap<>(16, 0.75f, true) {
      private static final long serialVersionUID = 1L;

      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Failures> eldest) {
        return size() > capacity;
      }
    };
  }

  /**
   * Runs one login attempt for {@code account} from {@code address}: refuses it while either is
   * locked, waits for a hashing permit, runs it, and records a null result as a failure.
   *
   * @throws LabelServer.HttpError when locked (429) or when no permit came within {@code hashingWait} (503)
   */
  <T> T attempt(String account, String address, Attempt<T> login) throws Exception {
    String key = account == null ? "" : account;
    boolean clean;
    synchronized (this) {
      checkUnlocked(key, address);
      clean = count(accounts, key) == 0 && count(addresses, address) == 0;
      acquire(clean);
    }
    T result;
    try {
      synchronized (this) {
        // Failures recorded while this attempt waited may have locked it meanwhile.
        checkUnlocked(key, address);
      }
      result = login.run();
    } finally {
      release();
    }
    synchronized (this) {
      if (result == null) {
        fail(accounts, key, policy.accountFreeFailures());
        fail(addresses, address, policy.addressFreeFailures());
      } else {
        accounts.remove(key);
      }
    }
    return result;
  }

  /** Seconds until {@code account} from {@code address} may try again; 0 when it may now. */
  synchronized long retryAfterSeconds(String account, String address) {
    long left = Math.max(lockLeft(accounts, account == null ? "" : account), lockLeft(addresses, address));
    return left > 0 ? TimeUnit.NANOSECONDS.toSeconds(left + 999_999_999L) : 0; // rounded up
  }

  private void checkUnlocked(String account, String address) {
    long wait = retryAfterSeconds(account, address);
    if (wait > 0) {
      throw new LabelServer.HttpError(429, wait, "too many failed logins; try again in " + wait + " s");
    }
  }

  private long lockLeft(Map<String, Failures> map, String key) {
    Failures f = current(map, key);
    return f == null || !f.locked ? 0 : Math.max(0, f.lockedUntilNanos - nanoClock.getAsLong());
  }

  private int count(Map<String, Failures> map, String key) {
    Failures f = current(map, key);
    return f == null ? 0 : f.count;
  }

  /** The key's failures, or null when it has none or they are older than forgetAfter. */
  private Failures current(Map<String, Failures> map, String key) {
    Failures f = map.get(key);
    if (f != null && nanoClock.getAsLong() - f.lastFailureNanos > policy.forgetAfter().toNanos()) {
      map.remove(key);
      return null;
    }
    return f;
  }

  private void fail(Map<String, Failures> map, String key, int free) {
    Failures f = current(map, key);
    if (f == null) {
      f = new Failures();
      map.put(key, f);
    }
    long now = nanoClock.getAsLong();
    f.count++;
    f.lastFailureNanos = now;
    int over = f.count - free + 1; // the free-th failure takes the first lock
    if (over > 0) {
      // firstLockout × 2^(over-1), capped; the shift is bounded so it cannot overflow.
      long lock = Math.min(policy.maxLockout().toNanos(),
          policy.firstLockout().toNanos() << Math.min(over - 1, 40));
      if (lock < 0) {
        lock = policy.maxLockout().toNanos();
      }
      f.locked = true;
      f.lockedUntilNanos = now + lock;
    }
  }

  // ---------------------------------------------------------------- hashing permits

  /**
   * Takes a permit: suspect attempts up to {@code hashingPermits} at once and only when no clean
   * attempt waits; clean ones up to one more. Called holding the monitor, which wait() releases.
   */
  private void acquire(boolean clean) throws InterruptedException {
    long deadline = System.nanoTime() + policy.hashingWait().toNanos();
    if (clean) {
      cleanWaiting++;
    }
    try {
      while (clean ? hashing > policy.hashingPermits() : hashing >= policy.hashingPermits() || cleanWaiting > 0) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new LabelServer.HttpError(503, 1, "the server is busy checking passwords; try again in a moment");
        }
        TimeUnit.NANOSECONDS.timedWait(this, left);
      }
      hashing++;
    } finally {
      if (clean) {
        cleanWaiting--;
        notifyAll(); // a suspect attempt may have been waiting only for the clean ones
      }
    }
  }

  private synchronized void release() {
    hashing--;
    notifyAll();
  }

  /** Password verifications running now (for tests). */
  synchronized int hashing() {
    return hashing;
  }
}
