package org.rlhf4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code rlhf4j} command: one subcommand per stage, plus pipeline, bench and report. */
@Command(
    name = "rlhf4j",
    mixinStandardHelpOptions = true,
    version = "rlhf4j 0.1.0",
    description = "InstructGPT-style RLHF for the JVM: pretrain, SFT, reward models, PPO/PPO-ptx, DPO.",
    subcommands = {
      PipelineCommand.class,
      EvalCommand.class,
      CorpusCommand.class,
      TokenizerCommand.class,
      PretrainCommand.class,
      GenerateCommand.class,
      ChatCommand.class,
      SftCommand.class,
      RewardCommand.class,
      PpoCommand.class,
      DpoCommand.class,
      BestOfNCommand.class,
      ExpertIterationCommand.class,
      WorldCommand.class,
      LabelCommand.class,
      InfoCommand.class,
      BenchCommand.class,
      MergeCommand.class,
      ProbeCommand.class,
      ReportCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Rlhf4j implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  /** Entry point: exit code 0 on success, 1 on a reported error, 2 on bad usage. */
  public static void main(String[] args) {
    System.exit(execute(args));
  }

  /** Runs the command line without exiting (for tests). */
  public static int execute(String... args) {
    // Offline by design (DEVELOPERS.md): DJL must never try to download natives or models.
    if (System.getProperty("ai.djl.offline") == null) {
      System.setProperty("ai.djl.offline", "true");
    }
    // Log levels: src/main/resources/simplelogger.properties (warnings and errors only).
    CommandLine cl = new CommandLine(new Rlhf4j());
    cl.setExecutionExceptionHandler((ex, line, parse) -> {
      // Bad input is reported as one clear line naming the file, line and field; the stack trace
      // only with RLHF4J_DEBUG=1.
      line.getErr().println("error: " + describe(ex));
      if (System.getenv("RLHF4J_DEBUG") != null) {
        ex.printStackTrace(line.getErr());
      }
      return 1;
    });
    return cl.execute(args);
  }

  static String describe(Throwable ex) {
    String msg = ex.getMessage();
    if (ex instanceof java.nio.file.NoSuchFileException) {
      return "no such file: " + msg;
    }
    return msg == null ? ex.getClass().getSimpleName() : msg;
  }
}
