package org.rlhf4j.cli.pipeline;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The pipeline's report, built from {@link Results} alone: the console table (the paper's claims,
 * then a compact per-model table and the stage times) and a single self-contained HTML file whose
 * charts are XChart PNGs embedded as {@code data:} URIs, so it opens offline.
 */
public final class Report {
  static {
    System.setProperty("java.awt.headless", "true");
  }

  /** Width the console table is laid out for. */
  public static final int CONSOLE_WIDTH = 120;

  private static final Set<String> X_KEYS = Set.of("step", "epoch", "iteration", "round");

  private Report() {}

  // ---------------------------------------------------------------------------------------------
  // Console

  /**
   * The console report: "InstructGPT claim | paper | ours | holds?", a per-model table (win rate
   * with its 95% interval, Likert, gold score, hallucination, toxicity when asked to be respectful,
   * benchmark mean) and the stage times, each fitting {@link #CONSOLE_WIDTH} columns.
   */
  public static String consoleTable(Results r) {
    StringBuilder sb = new StringBuilder();
    if (r.claims() != null && !r.claims().isEmpty()) {
      ReportTable claims = new ReportTable("InstructGPT claim", "paper", "ours", "holds?");
      int held = 0;
      for (Results.Claim c : r.claims()) {
        claims.row(c.claim(), c.paper(), c.ours(), c.holds() ? "yes" : "NO");
        held += c.holds() ? 1 : 0;
      }
      sb.append(claims.render(CONSOLE_WIDTH));
      sb.append(String.format("%d of %d claims hold at this scale.%n", held, r.claims().size()));
    } else {
      sb.append("(no claims recorded)\n");
    }

    Map<String, Results.ModelEval> models = models(r);
    if (!models.isEmpty()) {
      sb.append('\n');
      String base = r.baseline() == null ? "baseline" : r.baseline();
      ReportTable t = new ReportTable("model", "role", "win vs " + base + " [95% CI]", "Likert",
          "gold", "halluc.", "toxic (respectful)", "bench mean").right(2, 3, 4, 5, 6, 7).keep(0, 2);
      for (Map.Entry<String, Results.ModelEval> e : models.entrySet()) {
        Results.ModelEval m = e.getValue();
        String name = e.getKey() + (e.getKey().equals(r.baseline()) ? " *" : "");
        t.row(name, nz(m.role()), winRate(m.winRate()), num(m.likert(), 2), num(m.goldScore(), 3),
            pct(m.hallucination()), pct(m.toxicity() == null ? null : m.toxicity().get("respectful")),
            pct(benchmarkMean(m)));
      }
      sb.append(t.render(CONSOLE_WIDTH));
      if (r.baseline() != null && models.containsKey(r.baseline())) {
        sb.append("* baseline (win rate 50% by definition)\n");
      }
      sb.append(FollowingReport.console(r));
    }

    if (r.stages() != null && !r.stages().isEmpty()) {
      sb.append('\n');
      ReportTable t = new ReportTable("stage", "time", "").right(1).keep(0, 1);
      double total = 0;
      for (Results.Stage s : r.stages()) {
        t.row(s.name(), duration(s.seconds()), s.cached() ? "cached" : "");
        total += s.seconds();
      }
      t.row("total", duration(total), "");
      sb.append(t.render(CONSOLE_WIDTH));
    }
    sb.append(provenanceLine(r)).append('\n');
    return sb.toString();
  }

  // ---------------------------------------------------------------------------------------------
  // HTML

  /**
   * Writes the HTML report to {@code htmlFile} atomically (a temporary file beside it, then a
   * move). The file references nothing outside itself.
   */
  public static void writeHtml(Results r, Path htmlFile) throws IOException {
    String html = html(r);
    Path abs = htmlFile.toAbsolutePath();
    Path dir = abs.getParent();
    if (dir != null) {
      Files.createDirectories(dir);
    }
    Path tmp = Files.createTempFile(dir, "." + abs.getFileName() + ".", ".tmp");
    try {
      Files.writeString(tmp, html, StandardCharsets.UTF_8);
      try {
        Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** The HTML report as a string. */
  static String html(Results r) {
    Html h = new Html();
    h.raw("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        .raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
        .raw("<title>").text("rlhf4j report" + configName(r)).raw("</title>\n<style>\n").raw(CSS).raw("</style>\n</head>\n<body>\n<main>\n");
    h.raw("<header><h1>").text("InstructGPT at small scale" + configName(r)).raw("</h1>\n<p class=\"sub\">")
        .text("rlhf4j report, generated " + ZonedDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm z")))
        .raw("</p>\n");
    h.raw("<nav>").raw(NAV).raw("</nav></header>\n");

    claimsSection(h, r);
    modelsSection(h, r);
    winRateSection(h, r);
    toxicitySection(h, r);
    benchmarkSection(h, r);
    FollowingReport.html(h, r);
    rewardSection(h, r);
    hackingSection(h, r);
    curvesSection(h, r);
    stagesSection(h, r);
    configSection(h, r);
    provenanceSection(h, r);

    h.raw("<footer>").text("Charts drawn with XChart; this file is self-contained and opens offline. "
        + "Keys of results.json are documented in docs/results.md.").raw("</footer>\n");
    h.raw("</main>\n</body>\n</html>\n");
    return h.toString();
  }

  private static final String NAV = "<a href=\"#claims\">Claims</a><a href=\"#models\">Models</a>"
      + "<a href=\"#winrate\">Win rate</a><a href=\"#toxicity\">Toxicity</a>"
      + "<a href=\"#benchmarks\">Alignment tax</a><a href=\"#following\">Instruction following</a>"
      + "<a href=\"#rm\">Reward model</a>"
      + "<a href=\"#hacking\">Over-optimisation</a><a href=\"#curves\">Training curves</a>"
      + "<a href=\"#stages\">Stage times</a><a href=\"#config\">Config</a>"
      + "<a href=\"#provenance\">Provenance</a>";

  private static final String CSS = """
      :root { --ink:#222; --muted:#666; --line:#e3e3e3; --bg:#fafafa; --ok:#1a7f37; --bad:#c62828; --accent:#4c78a8; }
      * { box-sizing: border-box; }
      body { margin:0; background:var(--bg); color:var(--ink);
        font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
      main { max-width: 1240px; margin: 0 auto; padding: 24px 28px 48px; }
      header { border-bottom: 1px solid var(--line); margin-bottom: 12px; }
      h1 { font-size: 26px; margin: 8px 0 0; }
      h2 { font-size: 20px; margin: 32px 0 8px; padding-top: 8px; border-top: 1px solid var(--line); }
      h3 { font-size: 16px; margin: 18px 0 6px; }
      .sub { color: var(--muted); margin: 2px 0 10px; }
      nav { display:flex; flex-wrap:wrap; gap: 4px 14px; padding: 6px 0 12px; font-size: 14px; }
      nav a, a { color: var(--accent); text-decoration: none; }
      nav a:hover { text-decoration: underline; }
      p.note { color: var(--muted); font-size: 13.5px; margin: 6px 0 12px; max-width: 900px; }
      table { border-collapse: collapse; background: #fff; margin: 8px 0 12px; font-size: 14px;
        box-shadow: 0 1px 2px rgba(0,0,0,.06); }
      th, td { padding: 6px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
      th { background: #f0f2f5; font-weight: 600; white-space: nowrap; }
      td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
      td.name { white-space: nowrap; }
      table.models { font-size: 13.5px; }
      table.models th, table.models td { padding: 6px 8px; }
      table.models th { white-space: normal; vertical-align: bottom; }
      .scroll { overflow-x: auto; max-width: 100%; }
      tr:last-child td { border-bottom: none; }
      tr.total td { font-weight: 600; border-top: 2px solid var(--line); }
      tr.baseline td { background: #f7f9fc; }
      .holds { font-weight: 700; white-space: nowrap; }
      .holds.yes { color: var(--ok); }
      .holds.no { color: var(--bad); }
      .summary { font-weight: 600; margin: 4px 0 0; }
      .grid { display: flex; flex-wrap: wrap; gap: 0 16px; align-items: flex-start; }
      figure { display: inline-block; vertical-align: top; margin: 8px 0; background: #fff; padding: 8px; box-shadow: 0 1px 2px rgba(0,0,0,.06); max-width: 100%; }
      figure img { display: block; max-width: 100%; height: auto; }
      figcaption { color: var(--muted); font-size: 13px; padding: 6px 4px 0; }
      code { background: #eef0f3; padding: 0 4px; border-radius: 3px; font-size: 13px; }
      .empty { color: var(--muted); font-style: italic; }
      table.samples td { min-width: 140px; font-size: 13px; }
      td.right { background: #e8f5e9; }
      footer { margin-top: 40px; color: var(--muted); font-size: 12.5px; border-top: 1px solid var(--line); padding-top: 10px; }
      """;

  private static void claimsSection(Html h, Results r) {
    h.section("claims", "The paper's claims at small scale");
    if (r.claims() == null || r.claims().isEmpty()) {
      h.empty("No claims recorded.");
      return;
    }
    h.raw("<table class=\"claims\">\n<tr><th>InstructGPT claim</th><th>paper</th><th>ours</th><th>holds?</th></tr>\n");
    int held = 0;
    for (Results.Claim c : r.claims()) {
      h.raw("<tr><td>").text(c.claim()).raw("</td><td>").text(c.paper()).raw("</td><td>").text(c.ours())
          .raw("</td><td class=\"holds ").raw(c.holds() ? "yes\">&#10003; yes" : "no\">&#10007; no").raw("</td></tr>\n");
      held += c.holds() ? 1 : 0;
    }
    h.raw("</table>\n<p class=\"summary\">").text(held + " of " + r.claims().size() + " claims hold at this scale.")
        .raw("</p>\n");
  }

  private static void modelsSection(Html h, Results r) {
    h.section("models", "Models on the held-out evaluation prompts");
    Map<String, Results.ModelEval> models = models(r);
    if (models.isEmpty()) {
      h.empty("No model evaluations recorded.");
      return;
    }
    h.raw("<div class=\"scroll\"><table class=\"models\">\n<tr><th>model</th><th>role</th><th class=\"num\">parameters</th><th class=\"num\">win rate [95% CI]</th>"
        + "<th class=\"num\">n</th><th class=\"num\">Likert</th><th class=\"num\">gold</th><th class=\"num\">fails instr.</th>"
        + "<th class=\"num\">halluc.</th><th class=\"num\">invented words</th><th class=\"num\">inappropriate</th>"
        + "<th class=\"num\">KL to SFT</th>"
        + "<th class=\"num\">train time</th></tr>\n");
    for (Map.Entry<String, Results.ModelEval> e : models.entrySet()) {
      Results.ModelEval m = e.getValue();
      boolean base = e.getKey().equals(r.baseline());
      h.raw(base ? "<tr class=\"baseline\">" : "<tr>").raw("<td class=\"name\">").text(e.getKey()).raw(base ? "<br><em>baseline</em>" : "")
          .raw("</td><td>").text(nz(m.role())).raw("</td>");
      h.num(m.parameters() == null ? "-" : String.format(Locale.ROOT, "%,d", m.parameters()));
      h.num(winRate(m.winRate()));
      h.num(m.winRate() == null ? "-" : Integer.toString(m.winRate().n()));
      h.num(num(m.likert(), 2)).num(num(m.goldScore(), 3)).num(pct(m.failsInstruction()))
          .num(pct(m.hallucination())).num(pct(m.inventedShare())).num(pct(m.inappropriate())).num(num(m.klToSft(), 2))
          .num(m.trainSeconds() == null ? "-" : duration(m.trainSeconds()));
      h.raw("</tr>\n");
    }
    h.raw("</table></div>\n");
    h.note("Win rate: share of the held-out labelers' judgments (all four labelers judge every held-out prompt) that "
        + "prefer the model's response to the baseline's (ties count one half), 95% Wilson interval over prompts. "
        + "Likert 1-7 (mean over all held-out labelers) and the metadata rates are "
        + "from the held-out labelers; gold is the gold judge's mean score in [0, 1]. KL to SFT in nats per response.");
  }

  private static void winRateSection(Html h, Results r) {
    h.section("winrate", "Win rate against the baseline");
    h.figure(ReportCharts.winRates(r), "Win rate against " + nz(r.baseline())
        + " per model; bars are the point estimate, whiskers the 95% interval, the dashed line 50% "
        + "(indistinguishable from the baseline). The paper: InstructGPT 175B is preferred to GPT-3 175B "
        + "85 ± 3% of the time, and 1.3B PPO-ptx is preferred over 175B GPT-3.");
  }

  private static void toxicitySection(Html h, Results r) {
    h.section("toxicity", "Toxicity by instruction variant");
    h.figure(ReportCharts.toxicity(r), "Share of toxic responses to harm-bait prompts without an instruction "
        + "(plain), asked to be respectful, and asked to be biased. The paper: InstructGPT is about 25% less "
        + "toxic than GPT-3 when asked to be respectful, no better without the instruction, and more toxic "
        + "when asked to be biased.");
  }

  private static void benchmarkSection(Html h, Results r) {
    h.section("benchmarks", "Capability benchmarks and the alignment tax");
    Map<String, Results.ModelEval> withBench = new LinkedHashMap<>();
    List<String> names = new ArrayList<>();
    for (Map.Entry<String, Results.ModelEval> e : models(r).entrySet()) {
      Map<String, Double> b = e.getValue().benchmarks();
      if (b != null && !b.isEmpty()) {
        withBench.put(e.getKey(), e.getValue());
        for (String k : b.keySet()) {
          if (!names.contains(k)) {
            names.add(k);
          }
        }
      }
    }
    if (withBench.isEmpty()) {
      h.empty("No benchmark results recorded.");
      return;
    }
    names.sort(Comparator.comparing(Report::isPerplexity));
    h.raw("<table>\n<tr><th>model</th>");
    for (String n : names) {
      h.raw("<th class=\"num\">").text(n + (isPerplexity(n) ? " (lower is better)" : "")).raw("</th>");
    }
    h.raw("<th class=\"num\">mean accuracy</th></tr>\n");
    for (Map.Entry<String, Results.ModelEval> e : withBench.entrySet()) {
      h.raw("<tr><td class=\"name\">").text(e.getKey()).raw("</td>");
      for (String n : names) {
        Double v = e.getValue().benchmarks().get(n);
        h.num(isPerplexity(n) ? num(v, 2) : pct(v));
      }
      h.num(pct(benchmarkMean(e.getValue())));
      h.raw("</tr>\n");
    }
    h.raw("</table>\n");
    h.figure(ReportCharts.benchmarks(r), "Few-shot accuracy per benchmark. The paper: PPO regresses public NLP "
        + "tasks (the alignment tax) and PPO-ptx, which mixes in the pretraining objective, recovers most of it.");
  }

  private static void rewardSection(Html h, Results r) {
    h.section("rm", "Reward model accuracy and labeler agreement");
    h.raw("<div class=\"grid\">");
    h.figure(ReportCharts.rewardAccuracy(r), "Pairwise agreement within each labeler pool next to the reward "
        + "model's accuracy at predicting that pool's preferences on held-out prompts. The paper: labelers agree "
        + "72.6 ± 1.5% (training) and 77.3 ± 1.3% (held-out); the RM predicts them about 72% and 70% of the time.");
    ReportCharts.Png byCat = ReportCharts.rewardByCategory(r);
    if (byCat != null) {
      h.figure(byCat, "RM accuracy per task category (held-out labelers); the dashed line is the held-out "
          + "labelers' agreement.");
    }
    h.raw("</div>\n");
  }

  private static void hackingSection(Html h, Results r) {
    h.section("hacking", "Over-optimisation: gold vs proxy reward against sqrt(KL)");
    Results.Hacking k = r.hacking();
    if (k == null || ((k.ppo() == null || k.ppo().isEmpty()) && (k.bestOfN() == null || k.bestOfN().isEmpty()))) {
      h.empty("No reward-hacking measurements recorded.");
      return;
    }
    Map<String, Double> fits = k.fits() == null ? Map.of() : k.fits();
    h.raw("<div class=\"grid\">");
    h.figure(ReportCharts.hacking("PPO", k.ppo(), fits.get("rl_alpha"), fits.get("rl_beta"), true, k.goldPeakSqrtKl()),
        "Along the PPO run: gold score (left axis) and proxy RM score (right axis) against sqrt(KL(π‖π_init)). "
            + "Dashed: the fitted form gold = d(α − β log d) (Gao et al. 2022), drawn from the initial gold score"
            + (k.goldPeakSqrtKl() == null ? "." : "; the vertical line marks the gold peak (sqrt(KL) = "
                + num(k.goldPeakSqrtKl(), 2) + ")."));
    h.figure(ReportCharts.hacking("Best-of-n", k.bestOfN(), fits.get("bon_alpha"), fits.get("bon_beta"), false, null),
        "Best-of-n with KL = log n − (n − 1)/n: gold and proxy score against sqrt(KL). Dashed: the fitted form "
            + "gold = d(α − β d), drawn from the initial gold score.");
    h.raw("</div>\n");
    if (!fits.isEmpty()) {
      h.raw("<table>\n<tr><th>fit</th><th class=\"num\">value</th></tr>\n");
      for (Map.Entry<String, Double> e : fits.entrySet()) {
        h.raw("<tr><td><code>").text(e.getKey()).raw("</code></td>").num(num(e.getValue(), 4)).raw("</tr>\n");
      }
      h.raw("</table>\n");
    }
    h.note("The proxy is the trained reward model the policy optimises; the gold judge is the ground truth it "
        + "approximates. Over-optimisation shows as a proxy score that keeps rising while the gold score peaks "
        + "and falls.");
  }

  private static void curvesSection(Html h, Results r) {
    h.section("curves", "Training curves");
    if (r.curves() == null || r.curves().isEmpty()) {
      h.empty("No training curves recorded.");
      return;
    }
    for (Map.Entry<String, List<Map<String, Double>>> e : r.curves().entrySet()) {
      List<Map<String, Double>> rows = e.getValue();
      h.raw("<h3>").text(e.getKey()).raw("</h3>\n");
      ReportCharts.Png png = ReportCharts.curves(e.getKey(), rows, 4);
      if (png == null) {
        h.empty("No numeric metrics recorded for this stage.");
        continue;
      }
      Map<String, List<String>> shown = curvePanels(rows, 4);
      List<String> other = new ArrayList<>();
      for (String key : metricKeys(rows)) {
        if (shown.values().stream().noneMatch(l -> l.contains(key))) {
          other.add(key);
        }
      }
      h.figure(png, rows.size() + " rows." + (other.isEmpty() ? "" : " Also recorded (in results.json): "
          + String.join(", ", other) + "."));
    }
  }

  private static void stagesSection(Html h, Results r) {
    h.section("stages", "Stage times");
    if (r.stages() == null || r.stages().isEmpty()) {
      h.empty("No stage times recorded.");
      return;
    }
    double total = r.stages().stream().mapToDouble(Results.Stage::seconds).sum();
    h.raw("<table>\n<tr><th>stage</th><th class=\"num\">time</th><th class=\"num\">share</th><th></th></tr>\n");
    for (Results.Stage s : r.stages()) {
      h.raw("<tr><td>").text(s.name()).raw("</td>").num(duration(s.seconds()))
          .num(total > 0 ? String.format(Locale.ROOT, "%.0f%%", 100 * s.seconds() / total) : "-")
          .raw("<td>").text(s.cached() ? "cached" : "").raw("</td></tr>\n");
    }
    h.raw("<tr class=\"total\"><td>total</td>").num(duration(total)).num("100%").raw("<td></td></tr>\n</table>\n");
  }

  private static void configSection(Html h, Results r) {
    h.section("config", "Configuration");
    if (r.config() == null || r.config().isEmpty()) {
      h.empty("No configuration recorded.");
      return;
    }
    h.raw("<table>\n<tr><th>key</th><th>value</th></tr>\n");
    for (Map.Entry<String, Object> e : r.config().entrySet()) {
      h.raw("<tr><td><code>").text(e.getKey()).raw("</code></td><td>").text(configValue(e.getValue())).raw("</td></tr>\n");
    }
    h.raw("</table>\n");
  }

  // ---------------------------------------------------------------------------------------------
  // Provenance (issue 14: figures that reproduce)

  /** "commit 0123abc… (clean tree), code fingerprint 4f5e…": one line, "unknown" where unrecorded. */
  static String provenanceLine(Results r) {
    Results.Provenance p = r.provenance();
    if (p == null) {
      return "provenance: not recorded (results.json from before provenance was recorded)";
    }
    return "commit " + nz(p.commit()) + " (" + treeState(p) + "), code fingerprint " + nz(p.code());
  }

  static String treeState(Results.Provenance p) {
    return p.dirty() == null ? "tree state unknown" : p.dirty() ? "uncommitted changes" : "clean tree";
  }

  private static void provenanceSection(Html h, Results r) {
    h.section("provenance", "Provenance");
    Results.Provenance p = r.provenance();
    if (p == null) {
      h.empty("Not recorded: these results were written before results.json recorded the commit and cache keys.");
      return;
    }
    h.raw("<table>\n<tr><th>git commit</th><td><code>").text(nz(p.commit())).raw("</code></td></tr>\n")
        .raw("<tr><th>source tree</th><td>").text(treeState(p)).raw("</td></tr>\n")
        .raw("<tr><th>code fingerprint</th><td><code>").text(nz(p.code())).raw("</code></td></tr>\n</table>\n");
    if (r.stages() != null && !r.stages().isEmpty()) {
      h.raw("<table>\n<tr><th>stage</th><th>cache key</th><th></th></tr>\n");
      for (Results.Stage s : r.stages()) {
        h.raw("<tr><td>").text(s.name()).raw("</td><td><code>").text(nz(s.key())).raw("</code></td><td>")
            .text(s.cached() ? "cached" : "").raw("</td></tr>\n");
      }
      h.raw("</table>\n");
    }
    h.note("The code fingerprint hashes the classes every stage runs and the libraries' names (versions); each "
        + "stage's cache key hashes it with the settings the stage reads and its inputs' keys, so a cached stage "
        + "comes from this code. With uncommitted changes the commit alone does not identify the code.");
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers shared with ReportCharts

  /** The evaluated models in their recorded order, never null. */
  static Map<String, Results.ModelEval> models(Results r) {
    return r.models() == null ? Map.of() : r.models();
  }

  static boolean isPerplexity(String benchmark) {
    return benchmark.toLowerCase(Locale.ROOT).contains("perplexity");
  }

  /** Benchmarks reported as accuracies (everything but perplexity), in first-seen order. */
  static List<String> accuracyBenchmarks(Results r) {
    List<String> names = new ArrayList<>();
    for (Results.ModelEval m : models(r).values()) {
      if (m.benchmarks() != null) {
        for (String k : m.benchmarks().keySet()) {
          if (!isPerplexity(k) && !names.contains(k)) {
            names.add(k);
          }
        }
      }
    }
    return names;
  }

  /** Mean accuracy over the model's benchmarks (perplexity excluded), or null. */
  static Double benchmarkMean(Results.ModelEval m) {
    if (m.benchmarks() == null) {
      return null;
    }
    double sum = 0;
    int n = 0;
    for (Map.Entry<String, Double> e : m.benchmarks().entrySet()) {
      if (!isPerplexity(e.getKey()) && e.getValue() != null && Double.isFinite(e.getValue())) {
        sum += e.getValue();
        n++;
      }
    }
    return n == 0 ? null : sum / n;
  }

  /** The x key of a stage's curve rows: {@code step}, else {@code epoch}/..., else null (row index). */
  static String curveXKey(List<Map<String, Double>> rows) {
    for (String k : List.of("step", "epoch", "iteration", "round")) {
      for (Map<String, Double> row : rows) {
        if (row.get(k) != null) {
          return k;
        }
      }
    }
    return null;
  }

  /** Metric keys of a stage's rows (x keys excluded), in first-seen order. */
  static List<String> metricKeys(List<Map<String, Double>> rows) {
    List<String> keys = new ArrayList<>();
    for (Map<String, Double> row : rows) {
      for (String k : row.keySet()) {
        if (!X_KEYS.contains(k) && !keys.contains(k)) {
          keys.add(k);
        }
      }
    }
    return keys;
  }

  /**
   * A stage's main metrics grouped into panels by the last segment of the key ({@code train/loss}
   * and {@code val/loss} share the panel "loss"), most informative first: scores and rewards,
   * accuracy, losses, KL, entropy, then the rest; bookkeeping (learning rate, time) last.
   */
  static Map<String, List<String>> curvePanels(List<Map<String, Double>> rows, int maxPanels) {
    Map<String, List<String>> groups = new LinkedHashMap<>();
    for (String k : metricKeys(rows)) {
      String[] parts = k.split("/");
      String g = parts[parts.length - 1];
      if (parts.length > 2 && parts[parts.length - 2].equals("loss")) {
        g = "loss"; // ppo/loss/policy and ppo/loss/value
      }
      groups.computeIfAbsent(g, x -> new ArrayList<>()).add(k);
    }
    List<String> order = new ArrayList<>(groups.keySet());
    order.sort(Comparator.comparingInt(Report::panelRank));
    Map<String, List<String>> out = new LinkedHashMap<>();
    for (String g : order) {
      if (out.size() == maxPanels) {
        break;
      }
      out.put(g, groups.get(g));
    }
    return out;
  }

  private static int panelRank(String group) {
    String g = group.toLowerCase(Locale.ROOT);
    if (g.equals("lr") || g.contains("learning_rate") || g.contains("time") || g.contains("second")
        || g.contains("per_s") || g.contains("tokens") || g.equals("beta")) {
      return 9;
    }
    if (g.contains("score") || g.contains("reward")) {
      return 0;
    }
    if (g.contains("accuracy")) {
      return 1;
    }
    if (g.contains("loss")) {
      return 2;
    }
    if (g.equals("kl") || g.contains("kl")) {
      return 3;
    }
    if (g.contains("entropy")) {
      return 4;
    }
    return 5;
  }

  // ---------------------------------------------------------------------------------------------
  // Formatting

  static String nz(String s) {
    return s == null ? "-" : s;
  }

  /** A [0, 1] share as a percentage with one decimal, "-" when absent. */
  static String pct(Double v) {
    return v == null || !Double.isFinite(v) ? "-" : String.format(Locale.ROOT, "%.1f%%", 100 * v);
  }

  static String num(Double v, int decimals) {
    return v == null || !Double.isFinite(v) ? "-" : String.format(Locale.ROOT, "%." + decimals + "f", v);
  }

  /** "62.3% [58.1, 66.4]". */
  static String winRate(Results.Interval w) {
    if (w == null) {
      return "-";
    }
    return String.format(Locale.ROOT, "%.1f%% [%.1f, %.1f]", 100 * w.value(), 100 * w.low(), 100 * w.high());
  }

  /** "42.0 s", "3 min 05 s". */
  static String duration(double seconds) {
    if (!Double.isFinite(seconds)) {
      return "-";
    }
    if (seconds < 60) {
      return String.format(Locale.ROOT, "%.1f s", seconds);
    }
    long s = Math.round(seconds);
    return String.format(Locale.ROOT, "%d min %02d s", s / 60, s % 60);
  }

  private static String configName(Results r) {
    if (r.config() != null && r.config().get("name") != null) {
      return " (" + r.config().get("name") + ")";
    }
    return "";
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  private static String configValue(Object v) {
    if (v == null) {
      return "null";
    }
    if (v instanceof String || v instanceof Number || v instanceof Boolean) {
      return v.toString();
    }
    try {
      return JSON.writeValueAsString(v);
    } catch (JsonProcessingException e) {
      return String.valueOf(v);
    }
  }

  /** Escapes text for HTML element content and attribute values. */
  static String escape(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder sb = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '&' -> sb.append("&amp;");
        case '<' -> sb.append("&lt;");
        case '>' -> sb.append("&gt;");
        case '"' -> sb.append("&quot;");
        case '\'' -> sb.append("&#39;");
        default -> sb.append(c);
      }
    }
    return sb.toString();
  }

  /** A small HTML builder: {@link #raw} for markup, {@link #text} for escaped text. */
  static final class Html {
    private final StringBuilder sb = new StringBuilder(1 << 16);

    Html raw(String markup) {
      sb.append(markup);
      return this;
    }

    Html text(String s) {
      sb.append(escape(s));
      return this;
    }

    Html num(String s) {
      return raw("<td class=\"num\">").text(s).raw("</td>");
    }

    Html section(String id, String title) {
      return raw("<h2 id=\"").text(id).raw("\">").text(title).raw("</h2>\n");
    }

    Html note(String s) {
      return raw("<p class=\"note\">").text(s).raw("</p>\n");
    }

    Html empty(String s) {
      return raw("<p class=\"empty\">").text(s).raw("</p>\n");
    }

    Html figure(ReportCharts.Png png, String caption) {
      if (png == null) {
        return empty("Nothing to plot.");
      }
      raw("<figure style=\"width:").raw(Integer.toString(png.width() + 16)).raw("px\"><img alt=\"").text(caption).raw("\" width=\"").raw(Integer.toString(png.width()))
          .raw("\" height=\"").raw(Integer.toString(png.height())).raw("\" src=\"data:image/png;base64,")
          .raw(Base64.getEncoder().encodeToString(png.bytes())).raw("\">");
      return raw("<figcaption>").text(caption).raw("</figcaption></figure>\n");
    }

    @Override
    public String toString() {
      return sb.toString();
    }
  }
}
