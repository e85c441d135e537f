package org.rlhf4j.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.rlhf4j.cli.pipeline.Pipeline;
import org.rlhf4j.cli.pipeline.PipelineConfig;
import org.rlhf4j.cli.pipeline.Results;
import org.rlhf4j.core.train.StepListener;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code rlhf4j pipeline}: the whole InstructGPT loop on the embedded world, then the report. */
@Command(name = "pipeline", mixinStandardHelpOptions = true,
    description = {"Run the InstructGPT study end to end on the embedded WordNet world: SFT, rankings,",
        "reward model, PPO and PPO-ptx, best-of-n, DPO, expert iteration, evaluation by held-out",
        "labelers; prints the claims table and writes results.json and report.html.",
        "Stages are cached by content: re-running reuses what is still valid and resumes what was interrupted."})
final class PipelineCommand implements Callable<Integer> {
  @Mixin DeviceOption device = new DeviceOption();

  @Option(names = "--out", defaultValue = "runs/default", description = "results directory (default ${DEFAULT-VALUE})")
  Path out;

  @Option(names = "--fast", description = "a reduced configuration for a first look")
  boolean fast;

  @Option(names = "--base-small", defaultValue = "models/small", description = "small base model (default ${DEFAULT-VALUE})")
  Path baseSmall;

  @Option(names = "--base-large", defaultValue = "models/large", description = "large base model (default ${DEFAULT-VALUE})")
  Path baseLarge;

  @Override
  public Integer call() throws Exception {
    PipelineConfig cfg = fast ? PipelineConfig.fast() : PipelineConfig.standard();
    long t0 = System.nanoTime();
    Pipeline.Listener listener = new Pipeline.Listener() {
      @Override
      public void stageStarted(int index, int total, String name, double eta) {
        double elapsed = (System.nanoTime() - t0) / 1e9;
        String etaText = index > 1 ? String.format(" | ETA %s", clock(elapsed / (index - 1) * (total - index + 1))) : "";
        System.err.printf("[stage %d/%d] %s | elapsed %s%s%n", index, total, name, clock(elapsed), etaText);
      }

      @Override
      public void stageFinished(int index, int total, String name, double seconds, boolean cached) {
        System.err.printf("[stage %d/%d] %s %s in %s%n", index, total, name, cached ? "cached (ran" : "done", clock(seconds)
            + (cached ? ")" : ""));
      }

      @Override
      public StepListener bar(String task, long total) {
        return new Progress(task, Math.max(1, total), 0, "sft/loss", "val/sft_loss", "reward/accuracy",
            "objective/rm_score", "objective/kl", "policy/clipfrac", "dpo/accuracy", "expert_iteration/kept_score");
      }
    };
    Results r = new Pipeline(cfg, out, baseSmall, baseLarge, device.get(), listener).run();
    Pipeline.print(r, System.out);
    System.out.printf("%nresults: %s%nreport:  %s%ntotal:   %s%n", out.resolve("results.json"), out.resolve("report.html"),
        clock((System.nanoTime() - t0) / 1e9));
    return 0;
  }

  static String clock(double seconds) {
    long s = Math.round(seconds);
    return String.format("%d:%02d", s / 60, s % 60);
  }
}
