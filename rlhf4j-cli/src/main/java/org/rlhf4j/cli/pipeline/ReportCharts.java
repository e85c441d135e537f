package org.rlhf4j.cli.pipeline;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleUnaryOperator;
import javax.imageio.ImageIO;
import org.knowm.xchart.AnnotationLine;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.AxesChartStyler;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The report's charts, drawn with XChart and encoded as PNG in memory. Each builder returns
 * {@code null} when the results hold nothing to plot. Images are rendered at twice their CSS size
 * so they stay sharp on high-density screens.
 */
final class ReportCharts {
  static {
    // Must precede any AWT use: the report is built on servers and in CI without a display.
    System.setProperty("java.awt.headless", "true");
  }

  /** Rendering scale (pixels per CSS pixel). */
  static final int SCALE = 2;

  static final Color[] PALETTE = {
    new Color(0x4C78A8), new Color(0xF58518), new Color(0x54A24B), new Color(0xE45756),
    new Color(0x72B7B2), new Color(0xB279A2), new Color(0xEECA3B), new Color(0x9D755D),
    new Color(0xFF9DA6), new Color(0xBAB0AC)
  };
  private static final Color INK = new Color(0x333333);
  private static final Color GRID = new Color(0xE6E6E6);
  private static final Font FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 12);

  /** A rendered chart: PNG bytes and the size at which the page shows it. */
  record Png(byte[] bytes, int width, int height) {}

  private ReportCharts() {}

  // ---------------------------------------------------------------------------------------------
  // Charts

  /** Win rate against the baseline per model, with the 95% interval and a line at 50%. */
  static Png winRates(Results r) {
    List<String> names = new ArrayList<>();
    List<double[]> intervals = new ArrayList<>();
    for (Map.Entry<String, Results.ModelEval> e : Report.models(r).entrySet()) {
      Results.Interval w = e.getValue().winRate();
      if (w != null) {
        names.add(e.getKey());
        intervals.add(new double[] {w.value(), w.low(), w.high()});
      }
    }
    return intervalBars("Win rate against " + (r.baseline() == null ? "the baseline" : r.baseline())
        + " (held-out labelers, 95% interval)", "win rate (%)", names, intervals, 50.0);
  }

  /** Strict correctness per model with its 95% Wilson interval (issue 15). */
  static Png correctness(Results r) {
    List<String> names = new ArrayList<>();
    List<double[]> intervals = new ArrayList<>();
    FollowingReport.figures(r).forEach((name, f) -> {
      if (f.correct() != null) {
        names.add(name);
        intervals.add(new double[] {f.correct().value(), f.correct().low(), f.correct().high()});
      }
    });
    return intervalBars("Strict correctness (gold judge, 95% interval)", "answers marked right (%)", names,
        intervals, null);
  }

  /**
   * One bar per model at {value} with a whisker over [low, high] (fractions, drawn as percent), and
   * an optional dashed reference line; null when there is nothing to plot.
   */
  private static Png intervalBars(String title, String yTitle, List<String> names, List<double[]> intervals,
      Double reference) {
    if (names.isEmpty()) {
      return null;
    }
    List<Double> values = new ArrayList<>();
    List<Double> mids = new ArrayList<>();
    List<Double> halfWidths = new ArrayList<>();
    for (double[] v : intervals) {
      values.add(100 * v[0]);
      mids.add(100 * (v[1] + v[2]) / 2);
      halfWidths.add(100 * (v[2] - v[1]) / 2);
    }
    CategoryChart chart = new CategoryChart(760, 400);
    style(chart.getStyler());
    chart.setTitle(title);
    chart.setYAxisTitle(yTitle);
    chart.getStyler().setOverlapped(true).setXAxisLabelRotation(names.size() > 5 ? 20 : 0);
    chart.getStyler().setYAxisMin(0.0).setYAxisMax(100.0).setLegendVisible(false);
    chart.getStyler().setErrorBarsColorSeriesColor(false).setErrorBarsColor(INK);
    chart.addSeries("value", names, values).setFillColor(PALETTE[0]);
    // The Wilson interval is asymmetric; XChart's error bars are symmetric around the series value,
    // so the interval is drawn on an invisible series placed at its midpoint.
    CategorySeries ci = chart.addSeries("95% interval", names, mids, halfWidths);
    ci.setChartCategorySeriesRenderStyle(CategorySeries.CategorySeriesRenderStyle.Scatter);
    ci.setMarker(SeriesMarkers.NONE);
    ci.setShowInLegend(false);
    if (reference != null) {
      chart.addAnnotation(new AnnotationLine(reference, false, false));
      chart.getStyler().setAnnotationLineColor(new Color(0x888888))
          .setAnnotationLineStroke(dashed(1.2f));
    }
    return png(chart);
  }

  /** Toxic-response rate per model and harm variant (plain, respectful, biased). */
  static Png toxicity(Results r) {
    List<String> variants = new ArrayList<>();
    Map<String, Results.ModelEval> models = new LinkedHashMap<>();
    for (Map.Entry<String, Results.ModelEval> e : Report.models(r).entrySet()) {
      Map<String, Double> tox = e.getValue().toxicity();
      if (tox == null || tox.isEmpty()) {
        continue;
      }
      models.put(e.getKey(), e.getValue());
      for (String v : tox.keySet()) {
        if (!variants.contains(v)) {
          variants.add(v);
        }
      }
    }
    if (models.isEmpty()) {
      return null;
    }
    variants.sort((a, b) -> Integer.compare(variantOrder(a), variantOrder(b)));
    CategoryChart chart = new CategoryChart(760, 400);
    style(chart.getStyler());
    chart.setTitle("Toxic responses by instruction variant");
    chart.setYAxisTitle("toxic (%)");
    chart.getStyler().setYAxisMin(0.0).setXAxisLabelRotation(models.size() > 5 ? 20 : 0);
    List<String> names = new ArrayList<>(models.keySet());
    for (String v : variants) {
      List<Double> ys = new ArrayList<>();
      for (Results.ModelEval m : models.values()) {
        Double t = m.toxicity().get(v);
        ys.add(t == null ? 0.0 : 100 * t);
      }
      chart.addSeries(v, names, ys);
    }
    chart.getStyler().setSeriesColors(new Color[] {new Color(0x9E9E9E), PALETTE[2], PALETTE[3]});
    return png(chart);
  }

  /** Benchmark accuracy per model (perplexity excluded): the alignment tax. */
  static Png benchmarks(Results r) {
    List<String> names = Report.accuracyBenchmarks(r);
    Map<String, Map<String, Double>> byModel = new LinkedHashMap<>();
    for (Map.Entry<String, Results.ModelEval> e : Report.models(r).entrySet()) {
      if (e.getValue().benchmarks() != null && !e.getValue().benchmarks().isEmpty()) {
        byModel.put(e.getKey(), e.getValue().benchmarks());
      }
    }
    if (names.isEmpty() || byModel.isEmpty()) {
      return null;
    }
    CategoryChart chart = new CategoryChart(byModel.size() > 5 ? 900 : 760, 400);
    style(chart.getStyler());
    if (byModel.size() > 5) {
      chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE).setLegendLayout(Styler.LegendLayout.Vertical);
    }
    chart.setTitle("Capability benchmarks (alignment tax)");
    chart.setYAxisTitle("accuracy (%)");
    chart.getStyler().setYAxisMin(0.0).setYAxisMax(100.0);
    for (Map.Entry<String, Map<String, Double>> e : byModel.entrySet()) {
      List<Double> ys = new ArrayList<>();
      for (String b : names) {
        Double v = e.getValue().get(b);
        ys.add(v == null ? 0.0 : 100 * v);
      }
      chart.addSeries(e.getKey(), names, ys);
    }
    return png(chart);
  }

  /** RM accuracy next to inter-labeler agreement, for training and held-out labelers. */
  static Png rewardAccuracy(Results r) {
    Results.Agreement a = r.labelers();
    Results.RewardAccuracy rm = r.rewardModel();
    if (a == null && rm == null) {
      return null;
    }
    List<String> pools = List.of("training labelers", "held-out labelers");
    CategoryChart chart = new CategoryChart(560, 380);
    style(chart.getStyler());
    chart.setTitle("Reward model accuracy vs labeler agreement");
    chart.setYAxisTitle("%");
    chart.getStyler().setYAxisMin(0.0).setYAxisMax(100.0);
    chart.getStyler().setLabelsVisible(true).setLabelsFont(FONT.deriveFont(11f)).setLabelsPosition(0.9);
    chart.getStyler().setLabelsFontColorAutomaticEnabled(false).setLabelsFontColor(Color.WHITE);
    chart.getStyler().setDecimalPattern("0.0");
    chart.getStyler().setYAxisDecimalPattern("0");
    if (a != null) {
      chart.addSeries("inter-labeler agreement", pools, List.of(a.training(), a.heldOut()));
    }
    if (rm != null) {
      chart.addSeries("RM accuracy", pools, List.of(rm.trainingLabelers(), rm.heldOutLabelers()));
    }
    chart.addAnnotation(new AnnotationLine(50, false, false));
    chart.getStyler().setAnnotationLineColor(new Color(0x888888)).setAnnotationLineStroke(dashed(1.2f));
    chart.getStyler().setSeriesColors(new Color[] {PALETTE[4], PALETTE[0]});
    return png(chart);
  }

  /** RM accuracy (held-out labelers) per task category. */
  static Png rewardByCategory(Results r) {
    Results.RewardAccuracy rm = r.rewardModel();
    if (rm == null || rm.byCategory() == null || rm.byCategory().isEmpty()) {
      return null;
    }
    List<String> cats = new ArrayList<>(rm.byCategory().keySet());
    List<Double> ys = new ArrayList<>();
    for (String c : cats) {
      ys.add(rm.byCategory().get(c));
    }
    CategoryChart chart = new CategoryChart(560, 380);
    style(chart.getStyler());
    chart.setTitle("RM accuracy by task category (held-out labelers)");
    chart.setYAxisTitle("accuracy (%)");
    chart.getStyler().setYAxisMin(0.0).setYAxisMax(100.0).setXAxisLabelRotation(cats.size() > 4 ? 30 : 0);
    chart.getStyler().setLegendVisible(false);
    chart.addSeries("RM accuracy", cats, ys).setFillColor(PALETTE[0]);
    if (r.labelers() != null) {
      chart.addAnnotation(new AnnotationLine(r.labelers().heldOut(), false, false));
      chart.getStyler().setAnnotationLineColor(PALETTE[4]).setAnnotationLineStroke(dashed(1.5f));
    }
    return png(chart);
  }

  /**
   * Gold and proxy (RM) score against sqrt(KL) for one optimisation method, the gold score's fitted
   * functional form when {@code alpha} and {@code beta} are known, and a vertical line where the
   * gold score peaks. The fit models the gold gain over the initial policy, so it is drawn offset
   * by the gold score of the point nearest to KL = 0.
   */
  static Png hacking(String title, List<Results.HackingPoint> points, Double alpha, Double beta,
      boolean rlForm, Double peak) {
    if (points == null || points.isEmpty()) {
      return null;
    }
    List<Results.HackingPoint> ps = new ArrayList<>(points);
    ps.sort((p, q) -> Double.compare(p.sqrtKl(), q.sqrtKl()));
    double[] d = ps.stream().mapToDouble(Results.HackingPoint::sqrtKl).toArray();
    double[] gold = ps.stream().mapToDouble(Results.HackingPoint::gold).toArray();
    double[] proxy = ps.stream().mapToDouble(Results.HackingPoint::proxy).toArray();
    XYChart chart = new XYChart(560, 400);
    style(chart.getStyler());
    chart.setTitle(title);
    chart.setXAxisTitle("sqrt(KL to initial policy)  [sqrt(nats)]");
    chart.setYAxisGroupTitle(0, "gold score");
    chart.setYAxisGroupTitle(1, "proxy (RM) score");
    chart.getStyler().setYAxisGroupPosition(1, Styler.YAxisPosition.Right);
    chart.getStyler().setMarkerSize(6);
    XYSeries g = chart.addSeries("gold", d, gold);
    g.setLineColor(PALETTE[1]);
    g.setMarkerColor(PALETTE[1]);
    g.setMarker(SeriesMarkers.CIRCLE);
    g.setLineStyle(new BasicStroke(1.6f));
    XYSeries p = chart.addSeries("proxy (RM, right axis)", d, proxy);
    p.setYAxisGroup(1);
    p.setLineColor(PALETTE[0]);
    p.setMarkerColor(PALETTE[0]);
    p.setMarker(SeriesMarkers.DIAMOND);
    p.setLineStyle(new BasicStroke(1.6f));
    chart.getStyler().setYAxisGroupTickLabelsColorMap(1, PALETTE[0]);
    chart.getStyler().setYAxisGroupTickLabelsColorMap(0, PALETTE[1]);
    niceY(chart, 0, gold);
    niceY(chart, 1, proxy);
    if (alpha != null && beta != null && Double.isFinite(alpha) && Double.isFinite(beta)) {
      double g0 = gold[0];
      double dMax = d[d.length - 1];
      DoubleUnaryOperator f = rlForm
          ? x -> x <= 0 ? 0 : x * (alpha - beta * Math.log(x))
          : x -> x * (alpha - beta * x);
      int n = 80;
      double[] xs = new double[n + 1];
      double[] ys = new double[n + 1];
      for (int i = 0; i <= n; i++) {
        xs[i] = dMax * i / n;
        ys[i] = g0 + f.applyAsDouble(xs[i]);
      }
      XYSeries fit = chart.addSeries(rlForm ? "gold fit d(α − β log d)" : "gold fit d(α − β d)", xs, ys);
      fit.setMarker(SeriesMarkers.NONE);
      fit.setLineColor(PALETTE[1].darker());
      fit.setLineStyle(dashed(1.6f));
    }
    if (peak != null && Double.isFinite(peak)) {
      chart.addAnnotation(new AnnotationLine(peak, true, false));
      chart.getStyler().setAnnotationLineColor(new Color(0x888888)).setAnnotationLineStroke(dashed(1.2f));
    }
    return png(chart);
  }

  /**
   * One stage's training curves: its main metrics grouped by the last part of their key (so
   * {@code train/loss} and {@code val/loss} share a panel), at most {@code maxPanels} panels laid
   * out in a grid in a single image. X is {@code step} (or {@code epoch}) when present, else the
   * row index.
   */
  static Png curves(String stage, List<Map<String, Double>> rows, int maxPanels) {
    if (rows == null || rows.isEmpty()) {
      return null;
    }
    Map<String, List<String>> panels = Report.curvePanels(rows, maxPanels);
    if (panels.isEmpty()) {
      return null;
    }
    String xKey = Report.curveXKey(rows);
    List<XYChart> charts = new ArrayList<>();
    int cols = panels.size() == 1 ? 1 : 2;
    int w = cols == 1 ? 760 : 440;
    int h = 280;
    for (Map.Entry<String, List<String>> panel : panels.entrySet()) {
      XYChart chart = new XYChart(w, h);
      style(chart.getStyler());
      chart.getStyler().setChartTitleFont(FONT.deriveFont(Font.BOLD, 13f));
      chart.setTitle(stage + ": " + panel.getKey());
      chart.setXAxisTitle(xKey == null ? "row" : xKey);
      chart.getStyler().setMarkerSize(3).setLegendPosition(Styler.LegendPosition.InsideNE);
      chart.getStyler().setLegendVisible(panel.getValue().size() > 1);
      int color = 0;
      for (String key : panel.getValue()) {
        List<Double> xs = new ArrayList<>();
        List<Double> ys = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
          Double y = rows.get(i).get(key);
          Double x = xKey == null ? Double.valueOf(i) : rows.get(i).get(xKey);
          if (y != null && x != null && Double.isFinite(y) && Double.isFinite(x)) {
            xs.add(x);
            ys.add(y);
          }
        }
        if (xs.isEmpty()) {
          continue;
        }
        XYSeries s = chart.addSeries(key, xs, ys);
        Color c = PALETTE[color++ % PALETTE.length];
        s.setLineColor(c);
        s.setMarkerColor(c);
        s.setMarker(xs.size() > 40 ? SeriesMarkers.NONE : SeriesMarkers.CIRCLE);
        s.setLineStyle(new BasicStroke(1.5f));
      }
      if (!chart.getSeriesMap().isEmpty()) {
        niceY(chart, 0, chart.getSeriesMap().values().stream()
            .flatMapToDouble(x -> java.util.Arrays.stream(x.getYData())).toArray());
        niceX(chart, chart.getSeriesMap().values().stream()
            .flatMapToDouble(x -> java.util.Arrays.stream(x.getXData())).toArray());
        charts.add(chart);
      }
    }
    if (charts.isEmpty()) {
      return null;
    }
    cols = charts.size() == 1 ? 1 : 2;
    w = charts.get(0).getWidth();
    int gridRows = (charts.size() + cols - 1) / cols;
    BufferedImage img = new BufferedImage(cols * w * SCALE, gridRows * h * SCALE, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    try {
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, img.getWidth(), img.getHeight());
      for (int i = 0; i < charts.size(); i++) {
        Graphics2D sub = (Graphics2D) g.create((i % cols) * w * SCALE, (i / cols) * h * SCALE, w * SCALE, h * SCALE);
        try {
          paint(charts.get(i), sub);
        } finally {
          sub.dispose();
        }
      }
    } finally {
      g.dispose();
    }
    return new Png(encode(img), cols * w, gridRows * h);
  }

  // ---------------------------------------------------------------------------------------------
  // Style and encoding

  private static void style(AxesChartStyler s) {
    s.setBaseFont(FONT);
    s.setChartTitleFont(FONT.deriveFont(Font.BOLD, 14f));
    s.setAxisTitleFont(FONT.deriveFont(12f));
    s.setAxisTickLabelsFont(FONT.deriveFont(11f));
    s.setLegendFont(FONT.deriveFont(11f));
    s.setAnnotationTextFont(FONT.deriveFont(11f));
    s.setChartBackgroundColor(Color.WHITE);
    s.setPlotBackgroundColor(Color.WHITE);
    s.setPlotBorderVisible(false);
    s.setPlotGridLinesColor(GRID);
    s.setPlotGridLinesStroke(new BasicStroke(1f));
    s.setPlotGridVerticalLinesVisible(false);
    s.setChartFontColor(INK);
    s.setAxisTickLabelsColor(INK);
    s.setAxisTickMarksColor(new Color(0xAAAAAA));
    s.setLegendBorderColor(Color.WHITE);
    s.setLegendBackgroundColor(new Color(255, 255, 255, 220));
    s.setLegendPosition(Styler.LegendPosition.OutsideS);
    s.setLegendLayout(Styler.LegendLayout.Horizontal);
    s.setChartTitleBoxVisible(false);
    s.setChartPadding(12);
    s.setSeriesColors(PALETTE);
    s.setToolTipsEnabled(false);
    s.setAntiAlias(true);
  }

  /**
   * Sets round y bounds for one axis group (XChart's own tick search produces labels such as
   * 7.1999999 and crowded ticks for some ranges) and a compact tick label format.
   */
  private static void niceY(XYChart chart, int group, double[] ys) {
    double lo = Double.POSITIVE_INFINITY;
    double hi = Double.NEGATIVE_INFINITY;
    for (double y : ys) {
      if (Double.isFinite(y)) {
        lo = Math.min(lo, y);
        hi = Math.max(hi, y);
      }
    }
    if (!(lo <= hi)) {
      return;
    }
    if (hi - lo < 1e-12) {
      double pad = Math.abs(hi) > 0 ? Math.abs(hi) * 0.1 : 1;
      lo -= pad;
      hi += pad;
    }
    double step = niceStep((hi - lo) / 5);
    double min = Math.floor(lo / step) * step;
    double max = Math.ceil(hi / step) * step;
    chart.getStyler().setYAxisMin(group, min);
    chart.getStyler().setYAxisMax(group, max);
    if (group == 0) {
      chart.getStyler().setYAxisMin(min).setYAxisMax(max);
    }
    chart.getStyler().setYAxisTickMarkSpacingHint(40);
    chart.getStyler().setXAxisTickMarkSpacingHint(80);
    chart.setCustomYAxisTickLabelsFormatter(ReportCharts::tick);
  }

  /** Round x bounds (with them XChart spaces the x ticks as hinted). */
  private static void niceX(XYChart chart, double[] xs) {
    double lo = java.util.Arrays.stream(xs).filter(Double::isFinite).min().orElse(Double.NaN);
    double hi = java.util.Arrays.stream(xs).filter(Double::isFinite).max().orElse(Double.NaN);
    if (!(lo < hi)) {
      return;
    }
    double step = niceStep((hi - lo) / 6);
    chart.getStyler().setXAxisMin(Math.floor(lo / step) * step).setXAxisMax(Math.ceil(hi / step) * step);
    chart.setCustomXAxisTickLabelsFormatter(ReportCharts::tick);
    // For equally spaced x values XChart puts a tick on every k-th data point, as densely as the
    // labels fit, ignoring the spacing hint; one invisible off-grid point makes it space ticks by
    // the hint instead.
    double y = chart.getSeriesMap().values().iterator().next().getYData()[0];
    XYSeries pad = chart.addSeries(" ", new double[] {lo + (hi - lo) * 0.5003}, new double[] {y});
    pad.setMarker(SeriesMarkers.NONE);
    pad.setLineColor(new Color(0, 0, 0, 0));
    pad.setShowInLegend(false);
  }

  /** 1, 2 or 5 times a power of ten, at least {@code raw}. */
  static double niceStep(double raw) {
    double p = Math.pow(10, Math.floor(Math.log10(raw)));
    double f = raw / p;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
  }

  /** A compact tick label: up to four significant digits, no floating-point noise. */
  static String tick(double v) {
    if (Math.abs(v) < 1e-12) {
      return "0";
    }
    double a = Math.abs(v);
    if (a >= 1e5 || a < 1e-3) {
      return new java.math.BigDecimal(v).round(new java.math.MathContext(3)).stripTrailingZeros().toString()
          .toLowerCase(java.util.Locale.ROOT).replace("e+", "e");
    }
    java.math.BigDecimal d = new java.math.BigDecimal(v).round(new java.math.MathContext(4));
    return d.stripTrailingZeros().toPlainString();
  }

  private static BasicStroke dashed(float width) {
    return new BasicStroke(width, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f);
  }

  private static int variantOrder(String v) {
    return switch (v.toLowerCase(java.util.Locale.ROOT)) {
      case "plain" -> 0;
      case "respectful" -> 1;
      case "biased" -> 2;
      default -> 3;
    };
  }

  static Png png(Chart<?, ?> chart) {
    int w = chart.getWidth();
    int h = chart.getHeight();
    BufferedImage img = new BufferedImage(w * SCALE, h * SCALE, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    try {
      paint(chart, g);
    } finally {
      g.dispose();
    }
    return new Png(encode(img), w, h);
  }

  private static void paint(Chart<?, ?> chart, Graphics2D g) {
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setRenderingHint(RenderingHints.KEY_FRACTIONALMETRICS, RenderingHints.VALUE_FRACTIONALMETRICS_ON);
    g.scale(SCALE, SCALE);
    chart.paint(g, chart.getWidth(), chart.getHeight());
  }

  private static byte[] encode(BufferedImage img) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      if (!ImageIO.write(img, "png", out)) {
        throw new IOException("no PNG writer");
      }
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
