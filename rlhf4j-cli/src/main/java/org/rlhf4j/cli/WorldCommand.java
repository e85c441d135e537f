package org.rlhf4j.cli;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import org.rlhf4j.world.Agreement;
import org.rlhf4j.world.ResponseSampler;
import org.rlhf4j.world.World;
import org.rlhf4j.world.WorldConfig;
import org.rlhf4j.world.WorldExport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code rlhf4j world}: the embedded WordNet instruction world (prompts, labelers, data). */
@Command(name = "world", mixinStandardHelpOptions = true,
    description = "The embedded instruction world: labeler agreement and JSONL export.",
    subcommands = {WorldCommand.AgreementCommand.class, WorldCommand.Export.class})
final class WorldCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  @Command(name = "agreement", mixinStandardHelpOptions = true,
      description = "Pairwise agreement within the training and the held-out labeler pools, in percent.")
  static final class AgreementCommand implements Callable<Integer> {
    @Option(names = "--prompts", defaultValue = "" + Agreement.DEFAULT_PROMPTS,
        description = "fresh prompts per pool (default ${DEFAULT-VALUE})")
    int prompts;

    @Option(names = "--seed", defaultValue = "" + Agreement.DEFAULT_SEED, description = "(default ${DEFAULT-VALUE})")
    long seed;

    @Override
    public Integer call() throws Exception {
      if (prompts < 1) {
        throw new IllegalArgumentException("--prompts must be >= 1, got " + prompts);
      }
      World world = World.create(WorldConfig.defaults());
      System.out.print(Agreement.measure(world, ResponseSampler.create(world), prompts, seed).format());
      return 0;
    }
  }

  @Command(name = "export", mixinStandardHelpOptions = true,
      description = "Write the world's prompts, demonstrations, rankings, ratings and TRL-format files as JSONL.")
  static final class Export implements Callable<Integer> {
    @Option(names = "--out", required = true, description = "output directory")
    Path out;

    @Option(names = "--seed", defaultValue = "2022", description = "seeds K, the sampled responses and labeler assignment (default ${DEFAULT-VALUE})")
    long seed;

    @Override
    public Integer call() throws Exception {
      World world = World.create(WorldConfig.defaults());
      Map<String, Integer> counts = WorldExport.write(world, ResponseSampler.create(world), out, seed);
      counts.forEach((file, n) -> System.out.printf("%-32s %,7d records%n", file, n));
      System.out.println("wrote " + counts.size() + " files to " + out);
      return 0;
    }
  }
}
