package org.rlhf4j.core.model;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Garbage-collection pressure for tests: DJL frees the native memory behind a direct
 * {@code ByteBuffer} when the collector reclaims it (docs/known-issues.md), so a test that wants
 * to catch a use-after-free forces collections and reuses the freed memory.
 */
public final class GcPressure implements AutoCloseable {
  private final Thread thread;
  private volatile boolean running = true;

  /** Starts a daemon thread that collects and allocates in a loop until {@link #close()}. */
  public GcPressure() {
    thread = new Thread(() -> {
      while (running) {
        collectNow();
        pause(2); // leave the trainer most of the CPU: its steps take milliseconds
      }
    }, "gc-pressure");
    thread.setDaemon(true);
    thread.start();
  }

  /**
   * Forces a full collection, waits for reference processing (the cleaner that frees direct
   * buffers runs on its own thread), then allocates and fills small direct buffers so freed
   * native memory is likely reused with garbage.
   */
  public static void collectNow() {
    System.gc();
    pause(1);
    List<ByteBuffer> junk = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      ByteBuffer b = ByteBuffer.allocateDirect(4 << (i % 4));
      while (b.hasRemaining()) {
        b.put((byte) 0x7f);
      }
      junk.add(b);
    }
    junk.clear();
  }

  private static void pause(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    thread.join();
  }
}
