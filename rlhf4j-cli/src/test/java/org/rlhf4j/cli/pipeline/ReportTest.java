package org.rlhf4j.cli.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportTest {
  @TempDir Path tmp;

  /** A realistic results set: nine models, four curve stages, hacking points, seven claims. */
  static Results sample() {
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("name", "default");
    config.put("seed", 7);
    config.put("eval_prompts", 600);
    config.put("ppo", Map.of("beta", 0.02, "episodes", 4096, "ptx_coef", 27.8));
    config.put("labelers", List.of("training:13", "held-out:5"));

    Map<String, Results.ModelEval> models = new LinkedHashMap<>();
    models.put("large-base", model("GPT-3 175B analog", 3_200_000L, 0.31, 3.1, 0.38, 0.41, 0.12, 0.12, 0.70, 0.89));
    models.put("large-base-prompted", model("GPT-3 175B prompted (few-shot)", 3_200_000L, 0.38, 3.5, 0.45, 0.35, 0.11, 0.10, 0.70, 0.89));
    models.put("small-base", model("GPT-3 1.3B analog", 400_000L, 0.22, 2.7, 0.30, 0.47, 0.15, 0.14, 0.55, 0.80));
    models.put("small-sft", model("SFT 1.3B", 400_000L, 0.41, 3.9, 0.52, 0.29, 0.10, 0.08, 0.55, 0.74));
    models.put("large-sft", model("SFT 175B (baseline)", 3_200_000L, 0.50, 4.3, 0.58, 0.25, 0.09, 0.07, 0.69, 0.86));
    models.put("small-ppo", model("InstructGPT 1.3B PPO", 400_000L, 0.57, 4.6, 0.61, 0.19, 0.09, 0.05, 0.48, 0.71));
    models.put("small-ppo-ptx", model("InstructGPT 1.3B PPO-ptx <&>", 400_000L, 0.55, 4.5, 0.60, 0.21, 0.10, 0.06, 0.53, 0.78));
    models.put("small-sft-bo16", model("best-of-16 on SFT 1.3B", 400_000L, 0.52, 4.4, 0.57, 0.24, 0.09, 0.06, null, null));
    models.put("small-dpo", new Results.ModelEval("DPO (no benchmarks, no toxicity)", 400_000L,
        new Results.Interval(0.47, 0.43, 0.51, 600), 4.1, 0.55, 0.3, 0.25, 0.4, 0.05, null, null, null, 3.2, 48.0));

    Map<String, List<Map<String, Double>>> curves = new LinkedHashMap<>();
    List<Map<String, Double>> sft = new ArrayList<>();
    for (int s = 0; s <= 400; s += 10) {
      Map<String, Double> row = new LinkedHashMap<>();
      row.put("step", (double) s);
      row.put("train/loss", 3.2 * Math.exp(-s / 120.0) + 0.9);
      if (s % 50 == 0) {
        row.put("val/loss", 3.2 * Math.exp(-s / 150.0) + 1.0 + s / 2000.0);
        row.put("val/rm_score", -0.5 + s / 500.0);
      }
      row.put("train/lr", 3e-4 * Math.cos(Math.PI * s / 800.0));
      sft.add(row);
    }
    curves.put("sft-small", sft);
    List<Map<String, Double>> rm = new ArrayList<>();
    for (int s = 0; s <= 120; s += 4) {
      rm.add(Map.of("step", (double) s, "reward/accuracy", 0.5 + 0.22 * (1 - Math.exp(-s / 30.0)),
          "reward/loss", 0.69 - 0.15 * (1 - Math.exp(-s / 30.0))));
    }
    curves.put("rm", rm);
    List<Map<String, Double>> ppo = new ArrayList<>();
    for (int s = 0; s <= 60; s++) {
      Map<String, Double> row = new LinkedHashMap<>();
      row.put("step", (double) s);
      row.put("objective/rm_score", 0.05 * s - 0.0003 * s * s);
      row.put("objective/kl", 0.12 * s);
      row.put("objective/entropy", 2.1 - 0.01 * s);
      row.put("ppo/loss/value", 0.4 * Math.exp(-s / 20.0));
      row.put("ppo/loss/policy", -0.01 + 0.002 * Math.sin(s));
      row.put("ppo/clipfrac", 0.05 + 0.01 * Math.cos(s));
      ppo.add(row);
    }
    curves.put("ppo-small", ppo);
    curves.put("empty-stage", List.of());

    List<Results.HackingPoint> ppoPts = new ArrayList<>();
    for (int s = 0; s <= 30; s += 2) {
      double d = Math.sqrt(0.25 * s);
      double gold = 0.50 + (d <= 0 ? 0 : d * (0.12 - 0.09 * Math.log(d)));
      ppoPts.add(new Results.HackingPoint(s, d, gold, 0.02 + 0.35 * d));
    }
    List<Results.HackingPoint> bon = new ArrayList<>();
    for (int n = 1; n <= 64; n *= 2) {
      double d = Math.sqrt(Math.log(n) - (n - 1.0) / n);
      bon.add(new Results.HackingPoint(n, d, 0.5 + d * (0.10 - 0.03 * d), 0.3 * d));
    }
    Map<String, Double> fits = new LinkedHashMap<>();
    fits.put("bon_alpha", 0.10);
    fits.put("bon_beta", 0.03);
    fits.put("rl_alpha", 0.12);
    fits.put("rl_beta", 0.09);
    Results.Hacking hacking = new Results.Hacking(ppoPts, bon, fits, Math.exp(0.12 / 0.09 - 1));

    List<Results.Claim> claims = List.of(
        new Results.Claim("Small aligned model preferred over large unaligned (1.3B PPO-ptx vs 175B GPT-3)",
            "1.3B PPO-ptx preferred to 175B GPT-3", "small-ppo-ptx 55.0% vs large-base 31.0%", true),
        new Results.Claim("PPO preferred over SFT", "InstructGPT 175B preferred to SFT 175B (~70%)",
            "small-ppo 57.0% [53.0, 61.0] vs large-sft", true),
        new Results.Claim("Fewer closed-domain hallucinations", "21% vs 41% (GPT-3)", "19.0% vs 41.0%", true),
        new Results.Claim("Less toxic when asked to be respectful", "about 25% less toxic than GPT-3",
            "5.0% vs 10.0% (-50%)", true),
        new Results.Claim("Alignment tax with PPO, recovered by PPO-ptx",
            "PPO regresses SQuAD/DROP/HellaSwag/WMT; PPO-ptx recovers most of it",
            "mean accuracy: SFT 55%, PPO 48% (-7 pts), PPO-ptx 53% (recovers 71% of the regression)", true),
        new Results.Claim("RM accuracy close to inter-labeler agreement",
            "RM 72% / 70% vs labelers 72.6% / 77.3%", "RM 68.1% / 66.0% vs labelers 74.0% / 71.5%", false),
        new Results.Claim("Over-optimisation: proxy keeps rising while gold peaks (Gao et al.)",
            "gold peaks then falls; proxy monotone", "gold peaks at sqrt(KL) = 1.40, proxy +0.49 after the peak", true));

    List<Results.Stage> stages = List.of(
        new Results.Stage("base models", 0.4, true), new Results.Stage("sft-small", 61.2, false),
        new Results.Stage("sft-large", 142.9, false), new Results.Stage("sample", 35.0, false),
        new Results.Stage("label", 4.1, false), new Results.Stage("rm", 48.7, false),
        new Results.Stage("ppo-small", 233.0, false), new Results.Stage("ppo-ptx-small", 251.3, false),
        new Results.Stage("evaluate", 97.5, false), new Results.Stage("report", 1.2, false));

    return new Results(config, stages, models, "large-sft", new Results.Agreement(74.0, 71.5),
        new Results.RewardAccuracy(68.1, 66.0, Map.of("closed-qa", 71.0, "brainstorm", 63.5, "rewrite", 66.2,
            "classify", 70.4, "harm-bait", 58.9)),
        curves, hacking, claims);
  }

  private static Results.ModelEval model(String role, long params, double win, double likert, double gold,
      double halluc, double fails, double respectful, Double mc, Double cloze) {
    Map<String, Double> tox = new LinkedHashMap<>();
    tox.put("plain", respectful + 0.04);
    tox.put("respectful", respectful);
    tox.put("biased", respectful + 0.20);
    Map<String, Double> bench = null;
    if (mc != null) {
      bench = new LinkedHashMap<>();
      bench.put("multiple-choice", mc);
      bench.put("cloze", cloze - 0.5);
      bench.put("exact-match-qa", mc - 0.3);
      bench.put("perplexity", 40.0 / mc);
    }
    double half = 1.96 * Math.sqrt(win * (1 - win) / 600);
    return new Results.ModelEval(role, params, new Results.Interval(win, win - half, win + half * 0.95, 600),
        likert, gold, fails, halluc, halluc / 2, fails / 2, tox, tox == null ? null : 84, bench, role.contains("PPO") ? 4.7 : null, 60.0 + params / 1e5);
  }

  @Test
  void consoleTableHasAlignedColumnsWithinWidth() {
    Results r = sample();
    String out = Report.consoleTable(r);
    for (Results.Claim c : r.claims()) {
      // Claims may wrap; their first word must be there and the whole text when joined up.
      assertTrue(out.contains(c.claim().split(" ")[0]), c.claim());
    }
    for (String name : r.models().keySet()) {
      assertTrue(out.contains(name), name);
    }
    assertTrue(out.contains("holds?"));
    assertTrue(out.contains("NO"), "the claim that does not hold is shown");
    assertTrue(out.contains("6 of 7 claims hold"));
    assertTrue(out.contains("ppo-small") && out.contains("total"));
    List<List<String>> tables = tables(out);
    assertEquals(3, tables.size(), out);
    for (List<String> t : tables) {
      assertAligned(t);
    }
    // Long claim cells wrap rather than overflow.
    assertTrue(tables.get(0).size() > r.claims().size() + 2);
    String joined = String.join(" ", tables.get(0));
    assertTrue(joined.contains("regression)") && joined.contains("(Gao et"), joined);
  }

  @Test
  void tableWrapsLongWordsAndKeepsColumns() {
    ReportTable t = new ReportTable("a", "b").right(1);
    t.row("x".repeat(300), "1.0");
    t.row("short", "22.5");
    String s = t.render(40);
    List<String> lines = List.of(s.split("\n"));
    assertTrue(lines.size() > 4);
    assertAligned(lines);
    assertTrue(lines.get(lines.size() - 1).endsWith("22.5"));
    assertEquals(List.of("ab", "c"), ReportTable.wrap("ab c", 2));
    assertEquals(List.of("abc", "de"), ReportTable.wrap("abcde", 3));
  }

  @Test
  void htmlIsSelfContainedAndComplete() throws Exception {
    Results r = sample();
    Path html = tmp.resolve("out/report.html");
    Report.writeHtml(r, html);
    assertTrue(Files.isRegularFile(html));
    try (var files = Files.list(html.getParent())) {
      assertEquals(1, files.count(), "no temporary file left behind");
    }
    String s = Files.readString(html);
    assertTrue(s.startsWith("<!DOCTYPE html>"));
    assertFalse(s.contains("http://") || s.contains("https://"), "no external URL");
    assertFalse(s.contains("<script"), "no scripts");
    assertFalse(s.contains("<link"), "no linked stylesheet");
    Matcher src = Pattern.compile("\\b(src|href)\\s*=\\s*\"([^\"]*)\"").matcher(s);
    int images = 0;
    while (src.find()) {
      String url = src.group(2);
      if (src.group(1).equals("href")) {
        assertTrue(url.startsWith("#"), "in-page link only: " + url);
      } else {
        assertTrue(url.startsWith("data:image/png;base64,"), "embedded image only");
        byte[] png = Base64.getDecoder().decode(url.substring("data:image/png;base64,".length()));
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
        assertNotNull(img, "a valid PNG");
        assertTrue(img.getWidth() >= 400 && img.getHeight() >= 200);
        images++;
      }
    }
    // win rate, toxicity, benchmarks, RM x2, hacking x2, curves x3 (the empty stage has none)
    assertEquals(10, images);
    for (String name : r.models().keySet()) {
      assertTrue(s.contains(Report.escape(name)), name);
    }
    for (Results.Claim c : r.claims()) {
      assertTrue(s.contains(Report.escape(c.claim())), c.claim());
      assertTrue(s.contains(Report.escape(c.ours())), c.ours());
    }
    assertTrue(s.contains("PPO-ptx &lt;&amp;&gt;"), "text is escaped");
    assertFalse(s.contains("PPO-ptx <&>"));
    for (Results.Stage st : r.stages()) {
      assertTrue(s.contains(st.name()));
    }
    assertTrue(s.contains("eval_prompts") && s.contains("27.8"), "config shown");
    assertTrue(s.contains("rl_alpha"), "fits shown");
    assertTrue(s.contains("No numeric metrics recorded for this stage."), "empty stage handled");
    screenshot(html);
  }

  @Test
  void emptyResultsStillRender() throws Exception {
    Results r = new Results(null, null, null, null, null, null, null, null, null);
    assertTrue(Report.consoleTable(r).contains("no claims"));
    Path html = tmp.resolve("empty.html");
    Report.writeHtml(r, html);
    String s = Files.readString(html);
    assertTrue(s.contains("No claims recorded."));
    assertFalse(s.contains("data:image/png"));
    Report.writeHtml(r, html); // overwrite in place
  }

  @Test
  void resultsJsonRoundTrips() throws Exception {
    Results r = sample();
    Path file = tmp.resolve("results.json");
    r.write(file);
    String json = Files.readString(file);
    assertTrue(json.contains("\"reward_model\"") && json.contains("\"gold_peak_sqrt_kl\"")
        && json.contains("\"win_rate\"") && json.contains("\"best_of_n\""), "snake_case keys");
    Results back = Results.read(file);
    assertEquals(r, back);
    assertEquals(Report.consoleTable(r), Report.consoleTable(back));
  }

  @Test
  void curvePanelsGroupAndRankMetrics() {
    Results r = sample();
    Map<String, List<String>> sft = Report.curvePanels(r.curves().get("sft-small"), 4);
    assertEquals(List.of("rm_score", "loss", "lr"), List.copyOf(sft.keySet()));
    assertEquals(List.of("train/loss", "val/loss"), sft.get("loss"));
    Map<String, List<String>> ppo = Report.curvePanels(r.curves().get("ppo-small"), 4);
    assertEquals(List.of("rm_score", "loss", "kl", "entropy"), List.copyOf(ppo.keySet()));
    assertEquals(List.of("ppo/loss/value", "ppo/loss/policy"), ppo.get("loss"));
    assertEquals("step", Report.curveXKey(r.curves().get("rm")));
  }

  /** Lines of each table: a header, a -+- rule, rows (blocks separated by other lines). */
  private static List<List<String>> tables(String out) {
    List<String> lines = List.of(out.split("\n"));
    List<List<String>> tables = new ArrayList<>();
    for (int i = 1; i < lines.size(); i++) {
      if (lines.get(i).matches("-+(-\\+-+)*-*")) {
        List<String> t = new ArrayList<>();
        t.add(lines.get(i - 1));
        int j = i;
        while (j < lines.size() && lines.get(j).contains(" | ") || j == i) {
          t.add(lines.get(j));
          j++;
        }
        tables.add(t);
      }
    }
    return tables;
  }

  /** Every line has '|' exactly where the rule has '+', and fits 120 columns. */
  private static void assertAligned(List<String> table) {
    String rule = table.stream().filter(l -> l.matches("[-+]+")).findFirst().orElseThrow();
    List<Integer> seps = new ArrayList<>();
    for (int i = 0; i < rule.length(); i++) {
      if (rule.charAt(i) == '+') {
        seps.add(i);
      }
    }
    for (String line : table) {
      assertTrue(line.length() <= Report.CONSOLE_WIDTH, "too wide: " + line);
      if (line == rule) {
        continue;
      }
      for (int p : seps) {
        assertTrue(line.length() > p && line.charAt(p) == '|' && line.charAt(p - 1) == ' ',
            "misaligned at " + p + ": '" + line + "'");
      }
      assertEquals(seps.size(), line.chars().filter(c -> c == '|').count(), line);
    }
  }

  /**
   * Renders the report with headless Chromium when it is installed (a visual check; the image is
   * left in target/ for a person to look at). Skipped without Chromium, when it cannot start, or
   * with {@code -Drlhf4j.test.chromium=false} (it costs several seconds on a busy machine).
   */
  private static void screenshot(Path html) throws Exception {
    File chromium = new File("/usr/bin/chromium");
    if (!chromium.canExecute() || "false".equals(System.getProperty("rlhf4j.test.chromium"))) {
      return;
    }
    Path target = Path.of("target", "report-screenshot");
    Files.createDirectories(target);
    Path png = target.resolve("report.png").toAbsolutePath();
    Files.deleteIfExists(png);
    Process p = new ProcessBuilder(chromium.getPath(), "--headless", "--no-sandbox", "--disable-gpu",
        "--hide-scrollbars", "--window-size=1280,9000", "--screenshot=" + png,
        html.toUri().toString())
        .redirectErrorStream(true).redirectOutput(target.resolve("chromium.log").toFile()).start();
    boolean done = p.waitFor(15, TimeUnit.SECONDS);
    if (!done) {
      p.destroyForcibly();
    }
    Assumptions.assumeTrue(done && p.exitValue() == 0 && Files.exists(png), "chromium could not render");
    BufferedImage img = ImageIO.read(png.toFile());
    assertNotNull(img);
    assertEquals(1280, img.getWidth());
  }
}
