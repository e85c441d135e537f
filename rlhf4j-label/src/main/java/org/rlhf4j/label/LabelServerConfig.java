package org.rlhf4j.label;

import java.nio.file.Path;
import java.util.Map;

/**
 * How to run the labeling server.
 *
 * @param host interface to bind; {@code 127.0.0.1} by default (put a TLS proxy in front to share)
 * @param port TCP port, 0 for any free port
 * @param dbPath SQLite database file (created and migrated on start)
 * @param candidateSources named sources admins can pick for ranking projects (e.g. a checkpoint
 *     the CLI loaded); uploading a candidates JSONL always works
 * @param pairSources named A/B sources; uploading two response JSONL files always works
 * @param bcryptCost bcrypt work factor (4..31; 12 by default, tests use 4)
 * @param secureCookies add the Secure attribute (needs HTTPS, e.g. behind a proxy)
 */
public record LabelServerConfig(
    String host,
    int port,
    Path dbPath,
    Map<String, CandidateSource> candidateSources,
    Map<String, PairSource> pairSources,
    int bcryptCost,
    boolean secureCookies) {

  public static final int DEFAULT_BCRYPT_COST = 12;

  public LabelServerConfig {
    if (host == null || host.isBlank()) {
      host = "127.0.0.1";
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be 0..65535, got " + port);
    }
    if (dbPath == null) {
      throw new IllegalArgumentException("dbPath is required");
    }
    candidateSources = Map.copyOf(candidateSources == null ? Map.of() : candidateSources);
    pairSources = Map.copyOf(pairSources == null ? Map.of() : pairSources);
    if (bcryptCost < 4 || bcryptCost > 31) {
      throw new IllegalArgumentException("bcryptCost must be 4..31, got " + bcryptCost);
    }
  }

  /** Localhost, no registered sources, default bcrypt cost, plain-HTTP cookies. */
  public LabelServerConfig(int port, Path dbPath) {
    this("127.0.0.1", port, dbPath, Map.of(), Map.of(), DEFAULT_BCRYPT_COST, false);
  }

  public LabelServerConfig withBcryptCost(int cost) {
    return new LabelServerConfig(host, port, dbPath, candidateSources, pairSources, cost, secureCookies);
  }

  public LabelServerConfig withPort(int newPort) {
    return new LabelServerConfig(host, newPort, dbPath, candidateSources, pairSources, bcryptCost, secureCookies);
  }

  public LabelServerConfig withCandidateSource(String name, CandidateSource source) {
    var map = new java.util.HashMap<>(candidateSources);
    map.put(name, source);
    return new LabelServerConfig(host, port, dbPath, map, pairSources, bcryptCost, secureCookies);
  }
}
