package org.rlhf4j.cli.pipeline;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import org.rlhf4j.world.InstructionFollowing;
import org.rlhf4j.world.Proportion;

/**
 * The instruction-following part of the report (issue 15), on the console and in HTML: strict
 * correctness per model (overall, trained vs held-out phrasings, per task kind), how often the
 * answer names the asked word, collapse onto one answer, and the fixed sample prompts with every
 * model's answer side by side. Kept apart from {@link Report} so its sections stay separable.
 */
public final class FollowingReport {

  private FollowingReport() {}

  /**
   * The console text for an evaluation summary ({@code rlhf4j eval}'s eval.json): its {@code
   * models} node read as {@link Results.ModelEval}s.
   */
  public static String console(com.fasterxml.jackson.databind.JsonNode summary) {
    Map<String, Results.ModelEval> models = new LinkedHashMap<>();
    summary.path("models").fields().forEachRemaining(e ->
        models.put(e.getKey(), Results.MAPPER.convertValue(e.getValue(), Results.ModelEval.class)));
    return console(new Results(null, null, models, null, null, null, null, null, null));
  }

  /** The models that carry instruction-following figures, in report order. */
  static Map<String, InstructionFollowing> figures(Results r) {
    Map<String, InstructionFollowing> out = new LinkedHashMap<>();
    Report.models(r).forEach((name, m) -> {
      if (m.instructionFollowing() != null) {
        out.put(name, m.instructionFollowing());
      }
    });
    return out;
  }

  // ---------------------------------------------------------------------------------------------
  // Console

  /** The figures table, correctness per kind and the sample answers; "" when none were measured. */
  public static String console(Results r) {
    Map<String, InstructionFollowing> f = figures(r);
    if (f.isEmpty()) {
      return "";
    }
    StringBuilder sb = new StringBuilder("\nInstruction following (strict correctness: share of answers a person would"
        + " mark right)\n");
    ReportTable t = new ReportTable("model", "correct [95% CI]", "trained phrasings", "held-out phrasings",
        "names the word", "top answer share", "distinct / prompts").right(1, 2, 3, 4, 5, 6).keep(0, 1);
    f.forEach((name, x) -> t.row(name, interval(x.correct()), pct(x.correctTrainedPhrasings()),
        pct(x.correctHeldOutPhrasings()), pct(x.mentionsWord()), Report.pct(x.topResponseShare()),
        Report.num(x.distinctPerPrompt(), 2)));
    sb.append(t.render(Report.CONSOLE_WIDTH)).append('\n');
    sb.append(byKindTable(f).render(Report.CONSOLE_WIDTH));
    sb.append(samples(f));
    return sb.toString();
  }

  /** Kinds down, models across: strict correctness per task kind. */
  private static ReportTable byKindTable(Map<String, InstructionFollowing> f) {
    List<String> names = new ArrayList<>(f.keySet());
    String[] header = new String[names.size() + 1];
    header[0] = "correct by kind";
    for (int i = 0; i < names.size(); i++) {
      header[i + 1] = names.get(i);
    }
    ReportTable t = new ReportTable(header).keep(0);
    for (int i = 1; i < header.length; i++) {
      t.right(i);
    }
    for (String kind : kinds(f)) {
      String[] row = new String[header.length];
      int n = 0;
      for (int i = 0; i < names.size(); i++) {
        Proportion p = f.get(names.get(i)).correctByKind().get(kind);
        row[i + 1] = pct(p);
        n = p == null ? n : p.n();
      }
      row[0] = kind + " (" + n + ")";
      t.row(row);
    }
    return t;
  }

  /** Each sample prompt, then every model's answer, marked right or wrong. */
  static String samples(Map<String, InstructionFollowing> f) {
    InstructionFollowing first = f.values().iterator().next();
    if (first.samples().isEmpty()) {
      return "";
    }
    StringBuilder sb = new StringBuilder("\nSample answers (fixed held-out prompts; [ok] = a person would mark it right)\n");
    int width = f.keySet().stream().mapToInt(String::length).max().orElse(10);
    for (int i = 0; i < first.samples().size(); i++) {
      InstructionFollowing.Sample s = first.samples().get(i);
      sb.append(String.format(Locale.ROOT, "%n%2d. [%s, %s phrasing] %s%n", i + 1, s.kind(),
          s.heldOutPhrasing() ? "held-out" : "trained", abbreviate(s.instruction(), Report.CONSOLE_WIDTH - 30)));
      for (Map.Entry<String, InstructionFollowing> e : f.entrySet()) {
        InstructionFollowing.Sample a = sample(e.getValue(), s.taskId());
        String answer = a == null ? "-" : (a.correct() ? "[ok] " : "     ") + abbreviate(a.response(), 90);
        sb.append(String.format(Locale.ROOT, "    %-" + width + "s  %s%n", e.getKey(), answer));
      }
    }
    return sb.toString();
  }

  // ---------------------------------------------------------------------------------------------
  // HTML

  /** The HTML section: figures, correctness per kind, samples side by side. */
  static void html(Report.Html h, Results r) {
    h.section("following", "Instruction following: strict correctness, phrasings, collapse, samples");
    Map<String, InstructionFollowing> f = figures(r);
    if (f.isEmpty()) {
      h.empty("No instruction-following figures recorded.");
      return;
    }
    h.raw("<div class=\"scroll\"><table class=\"models\">\n<tr><th>model</th><th class=\"num\">strict correct [95% CI]</th>"
        + "<th class=\"num\">n</th><th class=\"num\">trained phrasings [95% CI]</th><th class=\"num\">held-out phrasings [95% CI]</th>"
        + "<th class=\"num\">names the asked word</th><th class=\"num\">top answer share</th><th>most common answer</th>"
        + "<th class=\"num\">distinct / prompts</th></tr>\n");
    f.forEach((name, x) -> {
      h.raw("<tr><td class=\"name\">").text(name).raw("</td>");
      h.num(interval(x.correct())).num(x.correct() == null ? "-" : Integer.toString(x.correct().n()))
          .num(interval(x.correctTrainedPhrasings())).num(interval(x.correctHeldOutPhrasings()))
          .num(pct(x.mentionsWord())).num(Report.pct(x.topResponseShare()));
      h.raw("<td>").text(abbreviate(x.topResponse(), 80)).raw("</td>").num(Report.num(x.distinctPerPrompt(), 2));
      h.raw("</tr>\n");
    });
    h.raw("</table></div>\n");
    h.figure(ReportCharts.correctness(r), "Strict correctness per model: bars are the share of answers the gold "
        + "judge marks right, whiskers the 95% Wilson interval.");
    h.note("Strict correctness: the share of answers to the checkable held-out prompts that the gold judge marks "
        + "right, as a person would: the asked-for fact right, on topic, readable, harmless, within the length "
        + "limit (docs/results.md). Held-out phrasings are instruction templates no model trained on. Names the "
        + "asked word: share of answers that contain the word the instruction asks about. Top answer share and "
        + "distinct / prompts measure collapse onto a stock answer.");

    List<String> names = new ArrayList<>(f.keySet());
    h.raw("<h3>Strict correctness by task kind</h3>\n<div class=\"scroll\"><table class=\"models\">\n<tr><th>kind</th><th class=\"num\">n</th>");
    for (String n : names) {
      h.raw("<th class=\"num\">").text(n).raw("</th>");
    }
    h.raw("</tr>\n");
    for (String kind : kinds(f)) {
      int count = 0;
      for (String n : names) {
        Proportion p = f.get(n).correctByKind().get(kind);
        count = p == null ? count : p.n();
      }
      h.raw("<tr><td class=\"name\">").text(kind).raw("</td>").num(Integer.toString(count));
      for (String n : names) {
        h.num(pct(f.get(n).correctByKind().get(kind)));
      }
      h.raw("</tr>\n");
    }
    h.raw("</table></div>\n");

    InstructionFollowing first = f.values().iterator().next();
    h.raw("<h3>Sample answers</h3>\n<div class=\"scroll\"><table class=\"models samples\">\n<tr><th>prompt</th>");
    for (String n : names) {
      h.raw("<th>").text(n).raw("</th>");
    }
    h.raw("</tr>\n");
    for (InstructionFollowing.Sample s : first.samples()) {
      h.raw("<tr><td><em>").text(s.kind() + ", " + (s.heldOutPhrasing() ? "held-out" : "trained") + " phrasing")
          .raw("</em><br>").text(s.instruction()).raw("</td>");
      for (String n : names) {
        InstructionFollowing.Sample a = sample(f.get(n), s.taskId());
        h.raw(a != null && a.correct() ? "<td class=\"right\">" : "<td>").text(a == null ? "-" : a.response()).raw("</td>");
      }
      h.raw("</tr>\n");
    }
    h.raw("</table></div>\n");
    h.note("Fixed held-out prompts, one per task kind, alternating held-out and trained phrasings; every model's "
        + "answer to the same prompt side by side. Green: the gold judge marks it right.");
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers

  private static TreeSet<String> kinds(Map<String, InstructionFollowing> f) {
    TreeSet<String> kinds = new TreeSet<>();
    f.values().forEach(x -> kinds.addAll(x.correctByKind().keySet()));
    return kinds;
  }

  static InstructionFollowing.Sample sample(InstructionFollowing f, String taskId) {
    for (InstructionFollowing.Sample s : f.samples()) {
      if (s.taskId().equals(taskId)) {
        return s;
      }
    }
    return null;
  }

  /** "12.5% [9.1, 16.8]", "-" when absent. */
  static String interval(Proportion p) {
    return p == null ? "-"
        : String.format(Locale.ROOT, "%.1f%% [%.1f, %.1f]", 100 * p.value(), 100 * p.low(), 100 * p.high());
  }

  static String pct(Proportion p) {
    return p == null ? "-" : Report.pct(p.value());
  }

  private static String abbreviate(String s, int max) {
    String one = s == null ? "" : s.replaceAll("\\s+", " ").strip();
    return one.length() <= max ? one : one.substring(0, max - 3) + "...";
  }
}
