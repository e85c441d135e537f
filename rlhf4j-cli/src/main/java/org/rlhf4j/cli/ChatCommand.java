package org.rlhf4j.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.BiFunction;
import org.rlhf4j.cli.pipeline.ModelScorer;
import org.rlhf4j.core.generate.SamplingConfig;
import org.rlhf4j.world.PromptFormat;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code rlhf4j chat}: type an instruction, read the model's answer. Each line is wrapped in the
 * prompt format every stage trains on ({@link PromptFormat}), so a person sees what the pipeline's
 * evaluation sees. With piped input (stdin not a terminal) it prints only the answers, one per
 * input line, so {@code printf 'q1\nq2\n' | rlhf4j chat --model DIR} is scriptable.
 */
@Command(name = "chat", mixinStandardHelpOptions = true,
    description = {"Talk to a checkpoint: each line is sent as 'Instruction: <line>\\nResponse:' and the answer printed.",
        "Commands: /reset (forget the conversation and restart the sampler), /quit (or end of input)."})
final class ChatCommand implements Callable<Integer> {
  @Mixin DeviceOption device = new DeviceOption();

  @Mixin SamplingOptions sampling = new SamplingOptions();

  @Mixin CheckpointOptions checkpoint = new CheckpointOptions();

  @Option(names = "--history", description = "keep earlier turns in the prompt (off: every line is a fresh single-turn"
      + " prompt, the only format the models were trained on; when the context fills, the oldest text is dropped)")
  boolean history;

  @Override
  public Integer call() throws IOException {
    SamplingConfig cfg = sampling.config();
    // System.console() is non-null only when both stdin and stdout are terminals: then a banner
    // and a "> " prompt help the person typing; with piped input they would be noise in the output.
    boolean interactive = System.console() != null;
    try (CheckpointOptions.Loaded lm = checkpoint.load(device.get())) {
      if (interactive) {
        System.out.printf("chatting with %s (%s, at most %d tokens per answer). /reset forgets, /quit ends.%n", checkpoint.model,
            cfg.isGreedy() ? "greedy" : "temperature " + cfg.temperature(), cfg.maxNewTokens());
      }
      Session session = new Session(history,
          (prompt, seed) -> ModelScorer.respond(lm.model(), lm.tokenizer(), List.of(prompt), cfg.withSeed(seed), 1).get(0));
      BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      session.run(in, System.out, System.err, interactive, cfg.seed());
    }
    return 0;
  }

  /**
   * The conversation: what the model is asked for each line and which seed samples it. Turn t of a
   * session samples with seed + t, so the same input lines give the same answers, and after
   * {@code /reset} the session replays exactly as from the start.
   */
  static final class Session {
    private final boolean history;
    private final BiFunction<String, Long, String> model;
    private final List<String> turns = new ArrayList<>();
    private int turn;

    /** {@code model} answers a formatted prompt sampled with the given seed. */
    Session(boolean history, BiFunction<String, Long, String> model) {
      this.history = history;
      this.model = model;
    }

    /** The prompt for {@code line}: the line in the prompt format, after the earlier turns if kept. */
    String prompt(String line) {
      String p = PromptFormat.prompt(line);
      return history ? String.join("\n\n", turns) + (turns.isEmpty() ? "" : "\n\n") + p : p;
    }

    /** Answers one line and remembers the turn. */
    String ask(String line, long seed) {
      String p = prompt(line);
      String answer = model.apply(p, seed + turn);
      turn++;
      turns.add(p + PromptFormat.completion(answer));
      return answer;
    }

    void reset() {
      turns.clear();
      turn = 0;
    }

    /** Reads lines until end of input or /quit; answers on {@code out}, problems on {@code err}. */
    void run(BufferedReader in, PrintStream out, PrintStream err, boolean interactive, long seed) throws IOException {
      while (true) {
        if (interactive) {
          out.print("> ");
          out.flush();
        }
        String line = in.readLine();
        if (line == null) {
          break;
        }
        String cmd = line.strip();
        if (cmd.isEmpty()) {
          continue;
        }
        if (cmd.equals("/quit") || cmd.equals("/exit")) {
          break;
        }
        if (cmd.equals("/reset")) {
          reset();
          if (interactive) {
            out.println("(conversation cleared)");
          }
          continue;
        }
        if (cmd.startsWith("/")) {
          err.println("unknown command " + cmd + " (commands: /reset, /quit)");
          continue;
        }
        try {
          out.println(ask(cmd, seed));
        } catch (IllegalArgumentException e) {
          // One bad line (e.g. one that contains the response marker) must not end the session.
          err.println("error: " + e.getMessage());
        }
        if (interactive) {
          out.println();
        }
        out.flush();
      }
    }
  }
}
