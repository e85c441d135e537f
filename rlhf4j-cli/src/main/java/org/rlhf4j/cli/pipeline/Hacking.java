package org.rlhf4j.cli.pipeline;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Gao, Schulman and Hilton (2022): with d = sqrt(KL(pi || pi_init)), the gold reward gained over
 * the initial policy follows d (alpha - beta d) for best-of-n and d (alpha - beta log d) for RL,
 * while the proxy (reward-model) score keeps rising. Both forms are linear in (alpha, beta), so
 * they are fitted by least squares on the gains.
 */
final class Hacking {
  private Hacking() {}

  static Results.Hacking analyse(List<Results.HackingPoint> rl, List<Results.HackingPoint> bon) {
    Map<String, Double> fits = new LinkedHashMap<>();
    double[] b = fit(bon, false);
    if (b != null) {
      fits.put("bon_alpha", b[0]);
      fits.put("bon_beta", b[1]);
    }
    double[] r = fit(rl, true);
    if (r != null) {
      fits.put("rl_alpha", r[0]);
      fits.put("rl_beta", r[1]);
    }
    return new Results.Hacking(rl, bon, fits, goldPeak(rl));
  }

  /**
   * Least squares of gain = alpha * d - beta * g(d) with g(d) = d^2 (best-of-n) or d log d (RL),
   * gain measured from the first point. Returns {alpha, beta} or null with too few points.
   */
  static double[] fit(List<Results.HackingPoint> points, boolean rl) {
    if (points.size() < 3) {
      return null;
    }
    double g0 = points.get(0).gold();
    double sxx = 0;
    double sxy = 0;
    double syy = 0;
    double sxt = 0;
    double syt = 0;
    int used = 0;
    for (Results.HackingPoint p : points) {
      double d = p.sqrtKl();
      if (!(d > 0)) {
        continue;
      }
      double x = d;
      double y = -(rl ? d * Math.log(d) : d * d);
      double t = p.gold() - g0;
      sxx += x * x;
      sxy += x * y;
      syy += y * y;
      sxt += x * t;
      syt += y * t;
      used++;
    }
    double det = sxx * syy - sxy * sxy;
    if (used < 2 || Math.abs(det) < 1e-12) {
      return null;
    }
    return new double[] {(sxt * syy - syt * sxy) / det, (syt * sxx - sxt * sxy) / det};
  }

  /**
   * The sqrt(KL) at which the gold score peaked, if it then fell by more than noise while the
   * proxy kept rising (smoothed over 3 points); null when the gold score never turned down.
   */
  static Double goldPeak(List<Results.HackingPoint> points) {
    if (points.size() < 4) {
      return null;
    }
    List<Double> gold = smooth(points.stream().map(Results.HackingPoint::gold).toList());
    List<Double> proxy = smooth(points.stream().map(Results.HackingPoint::proxy).toList());
    int peak = 0;
    for (int i = 1; i < gold.size(); i++) {
      if (gold.get(i) > gold.get(peak)) {
        peak = i;
      }
    }
    int last = gold.size() - 1;
    boolean fell = peak < last && gold.get(last) < gold.get(peak) - 0.01;
    boolean proxyRose = proxy.get(last) > proxy.get(peak);
    return fell && proxyRose ? points.get(peak).sqrtKl() : null;
  }

  private static List<Double> smooth(List<Double> x) {
    List<Double> out = new ArrayList<>();
    for (int i = 0; i < x.size(); i++) {
      double s = 0;
      int n = 0;
      for (int j = Math.max(0, i - 1); j <= Math.min(x.size() - 1, i + 1); j++) {
        s += x.get(j);
        n++;
      }
      out.add(s / n);
    }
    return out;
  }
}
