package org.rlhf4j.cli;

import java.util.Map;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.rlhf4j.core.train.StepListener;

/** A terminal progress bar (steps, ETA) whose message shows the latest metrics. */
final class Progress implements StepListener, AutoCloseable {
  private final ProgressBar bar;
  private final String[] keys;

  /**
   * @param task name shown before the bar
   * @param total planned steps
   * @param start steps already done (resumed runs)
   * @param keys metric names to show, in order
   */
  Progress(String task, long total, long start, String... keys) {
    this.bar = new ProgressBarBuilder()
        .setTaskName(task)
        .setInitialMax(total)
        .setStyle(ProgressBarStyle.ASCII)
        .setUpdateIntervalMillis(500)
        .startsFrom(start, java.time.Duration.ZERO)
        .setConsumer(new me.tongfei.progressbar.ConsoleProgressBarConsumer(System.err))
        .build();
    this.keys = keys;
  }

  @Override
  public void onStep(long step, long totalSteps, Map<String, Double> metrics) {
    StringBuilder sb = new StringBuilder();
    for (String k : keys) {
      Double v = metrics.get(k);
      if (v != null) {
        String shortName = k.substring(k.indexOf('/') + 1);
        sb.append(shortName).append(' ').append(format(v)).append(' ');
      }
    }
    bar.stepTo(step);
    bar.setExtraMessage(sb.toString().trim());
  }

  private static String format(double v) {
    double a = Math.abs(v);
    if (a >= 1000) {
      return String.format("%.0f", v);
    }
    if (a >= 1 || a == 0) {
      return String.format("%.3f", v);
    }
    return String.format("%.2e", v);
  }

  @Override
  public void close() {
    bar.close();
  }
}
