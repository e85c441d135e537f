package org.rlhf4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonlTest {
  @TempDir Path dir;

  private Path file(String... lines) throws IOException {
    Path file = dir.resolve("data.jsonl");
    Files.writeString(file, String.join("\n", lines) + "\n");
    return file;
  }

  private <T> DataFormatException fail(Class<T> type, String... lines) throws IOException {
    Path file = file(lines);
    return assertThrows(DataFormatException.class, () -> Jsonl.read(file, type));
  }

  @Test
  void roundTripsEveryRecordType() throws IOException {
    roundTrip(List.of(new Prompt("1", "Write a haiku", "generation"), new Prompt("2", "Hi")));
    roundTrip(
        List.of(
            new Demonstration("p1", "Say hi", "Hi!", "ann"),
            new Demonstration("Unicode ✓ \"quotes\"\nnewline", "ok")));
    roundTrip(
        List.of(
            new Ranking(
                "p1",
                "Say hi",
                List.of("a", "b", "c", "d"),
                List.of(List.of(2), List.of(0, 3), List.of(1)),
                "ann",
                "chat")));
    roundTrip(List.of(new Comparison("p1", "q", "good", "bad", null)));
    roundTrip(List.of(new Rating("p1", "q", "r", "sft", 5, false, true, false, false, true, "bo")));
    roundTrip(List.of(new PairJudgment("p1", "q", "sft", "x", "ppo", "y", "B", "cy")));
  }

  private <T> void roundTrip(List<T> records) throws IOException {
    Path file = dir.resolve("rt.jsonl");
    Jsonl.write(file, records);
    @SuppressWarnings("unchecked")
    Class<T> type = (Class<T>) records.get(0).getClass();
    assertEquals(records, Jsonl.read(file, type));
  }

  @Test
  void writesSnakeCaseFieldNamesAndOmitsNulls() {
    assertEquals(
        "{\"prompt_id\":\"p\",\"prompt\":\"q\",\"responses\":[\"a\",\"b\"],\"ranking\":[[1],[0]]}",
        Jsonl.toJson(Ranking.ofOrder("p", "q", List.of("a", "b"), 1, 0)));
    assertEquals(
        "{\"prompt\":\"q\",\"chosen\":\"a\",\"rejected\":\"b\"}",
        Jsonl.toJson(new Comparison("q", "a", "b")));
    String rating =
        Jsonl.toJson(new Rating(null, "q", "r", null, 3, true, false, true, false, false, null));
    assertTrue(rating.contains("\"fails_instruction\":true"), rating);
    assertTrue(rating.contains("\"follows_constraints\":false"), rating);
  }

  @Test
  void blankLinesAreSkippedAndLineNumbersStayTrue() throws IOException {
    DataFormatException e =
        fail(Prompt.class, "{\"id\":\"1\",\"prompt\":\"a\"}", "", "   ", "{\"id\":\"2\"}");
    assertEquals(4, e.line());
    assertEquals("prompt", e.field());
    assertEquals(dir.resolve("data.jsonl") + ":4: field 'prompt': is required", e.getMessage());
  }

  @Test
  void malformedJson() throws IOException {
    DataFormatException e = fail(Prompt.class, "{\"id\":\"1\",\"prompt\":\"a\"}", "{\"id\": ");
    assertEquals(2, e.line());
    assertNull(e.field());
    assertTrue(e.getMessage().startsWith(dir.resolve("data.jsonl") + ":2: malformed JSON"), e.getMessage());
  }

  @Test
  void numbersAndBooleansAreNotCoercedToText() throws IOException {
    DataFormatException e = fail(Prompt.class, "{\"id\":\"1\",\"prompt\":7}");
    assertEquals(1, e.line());
    assertEquals("prompt", e.field());
    DataFormatException b = fail(Demonstration.class, "{\"prompt\":\"a\",\"response\":true}");
    assertEquals("response", b.field());
  }

  @Test
  void notAnObject() throws IOException {
    DataFormatException e = fail(Prompt.class, "[1,2]");
    assertTrue(e.getMessage().contains(":1: expected a JSON object"), e.getMessage());
  }

  @Test
  void trailingGarbageAndDuplicateKeys() throws IOException {
    assertEquals(
        1, fail(Prompt.class, "{\"id\":\"1\",\"prompt\":\"a\"} {\"id\":\"2\"}").line());
    DataFormatException e = fail(Prompt.class, "{\"id\":\"1\",\"prompt\":\"a\",\"prompt\":\"b\"}");
    assertTrue(e.getMessage().contains("Duplicate field 'prompt'"), e.getMessage());
  }

  @Test
  void missingRequiredField() throws IOException {
    DataFormatException e = fail(Demonstration.class, "{\"prompt\":\"q\"}");
    assertEquals("response", e.field());
    assertEquals(1, e.line());
    assertEquals(dir.resolve("data.jsonl"), e.file());
  }

  @Test
  void explicitNullRequiredField() throws IOException {
    DataFormatException e = fail(Demonstration.class, "{\"prompt\":\"q\",\"response\":null}");
    assertEquals("response", e.field());
    assertEquals("is required", e.reason());
    DataFormatException likert =
        fail(Rating.class, "{\"prompt\":\"q\",\"response\":\"r\",\"likert\":null}");
    assertEquals("likert", likert.field());
  }

  @Test
  void wrongTypeNamesTheField() throws IOException {
    DataFormatException e = fail(Rating.class, "{\"prompt\":\"q\",\"response\":\"r\",\"likert\":\"5\"}");
    assertEquals("likert", e.field());
    DataFormatException f = fail(Rating.class, "{\"prompt\":\"q\",\"response\":\"r\",\"likert\":4.5}");
    assertEquals("likert", f.field());
    DataFormatException g =
        fail(Ranking.class, "{\"prompt\":\"q\",\"responses\":\"ab\",\"ranking\":[[0],[1]]}");
    assertEquals("responses", g.field());
  }

  @Test
  void validationFailuresCarryFileLineField() throws IOException {
    DataFormatException e =
        fail(
            Ranking.class,
            "{\"prompt\":\"q\",\"responses\":[\"a\",\"b\",\"c\"],\"ranking\":[[0],[1,2]]}",
            "{\"prompt\":\"q\",\"responses\":[\"a\",\"b\",\"c\"],\"ranking\":[[0],[1,1]]}");
    assertEquals(2, e.line());
    assertEquals("ranking", e.field());
    assertTrue(
        e.getMessage().startsWith(dir.resolve("data.jsonl") + ":2: field 'ranking': duplicate index 1"),
        e.getMessage());
    DataFormatException likert =
        fail(Rating.class, "{\"prompt\":\"q\",\"response\":\"r\",\"likert\":9}");
    assertEquals("likert", likert.field());
    assertTrue(likert.reason().contains("1..7"));
  }

  @Test
  void emptyFileHasNoRecords() throws IOException {
    Path file = dir.resolve("empty.jsonl");
    Files.writeString(file, "\n  \n");
    DataFormatException e =
        assertThrows(DataFormatException.class, () -> Jsonl.read(file, Prompt.class));
    assertEquals(file + ": no records", e.getMessage());
    assertEquals(0, e.line());
  }

  @Test
  void invalidUtf8IsReportedWithLine() throws IOException {
    Path file = dir.resolve("bad.jsonl");
    byte[] good = "{\"id\":\"1\",\"prompt\":\"a\"}\n".getBytes(StandardCharsets.UTF_8);
    byte[] bad = {'{', '"', 'i', 'd', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}', '\n'};
    byte[] all = new byte[good.length + bad.length];
    System.arraycopy(good, 0, all, 0, good.length);
    System.arraycopy(bad, 0, all, good.length, bad.length);
    Files.write(file, all);
    DataFormatException e =
        assertThrows(DataFormatException.class, () -> Jsonl.read(file, Prompt.class));
    assertTrue(e.getMessage().contains("UTF-8"), e.getMessage());
  }

  /** Invalid UTF-8 on line N is reported as line N, not where the decoder's read-ahead began. */
  @Test
  void invalidUtf8IsReportedOnItsOwnLine() throws IOException {
    for (int badLine : new int[] {1, 2, 12, 3000}) {
      Path file = dir.resolve("bad-" + badLine + ".jsonl");
      java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
      for (int i = 1; i < badLine; i++) {
        all.writeBytes(("{\"id\":\"" + i + "\",\"prompt\":\"a prompt of some length\"}\r\n").getBytes(StandardCharsets.UTF_8));
      }
      all.writeBytes(new byte[] {'{', '"', 'i', 'd', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}', '\n'});
      all.writeBytes("{\"id\":\"x\",\"prompt\":\"after\"}\n".getBytes(StandardCharsets.UTF_8));
      Files.write(file, all.toByteArray());
      DataFormatException e = assertThrows(DataFormatException.class, () -> Jsonl.read(file, Prompt.class));
      assertEquals(badLine, e.line(), e.getMessage());
      assertTrue(e.getMessage().startsWith(file + ":" + badLine + ":") && e.getMessage().contains("UTF-8"), e.getMessage());
    }
    Path ok = dir.resolve("crlf.jsonl");
    Files.writeString(ok, "{\"id\":\"1\",\"prompt\":\"a\"}\r\n\r\n{\"id\":\"2\",\"prompt\":\"\u00e9\"}");
    assertEquals(List.of(new Prompt("1", "a"), new Prompt("2", "\u00e9")), Jsonl.read(ok, Prompt.class));
  }

  @Test
  void unknownFieldsAreIgnored() throws IOException {
    Path file = file("{\"id\":\"1\",\"prompt\":\"a\",\"source\":\"web\"}");
    assertEquals(List.of(new Prompt("1", "a")), Jsonl.read(file, Prompt.class));
  }

  @Test
  void writeReplacesAtomicallyAndLeavesNoTempFiles() throws IOException {
    Path file = dir.resolve("sub/out.jsonl");
    Jsonl.write(file, List.of(new Prompt("1", "a")));
    Jsonl.write(file, List.of(new Prompt("2", "b"), new Prompt("3", "c")));
    assertEquals(2, Jsonl.read(file, Prompt.class).size());
    try (var listing = Files.list(file.getParent())) {
      assertEquals(List.of(file), listing.toList());
    }
  }

  @Test
  void appendCreatesAndExtends() throws Exception {
    Path file = dir.resolve("log.jsonl");
    Jsonl.append(file, new Prompt("1", "a"));
    Jsonl.append(file, List.of(new Prompt("2", "b"), new Prompt("3", "c")));
    assertEquals(3, Jsonl.read(file, Prompt.class).size());
    // Concurrent appenders must not tear lines.
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> futures = new java.util.ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int thread = t;
        futures.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < 50; i++) {
                    Jsonl.append(file, new Prompt(thread + "-" + i, "x".repeat(500)));
                  }
                  return null;
                }));
      }
      for (Future<?> f : futures) {
        f.get(30, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(203, Jsonl.read(file, Prompt.class).size());
  }

  @Test
  void parseSingleRecord() {
    assertEquals(new Prompt("1", "a"), Jsonl.parse("{\"id\":\"1\",\"prompt\":\"a\"}", Prompt.class));
    InvalidFieldException e =
        assertThrows(InvalidFieldException.class, () -> Jsonl.parse("{\"id\":\"1\"}", Prompt.class));
    assertEquals("prompt", e.field());
    assertFalse(
        assertThrows(IllegalArgumentException.class, () -> Jsonl.parse("{", Prompt.class))
            instanceof InvalidFieldException);
  }
}
