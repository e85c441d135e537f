package org.rlhf4j.cli.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rlhf4j.world.InstructionFollowing;
import org.rlhf4j.world.Proportion;

/** The instruction-following figures in results.json, the console, the HTML report and the claims. */
class FollowingReportTest {
  @TempDir Path tmp;

  private static final List<String> PROMPTS = List.of("Define the word dog.", "What is a cat a kind of?");

  /** Figures for one model: correct k of 40 overall, trained/held-out 20 each, two samples. */
  static InstructionFollowing figures(int trained, int heldOut, String... answers) {
    List<InstructionFollowing.Sample> samples = List.of(
        new InstructionFollowing.Sample("eval-00001", "define", true, PROMPTS.get(0), answers[0], answers[0].contains("animal")),
        new InstructionFollowing.Sample("eval-00002", "kind-of", false, PROMPTS.get(1), answers[1], answers[1].contains("feline")));
    Map<String, Proportion> byKind = new LinkedHashMap<>();
    byKind.put("define", Proportion.of(heldOut, 20));
    byKind.put("kind-of", Proportion.of(trained, 20));
    return new InstructionFollowing(48, Proportion.of(trained + heldOut, 40), byKind, Proportion.of(trained, 20),
        Proportion.of(heldOut, 20), Proportion.of(30, 40), 0.25, "The opposite of friend is <volume>.", 0.6, samples);
  }

  static Results results() {
    Map<String, Results.ModelEval> models = new LinkedHashMap<>();
    models.put("large-base", eval(figures(1, 0, "the act of the act of", "A dog is a kind of thing.")));
    models.put("small-sft", eval(figures(8, 4, "A dog is an animal.", "A cat is a kind of dog.")));
    models.put("small-ppo-ptx", eval(figures(16, 15, "A dog is a domestic animal.", "A cat is a kind of feline.")));
    return new Results(null, null, models, "large-base", null, null, null, null, null);
  }

  private static Results.ModelEval eval(InstructionFollowing f) {
    return new Results.ModelEval("r", 1L, new Results.Interval(0.5, 0.45, 0.55, 40), 3.0, 0.4, 0.5, null, null, 0.0,
        null, null, null, null, null).withInstructionFollowing(f);
  }

  @Test
  void consoleShowsTheFiguresAndEveryModelsAnswerSideBySide() {
    String out = Report.consoleTable(results());
    assertTrue(out.contains("Instruction following"), out);
    assertTrue(out.contains("77.5% [62.5, 87.7]"), "small PPO-ptx 31/40 with its Wilson interval: " + out);
    assertTrue(out.contains("held-out") && out.contains("names the"), out);
    assertTrue(out.contains("define (20)") && out.contains("kind-of (20)"), "correctness by kind: " + out);
    for (String p : PROMPTS) {
      assertTrue(out.contains(p), p);
    }
    assertTrue(out.contains("[define, held-out phrasing]") && out.contains("[kind-of, trained phrasing]"), out);
    assertTrue(out.contains("[ok] A cat is a kind of feline.") && out.contains("     A cat is a kind of dog."), out);
    for (String line : out.split("\n")) {
      assertTrue(line.length() <= Report.CONSOLE_WIDTH, "too wide: " + line);
    }
  }

  @Test
  void readmeMarkdownShowsTheFiguresAndTheAnswers() {
    String md = MarkdownReport.tables(results());
    assertTrue(md.contains("| small-ppo-ptx | 77.5% [62.5, 87.7] |"), md);
    assertTrue(md.contains("held-out phrasings") && md.contains("most common answer"), md);
    assertTrue(md.contains("**1. Define the word dog.** (define, held-out phrasing)"), md);
    assertTrue(md.contains("| small-ppo-ptx | A cat is a kind of feline. | ✓ |"), md);
    assertTrue(md.contains("| small-sft | A cat is a kind of dog. | |"), md);
  }

  @Test
  void htmlHasTheSectionAndEscapesAnswers() throws Exception {
    Path html = tmp.resolve("report.html");
    Report.writeHtml(results(), html);
    String s = Files.readString(html);
    assertTrue(s.contains("id=\"following\"") && s.contains("href=\"#following\""));
    assertTrue(s.contains("Sample answers") && s.contains("A cat is a kind of feline."));
    assertTrue(s.contains("<td class=\"right\">A cat is a kind of feline.</td>"), "right answers marked");
    assertTrue(s.contains("&lt;volume&gt;") && !s.contains("<volume>"), "answers are escaped");
    assertTrue(s.contains("77.5% [62.5, 87.7]"));
    assertTrue(s.contains("<img alt=\"Strict correctness per model"), "the correctness chart is embedded");
  }

  @Test
  void resultsJsonKeepsTheFigures() throws Exception {
    Results r = results();
    Path file = tmp.resolve("results.json");
    r.write(file);
    String json = Files.readString(file);
    assertTrue(json.contains("\"instruction_following\"") && json.contains("\"correct_held_out_phrasings\"")
        && json.contains("\"top_response_share\""), json);
    assertEquals(r, Results.read(file));
  }

  @Test
  void correctnessClaimsNeedSeparatedIntervals() {
    Map<String, Results.ModelEval> m = results().models();
    Results.Claim more = Claims.followsMoreOften(Map.of("small-ppo-ptx", m.get("small-ppo-ptx"), "large-base",
        m.get("large-base")));
    assertTrue(more.holds(), more.toString());
    assertTrue(more.ours().contains("77.5%"), more.ours());
    Results.Claim close = Claims.followsMoreOften(Map.of("small-ppo-ptx", m.get("small-sft"), "large-base",
        m.get("small-sft")));
    assertFalse(close.holds(), "the same figures are not better than themselves");
    Results.Claim general = Claims.generalises(m);
    assertTrue(general.holds(), general.toString()); // held-out 75% vs trained 80%, base 0%
    Map<String, Results.ModelEval> gap = new LinkedHashMap<>(m);
    gap.put("small-ppo-ptx", eval(figures(20, 14, "x", "y"))); // 70% vs 100%: a 30-point gap
    assertFalse(Claims.generalises(gap).holds());
    assertEquals("n/a", Claims.generalises(Map.of()).ours());
  }
}
