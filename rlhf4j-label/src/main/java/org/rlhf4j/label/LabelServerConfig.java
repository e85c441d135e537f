package org.rlhf4j.label;

import java.net.URI;
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
 * @param publicUrl the address users reach the app at, e.g. {@code https://label.example.org}
 *     (scheme, host, optional port and path); invite links are built from it and browsers' {@code
 *     Origin} may equal it. Null: invite links use the address the server accepted the request on,
 *     never the request's {@code Host} header
 * @param behindProxy take the client's address (for per-address login limits) from the {@code
 *     X-Forwarded-For} header that a reverse proxy sets, leftmost value first, as Jetty's {@code
 *     ForwardedRequestCustomizer} does; only when the proxy is the only way in and it replaces
 *     (not appends to) that header, or clients could claim any address
 */
public record LabelServerConfig(
    String host,
    int port,
    Path dbPath,
    Map<String, CandidateSource> candidateSources,
    Map<String, PairSource> pairSources,
    int bcryptCost,
    boolean secureCookies,
    URI publicUrl,
    boolean behindProxy) {

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
    if (publicUrl != null) {
      String scheme = publicUrl.getScheme();
      if (!("http".equals(scheme) || "https".equals(scheme)) || publicUrl.getHost() == null
          || publicUrl.getRawQuery() != null || publicUrl.getRawFragment() != null || publicUrl.getRawUserInfo() != null) {
        throw new IllegalArgumentException(
            "public URL must be http(s)://host[:port][/path] without user, query or fragment, got " + publicUrl);
      }
      String path = publicUrl.getRawPath() == null ? "" : publicUrl.getRawPath().replaceAll("/+$", "");
      publicUrl = URI.create(scheme + "://" + publicUrl.getRawAuthority() + path);
    }
  }

  /** No public URL and no proxy (invite links use the address the request arrived on). */
  public LabelServerConfig(
      String host,
      int port,
      Path dbPath,
      Map<String, CandidateSource> candidateSources,
      Map<String, PairSource> pairSources,
      int bcryptCost,
      boolean secureCookies) {
    this(host, port, dbPath, candidateSources, pairSources, bcryptCost, secureCookies, null, false);
  }

  /** Localhost, no registered sources, default bcrypt cost, plain-HTTP cookies. */
  public LabelServerConfig(int port, Path dbPath) {
    this("127.0.0.1", port, dbPath, Map.of(), Map.of(), DEFAULT_BCRYPT_COST, false, null, false);
  }

  public LabelServerConfig withBcryptCost(int cost) {
    return new LabelServerConfig(host, port, dbPath, candidateSources, pairSources, cost, secureCookies, publicUrl, behindProxy);
  }

  public LabelServerConfig withPort(int newPort) {
    return new LabelServerConfig(host, newPort, dbPath, candidateSources, pairSources, bcryptCost, secureCookies, publicUrl, behindProxy);
  }

  public LabelServerConfig withCandidateSource(String name, CandidateSource source) {
    var map = new java.util.HashMap<>(candidateSources);
    map.put(name, source);
    return new LabelServerConfig(host, port, dbPath, map, pairSources, bcryptCost, secureCookies, publicUrl, behindProxy);
  }

  public LabelServerConfig withSecureCookies(boolean secure) {
    return new LabelServerConfig(host, port, dbPath, candidateSources, pairSources, bcryptCost, secure, publicUrl, behindProxy);
  }

  public LabelServerConfig withPublicUrl(URI url) {
    return new LabelServerConfig(host, port, dbPath, candidateSources, pairSources, bcryptCost, secureCookies, url, behindProxy);
  }

  public LabelServerConfig withBehindProxy(boolean proxy) {
    return new LabelServerConfig(host, port, dbPath, candidateSources, pairSources, bcryptCost, secureCookies, publicUrl, proxy);
  }
}
