package org.rlhf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import org.junit.jupiter.api.Test;
import org.rlhf4j.label.LabelServerConfig;
import picocli.CommandLine;

/** Issue 16: {@code label serve} lacked --secure-cookies (the docs named it), a public URL and proxy support. */
class LabelServeOptionsTest {
  private static LabelServerConfig parse(String... args) {
    return CommandLine.populateCommand(new LabelCommand.Serve(), args).config();
  }

  @Test
  void publicUrlAndSecureCookiesReachTheServerConfig() {
    LabelServerConfig cfg = parse("--db", "labels.db", "--public-url", "https://label.example.org/", "--secure-cookies",
        "--behind-proxy");
    assertTrue(cfg.secureCookies());
    assertTrue(cfg.behindProxy());
    assertEquals(URI.create("https://label.example.org"), cfg.publicUrl());
  }

  @Test
  void defaultsArePlainHttpWithoutAPublicUrl() {
    LabelServerConfig cfg = parse("--db", "labels.db");
    assertFalse(cfg.secureCookies());
    assertNull(cfg.publicUrl());
    assertFalse(cfg.behindProxy());
  }

  @Test
  void aPublicUrlThatIsNotHttpIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> parse("--db", "labels.db", "--public-url", "ftp://label.example.org"));
  }
}
