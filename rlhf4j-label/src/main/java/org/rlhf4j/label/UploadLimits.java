package org.rlhf4j.label;

import io.javalin.http.Context;
import java.io.IOException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * How large a request may be and how many uploads are parsed at once (issue 16: uploads over 16
 * MiB got 500 instead of 413; eight 13.7 MB uploads peaked at 2.9 GB of heap).
 *
 * <p>A request over {@link #MAX_REQUEST_BYTES} is answered 413: at once when its
 * {@code Content-Length} says so, otherwise when Jetty's multipart parser
 * reaches the limit, or when {@link #readBody} has read past it. Multipart files are spooled to disk by Jetty (Javalin keeps at most 1 byte of
 * a file part in memory) and parsed line by line by {@link JsonlLines}; a JSON API body is read
 * once as bytes and parsed without an intermediate string. At most {@link #MAX_CONCURRENT_UPLOADS}
 * project creations parse uploads at the same time; the others wait up to {@link #WAIT_SECONDS}
 * and are then refused with 503 and {@code Retry-After}, so the heap an upload burst can take is
 * bounded by that number, not by the number of requests.
 */
final class UploadLimits {
  static final long MAX_REQUEST_BYTES = 16L * 1024 * 1024;
  static final int MAX_CONCURRENT_UPLOADS = 2;
  static final long WAIT_SECONDS = 30;

  private final Semaphore parsing = new Semaphore(MAX_CONCURRENT_UPLOADS, true);

  /** Held while one upload is parsed; close it to let the next one in. */
  interface Permit extends AutoCloseable {
    @Override
    void close();
  }

  Permit acquire() throws InterruptedException {
    if (!parsing.tryAcquire(WAIT_SECONDS, TimeUnit.SECONDS)) {
      throw new LabelServer.HttpError(503, 5, "the server is busy with other uploads; try again in a moment");
    }
    return parsing::release;
  }

  /** Refuses a request whose declared length is over the limit before any of it is read. */
  static void checkDeclaredLength(Context ctx) {
    if (ctx.contentLength() > MAX_REQUEST_BYTES) {
      throw tooLarge();
    }
  }

  /**
   * The request body, at most {@link #MAX_REQUEST_BYTES}. Javalin's own limit checks only a declared
   * {@code Content-Length}, so a chunked body (anonymous, on {@code /api/login}) could otherwise
   * fill the heap; this reads one byte past the limit at most, then answers 413.
   */
  static byte[] readBody(Context ctx) {
    byte[] bytes;
    try {
      bytes = ctx.req().getInputStream().readNBytes((int) MAX_REQUEST_BYTES + 1);
    } catch (IOException e) {
      throw new IllegalArgumentException("could not read the request body: " + e.getMessage(), e);
    }
    if (bytes.length > MAX_REQUEST_BYTES) {
      throw tooLarge();
    }
    return bytes;
  }

  static LabelServer.HttpError tooLarge() {
    return new LabelServer.HttpError(413, "request exceeds " + (MAX_REQUEST_BYTES >> 20) + " MiB");
  }

  /**
   * Whether {@code e} is Jetty's multipart parser refusing a body over the limit. Jetty 11 throws a
   * plain IllegalStateException ("Request exceeds maxRequestSize", "... exceeds max filesize"),
   * so its message is all there is to go by.
   */
  static boolean isTooLarge(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof IllegalStateException && t.getMessage() != null && t.getMessage().contains("exceeds max")) {
        return true;
      }
    }
    return false;
  }
}
