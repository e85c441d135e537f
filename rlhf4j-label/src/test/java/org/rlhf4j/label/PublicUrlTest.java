package org.rlhf4j.label;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16: invite links were built from the request's Host header and always http; {@code label
 * serve} had no way to set Secure cookies. Now a configured public URL makes the links, and
 * without one they use the server's own address.
 */
class PublicUrlTest {
  @TempDir Path dir;

  @Test
  void invitesUseThePublicUrlAndItsOriginIsAccepted() throws Exception {
    Path db = dir.resolve("public.db");
    LabelServer.createUser(db, "admin", Fixtures.PASSWORD, "admin", 4);
    LabelServerConfig cfg = Fixtures.config(db)
        .withPublicUrl(URI.create("https://label.example.org/team/"))
        .withSecureCookies(true);
    assertEquals(URI.create("https://label.example.org/team"), cfg.publicUrl()); // trailing slash dropped
    try (LabelServer server = LabelServer.start(cfg)) {
      // A plain client: the cookie is Secure, so a cookie jar would not send it back over http.
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      URI base = URI.create("http://127.0.0.1:" + server.port());
      HttpResponse<String> login = http.send(
          HttpRequest.newBuilder(base.resolve("/api/login")).header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString(
                  Client.JSON.writeValueAsString(Map.of("username", "admin", "password", Fixtures.PASSWORD))))
              .build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, login.statusCode(), login.body());
      String setCookie = login.headers().allValues("Set-Cookie").stream()
          .filter(h -> h.startsWith(LabelServer.SESSION_COOKIE + "=")).findFirst().orElseThrow();
      assertTrue(setCookie.contains("Secure") && setCookie.contains("HttpOnly"), setCookie);
      String session = setCookie.substring(0, setCookie.indexOf(';'));
      String csrf = Client.json(login).get("csrf").asText();

      HttpResponse<String> invite = postAsAdmin(http, base, session, csrf, "https://label.example.org", "newbie");
      assertEquals(200, invite.statusCode(), invite.body());
      JsonNode body = Client.json(invite);
      assertTrue(body.get("invite_url").asText().startsWith("https://label.example.org/team/invite/"), body.toString());
      // Behind a proxy the Host header is the upstream's, so the public origin must pass the check ...
      // ... and any other origin must not.
      assertEquals(403, postAsAdmin(http, base, session, csrf, "https://evil.example", "eve").statusCode());
      assertEquals(403, postAsAdmin(http, base, session, csrf, "http://label.example.org", "eve").statusCode());
    }
  }

  private static HttpResponse<String> postAsAdmin(
      HttpClient http, URI base, String session, String csrf, String origin, String username) throws Exception {
    return http.send(
        HttpRequest.newBuilder(base.resolve("/api/admin/users"))
            .header("Content-Type", "application/json")
            .header("Cookie", session)
            .header("X-CSRF-Token", csrf)
            .header("Origin", origin)
            .POST(HttpRequest.BodyPublishers.ofString(Client.JSON.writeValueAsString(Map.of("username", username))))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void withoutAPublicUrlInvitesIgnoreTheHostHeader() throws Exception {
    Path db = dir.resolve("host.db");
    LabelServer.createUser(db, "admin", Fixtures.PASSWORD, "admin", 4);
    try (LabelServer server = LabelServer.start(Fixtures.config(db))) {
      Client admin = new Client(server.port()).login("admin", Fixtures.PASSWORD);
      String cookie = admin.http.cookieHandler().orElseThrow()
          .get(admin.uri("/"), Map.of()).get("Cookie").get(0);
      String response = Client.raw(server.port(), "127.0.0.1", "POST", "/api/admin/users",
          Map.of("Host", "evil.example", "Content-Type", "application/json", "Cookie", cookie, "X-CSRF-Token", admin.csrf),
          Client.JSON.writeValueAsString(Map.of("username", "newbie")));
      assertEquals(200, Client.status(response), response);
      assertTrue(response.contains("\"invite_url\":\"http://127.0.0.1:" + server.port() + "/invite/"), response);
      assertTrue(!response.contains("evil.example"), response);
    }
  }

  @Test
  void aPublicUrlMustBeAPlainHttpAddress() {
    for (String bad : List.of("ftp://label.example.org", "https://user@label.example.org", "https://x.org/?a=1",
        "https://x.org/#top", "/relative")) {
      assertThrows(IllegalArgumentException.class, () -> Fixtures.config(dir.resolve("x.db")).withPublicUrl(URI.create(bad)), bad);
    }
  }
}
