package org.rlhf4j.label;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/** A test HTTP client with its own cookie jar, speaking to 127.0.0.1 only. */
final class Client {
  static final ObjectMapper JSON = new ObjectMapper();

  final HttpClient http;
  volatile int port;
  String csrf;

  Client(int port) {
    this.port = port;
    this.http =
        HttpClient.newBuilder()
            .cookieHandler(new CookieManager())
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
  }

  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(20)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> postJson(String path, Object body, String csrfToken)
      throws IOException, InterruptedException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(uri(path))
            .timeout(Duration.ofSeconds(20))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
    if (csrfToken != null) {
      b.header("X-CSRF-Token", csrfToken);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> post(String path, Object body) throws IOException, InterruptedException {
    return postJson(path, body, csrf);
  }

  HttpResponse<String> postForm(String path, String form) throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(uri(path))
            .timeout(Duration.ofSeconds(20))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(form))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /**
   * A {@code multipart/form-data} POST, as the new-project form sends it: text fields, then files
   * (name to content); the body is streamed from the parts, never copied whole.
   */
  HttpResponse<String> postMultipart(String path, Map<String, String> fields, Map<String, byte[]> files)
      throws IOException, InterruptedException {
    String boundary = "----rlhf4j" + System.nanoTime();
    java.util.List<byte[]> parts = new java.util.ArrayList<>();
    for (Map.Entry<String, String> f : fields.entrySet()) {
      parts.add(ascii("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + f.getKey() + "\"\r\n\r\n"));
      parts.add(f.getValue().getBytes(java.nio.charset.StandardCharsets.UTF_8));
      parts.add(ascii("\r\n"));
    }
    for (Map.Entry<String, byte[]> f : files.entrySet()) {
      parts.add(ascii("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + f.getKey()
          + "\"; filename=\"" + f.getKey() + ".jsonl\"\r\nContent-Type: application/octet-stream\r\n\r\n"));
      parts.add(f.getValue());
      parts.add(ascii("\r\n"));
    }
    parts.add(ascii("--" + boundary + "--\r\n"));
    return http.send(
        HttpRequest.newBuilder(uri(path))
            .timeout(Duration.ofSeconds(60))
            .header("Content-Type", "multipart/form-data; boundary=" + boundary)
            .POST(HttpRequest.BodyPublishers.ofByteArrays(parts))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static byte[] ascii(String s) {
    return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  }

  Client login(String user, String password) throws IOException, InterruptedException {
    HttpResponse<String> r =
        postJson("/api/login", Map.of("username", user, "password", password), null);
    if (r.statusCode() != 200) {
      throw new IOException("login failed: " + r.statusCode() + " " + r.body());
    }
    csrf = JSON.readTree(r.body()).get("csrf").asText();
    return this;
  }

  static JsonNode json(HttpResponse<String> r) throws IOException {
    return JSON.readTree(r.body());
  }

  static boolean canBind(String address) {
    try (Socket s = new Socket()) {
      s.bind(new InetSocketAddress(address, 0));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * One {@code POST /api/login} over a socket bound to {@code from}, so the server sees that
   * client address ({@link java.net.http.HttpClient} cannot choose one on Java 17). Returns the
   * status code.
   */
  static int rawLogin(int port, String from, String user, String password) throws IOException {
    String body = JSON.writeValueAsString(Map.of("username", user, "password", password));
    return status(raw(port, from, "POST", "/api/login", Map.of("Content-Type", "application/json"), body));
  }

  /**
   * A request written by hand over a socket bound to {@code from}, with any headers (also those
   * {@link java.net.http.HttpClient} refuses to set, such as {@code Host}); returns the whole
   * response, headers and body.
   */
  static String raw(int port, String from, String method, String path, Map<String, String> headers, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    StringBuilder head = new StringBuilder(method + " " + path + " HTTP/1.1\r\n");
    if (!headers.containsKey("Host")) {
      head.append("Host: 127.0.0.1:").append(port).append("\r\n");
    }
    headers.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
    head.append("Content-Length: ").append(bytes.length).append("\r\nConnection: close\r\n\r\n");
    try (Socket s = new Socket()) {
      s.bind(new InetSocketAddress(from, 0));
      s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
      s.setSoTimeout(60_000);
      OutputStream out = s.getOutputStream();
      out.write(head.toString().getBytes(StandardCharsets.UTF_8));
      out.write(bytes);
      out.flush();
      InputStream in = s.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** The status code of a {@link #raw} response. */
  static int status(String response) throws IOException {
    String[] parts = response.split("\r\n", 2)[0].split(" ");
    if (parts.length < 2) {
      throw new IOException("no HTTP status from the server: " + response);
    }
    return Integer.parseInt(parts[1]);
  }
}
