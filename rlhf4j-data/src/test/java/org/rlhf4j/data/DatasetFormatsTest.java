package org.rlhf4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetFormatsTest {
  @TempDir Path dir;

  private Path file(String... lines) throws IOException {
    Path file = dir.resolve("in.jsonl");
    Files.writeString(file, String.join("\n", lines) + "\n");
    return file;
  }

  @Test
  void nativeDemonstrations() throws IOException {
    List<Demonstration> d =
        DatasetFormats.readDemonstrations(
            file("{\"prompt_id\":\"1\",\"prompt\":\"q\",\"response\":\"a\",\"labeler\":\"ann\"}"));
    assertEquals(List.of(new Demonstration("1", "q", "a", "ann")), d);
  }

  @Test
  void trlPromptCompletion() throws IOException {
    List<Demonstration> d =
        DatasetFormats.readDemonstrations(
            file("{\"prompt\":\"The sky is\",\"completion\":\" blue.\"}", "{\"prompt\":\"2+2=\",\"completion\":\"4\"}"));
    assertEquals(new Demonstration("The sky is", " blue."), d.get(0));
    assertEquals(2, d.size());
  }

  @Test
  void chatMessages() throws IOException {
    List<Demonstration> d =
        DatasetFormats.readDemonstrations(
            file(
                "{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"},{\"role\":\"assistant\",\"content\":\"Hello!\"}]}",
                "{\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
                    + "{\"role\":\"user\",\"content\":\"Name a color\"},"
                    + "{\"role\":\"assistant\",\"content\":\"Red\"},"
                    + "{\"role\":\"user\",\"content\":\"Another\"},"
                    + "{\"role\":\"assistant\",\"content\":\"Blue\"}]}"));
    assertEquals(new Demonstration("Hi", "Hello!"), d.get(0));
    assertEquals(
        "System: Be brief.\n\nUser: Name a color\n\nAssistant: Red\n\nUser: Another",
        d.get(1).prompt());
    assertEquals("Blue", d.get(1).response());
  }

  @Test
  void chatWithoutAssistantOrWithTrailingTurns() throws IOException {
    DataFormatException e =
        assertThrows(
            DataFormatException.class,
            () ->
                DatasetFormats.readDemonstrations(
                    file("{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}")));
    assertEquals("messages", e.field());
    assertTrue(e.reason().contains("no assistant turn"));
    DataFormatException trailing =
        assertThrows(
            DataFormatException.class,
            () ->
                DatasetFormats.readDemonstrations(
                    file(
                        "{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"},"
                            + "{\"role\":\"assistant\",\"content\":\"Yo\"},"
                            + "{\"role\":\"user\",\"content\":\"?\"}]}")));
    assertEquals(1, trailing.line());
  }

  @Test
  void mixedFormatsAreRejectedWithBothLines() throws IOException {
    DataFormatException e =
        assertThrows(
            DataFormatException.class,
            () ->
                DatasetFormats.readDemonstrations(
                    file(
                        "{\"prompt\":\"a\",\"response\":\"b\"}",
                        "",
                        "{\"prompt\":\"a\",\"completion\":\"b\"}")));
    assertEquals(3, e.line());
    assertTrue(e.reason().contains("mixed formats") && e.reason().contains("line 1"), e.reason());
  }

  @Test
  void unknownFormat() throws IOException {
    DataFormatException e =
        assertThrows(
            DataFormatException.class,
            () -> DatasetFormats.readDemonstrations(file("{\"question\":\"a\",\"answer\":\"b\"}")));
    assertTrue(e.reason().contains("unknown demonstration format"), e.reason());
    assertTrue(e.reason().contains("question"), e.reason());
    assertThrows(
        DataFormatException.class, () -> DatasetFormats.readRankings(file("{\"prompt\":\"a\"}")));
  }

  @Test
  void nativeRankingsAndValidation() throws IOException {
    List<Ranking> r =
        DatasetFormats.readRankings(
            file("{\"prompt\":\"q\",\"responses\":[\"a\",\"b\",\"c\",\"d\"],\"ranking\":[[2],[0,3],[1]]}"));
    assertEquals(5, r.get(0).pairs().size());
    DataFormatException e =
        assertThrows(
            DataFormatException.class,
            () ->
                DatasetFormats.readRankings(
                    file("{\"prompt\":\"q\",\"responses\":[\"a\",\"b\"],\"ranking\":[[0],[2]]}")));
    assertEquals("ranking", e.field());
  }

  @Test
  void trlPreferenceBecomesKTwo() throws IOException {
    List<Ranking> r =
        DatasetFormats.readRankings(
            file("{\"prompt\":\"q\",\"chosen\":\"good\",\"rejected\":\"bad\",\"score_chosen\":8}"));
    assertEquals(List.of("good", "bad"), r.get(0).responses());
    assertEquals(List.of(List.of(0), List.of(1)), r.get(0).ranking());
  }

  @Test
  void trlConversationalPreference() throws IOException {
    List<Ranking> r =
        DatasetFormats.readRankings(
            file(
                "{\"prompt\":[{\"role\":\"user\",\"content\":\"Color?\"}],"
                    + "\"chosen\":[{\"role\":\"assistant\",\"content\":\"Blue\"}],"
                    + "\"rejected\":[{\"role\":\"assistant\",\"content\":\"No\"}]}"));
    assertEquals("Color?", r.get(0).prompt());
    assertEquals(List.of("Blue", "No"), r.get(0).responses());
  }

  @Test
  void trlImplicitPromptIsExplained() throws IOException {
    DataFormatException e =
        assertThrows(
            DataFormatException.class,
            () -> DatasetFormats.readRankings(file("{\"chosen\":\"a\",\"rejected\":\"b\"}")));
    assertEquals("prompt", e.field());
    assertTrue(e.reason().contains("implicit-prompt"));
  }

  @Test
  void ourOwnComparisonExportReadsAsRanking() throws IOException {
    Path file = dir.resolve("cmp.jsonl");
    Jsonl.write(file, List.of(new Comparison("p1", "q", "x", "y", "ann")));
    Ranking r = DatasetFormats.readRankings(file).get(0);
    assertEquals("p1", r.promptId());
    assertEquals("ann", r.labeler());
  }
}
