package org.rlhf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code rlhf4j chat} and {@code rlhf4j generate --instruction}: the prompt format is applied,
 * piped input gives only the answers, /reset replays the session, /quit ends it. End to end on the
 * tiny test model, and the session logic against a recording stand-in for the model.
 */
class ChatCommandTest {
  private static final String Q = "Define the word cat.";

  private static String[] chat(String... extra) throws IOException {
    List<String> args = new ArrayList<>(List.of("chat", "--model", Cli.base().toString(), "--max-new-tokens", "6",
        "--temperature", "1", "--seed", "7", "--threads", "1"));
    args.addAll(List.of(extra));
    return args.toArray(String[]::new);
  }

  @Test
  void pipedInputPrintsOnlyTheAnswersAndResetReplaysTheSession() throws IOException {
    Cli.Result one = Cli.runWithInput(Q + "\n", chat());
    assertEquals(0, one.code(), one.all());
    String answer = one.out();
    assertTrue(answer.endsWith("\n"), "one answer, one line: [" + answer + "]");

    // Blank lines are skipped, /reset restarts the sampler (the same answer again), /quit ends
    // the session before the last line; nothing but the answers reaches stdout.
    Cli.Result r = Cli.runWithInput(Q + "\n\n/reset\n" + Q + "\n/quit\n" + Q + "\n", chat());
    assertEquals(0, r.code(), r.all());
    assertEquals(answer + answer, r.out());
    assertFalse(r.err().contains("CudaUtils"), "DJL's GPU probe is quiet on CPU-only machines: " + r.err());
  }

  @Test
  void anUnknownCommandIsReportedAndTheSessionGoesOn() throws IOException {
    Cli.Result r = Cli.runWithInput("/nonsense\n" + Q + "\n", chat());
    assertEquals(0, r.code(), r.all());
    assertTrue(r.err().contains("unknown command /nonsense"), r.err());
    assertEquals(Cli.runWithInput(Q + "\n", chat()).out(), r.out());
  }

  @Test
  void chatAndGenerateInstructionAskTheModelInThePromptFormat() throws IOException {
    String base = Cli.base().toString();
    Cli.Result chat = Cli.runWithInput(Q + "\n", chat("--greedy"));
    Cli.Result instruction = Cli.run("generate", "--model", base, "--instruction", Q, "--max-new-tokens", "6",
        "--temperature", "0", "--threads", "1");
    Cli.Result raw = Cli.run("generate", "--model", base, "--prompt", "Instruction: " + Q + "\nResponse:",
        "--max-new-tokens", "6", "--temperature", "0", "--threads", "1");
    assertEquals(0, instruction.code(), instruction.all());
    assertEquals(raw.out(), instruction.out(), "--instruction is the raw prompt in the prompt format");
    assertEquals("### Instruction: " + Q + "\\nResponse:\n" + chat.out() + "\n", instruction.out());
  }

  @Test
  void aGpuThatIsNotThereIsOneErrorLineThatSaysHowToSeeWhy() throws IOException {
    // DJL's GPU probe is quiet (simplelogger.properties); an explicit request must still fail loudly.
    Cli.Result r = Cli.run("generate", "--model", Cli.base().toString(), "--instruction", Q, "--device", "gpu:99");
    assertEquals(1, r.code(), r.all());
    assertTrue(r.err().contains("--device gpu:99: DJL finds") && r.err().contains("CudaUtils=warn"), r.err());
  }

  @Test
  void theSessionFormatsEachLineAndKeepsHistoryOnlyWhenAsked() throws IOException {
    List<String> seen = new ArrayList<>();
    List<Long> seeds = new ArrayList<>();
    ChatCommand.Session single = new ChatCommand.Session(false, (prompt, seed) -> {
      seen.add(prompt);
      seeds.add(seed);
      return "answer " + seen.size();
    });
    String out = run(single, "a\nb\n/reset\nc\n");
    assertEquals("answer 1\nanswer 2\nanswer 3\n", out);
    assertEquals(List.of("Instruction: a\nResponse:", "Instruction: b\nResponse:", "Instruction: c\nResponse:"), seen);
    assertEquals(List.of(10L, 11L, 10L), seeds, "turn t samples with seed + t; /reset starts again at t = 0");

    seen.clear();
    ChatCommand.Session kept = new ChatCommand.Session(true, (prompt, seed) -> {
      seen.add(prompt);
      return "A" + seen.size();
    });
    run(kept, "a\nb\n/reset\nc\n");
    assertEquals(List.of("Instruction: a\nResponse:", "Instruction: a\nResponse: A1\n\nInstruction: b\nResponse:",
        "Instruction: c\nResponse:"), seen);
  }

  private static String run(ChatCommand.Session s, String input) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    s.run(new BufferedReader(new StringReader(input)), new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8), false, 10);
    return out.toString(StandardCharsets.UTF_8);
  }
}
