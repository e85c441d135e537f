package org.rlhf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input fails before any training with exit code 1 and one line naming the file, the line and
 * the field. None of these needs a model: every stage reads and validates its data first (the
 * model paths below do not even exist).
 */
class BadInputTest {
  @TempDir Path dir;

  private static final String DEMO = "{\"prompt\": \"Instruction: Define cat.\\nResponse:\", \"response\": \"A cat is an animal.\"}\n";
  private static final String RANKING =
      "{\"prompt\": \"Instruction: Define cat.\", \"responses\": [\"a\", \"b\", \"c\"], \"ranking\": [[0], [1], [2]]}\n";

  private Path write(String name, String text) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, text);
    return p;
  }

  /** Exit 1, one "error:" line, naming {@code file:line}. */
  private static void assertNamesLine(Cli.Result r, Path file, int line, String mustContain) {
    assertEquals(1, r.code(), r.all());
    String error = r.err().lines().filter(l -> l.startsWith("error: ")).findFirst().orElse("");
    assertTrue(error.contains(file.getFileName().toString() + ":" + line), "no file:line in: " + r.err());
    assertTrue(error.contains(mustContain), "'" + mustContain + "' not in: " + error);
    assertFalse(r.err().contains("\tat "), "a stack trace leaked: " + r.err());
  }

  @Test
  void sftMalformedJsonLine() throws IOException {
    Path data = write("demos.jsonl", DEMO + DEMO + "{\"prompt\": \"oops\", \"response\": \n");
    Cli.Result r = Cli.run("sft", "--model", dir.resolve("no-model").toString(), "--data", data.toString(),
        "--out", dir.resolve("out").toString());
    assertNamesLine(r, data, 3, "demos.jsonl");
  }

  @Test
  void sftEmptyResponseNamesTheField() throws IOException {
    Path data = write("demos.jsonl", DEMO + "{\"prompt\": \"Instruction: x\", \"response\": \"\"}\n");
    Cli.Result r = Cli.run("sft", "--model", dir.resolve("no-model").toString(), "--data", data.toString(),
        "--out", dir.resolve("out").toString());
    assertNamesLine(r, data, 2, "response");
  }

  @Test
  void rewardDuplicateRankNamesLineAndField() throws IOException {
    Path data = write("rankings.jsonl", RANKING + RANKING
        + "{\"prompt\": \"p\", \"responses\": [\"a\", \"b\", \"c\"], \"ranking\": [[0], [0], [2]]}\n");
    Cli.Result r = Cli.run("reward", "--model", dir.resolve("no-model").toString(), "--data", data.toString(),
        "--normalize", "none", "--out", dir.resolve("out").toString());
    assertNamesLine(r, data, 3, "ranking");
  }

  @Test
  void rewardRankingWithOneResponse() throws IOException {
    Path data = write("rankings.jsonl", "{\"prompt\": \"p\", \"responses\": [\"a\"], \"ranking\": [[0]]}\n");
    Cli.Result r = Cli.run("reward", "--model", dir.resolve("no-model").toString(), "--data", data.toString(),
        "--normalize", "none", "--out", dir.resolve("out").toString());
    assertNamesLine(r, data, 1, "responses");
  }

  @Test
  void dpoMixedFormatsAreRefused() throws IOException {
    Path data = write("prefs.jsonl", RANKING + "{\"prompt\": \"p\", \"chosen\": \"a\", \"rejected\": \"b\"}\n");
    Cli.Result r = Cli.run("dpo", "--policy", dir.resolve("no-model").toString(), "--data", data.toString(),
        "--out", dir.resolve("out").toString());
    assertNamesLine(r, data, 2, "mixed formats");
  }

  @Test
  void ppoPromptFileWithBadLine() throws IOException {
    Path prompts = write("prompts.jsonl", "{\"id\": \"a\", \"prompt\": \"Instruction: one\"}\n{\"id\": \"b\", \"text\": \"x\"}\n");
    Cli.Result r = Cli.run("ppo", "--policy", dir.resolve("no-model").toString(), "--reward-model",
        dir.resolve("no-rm").toString(), "--prompts", prompts.toString(), "--out", dir.resolve("out").toString());
    assertNamesLine(r, prompts, 2, "prompt");
  }

  @Test
  void bestOfNEmptyPromptFile() throws IOException {
    Path prompts = write("prompts.jsonl", "\n\n");
    Cli.Result r = Cli.run("best-of-n", "--policy", dir.resolve("no-model").toString(), "--reward-model",
        dir.resolve("no-rm").toString(), "--prompts", prompts.toString(), "--out", dir.resolve("b.jsonl").toString());
    assertEquals(1, r.code(), r.all());
    assertTrue(r.err().contains("prompts.jsonl") && r.err().contains("no records"), r.err());
  }

  @Test
  void inconsistentOptionsAreRefusedBeforeWork() throws IOException {
    Path data = write("demos.jsonl", DEMO);
    Cli.Result select = Cli.run("sft", "--model", dir.resolve("no-model").toString(), "--data", data.toString(),
        "--out", dir.resolve("out").toString(), "--select-by", "reward");
    assertEquals(1, select.code());
    assertTrue(select.err().contains("--select-by reward needs --reward-model"), select.err());
    Cli.Result mix = Cli.run("sft", "--model", dir.resolve("no-model").toString(), "--data", data.toString(),
        "--out", dir.resolve("out").toString(), "--pretrain-mix", "0.1");
    assertEquals(1, mix.code());
    assertTrue(mix.err().contains("--pretrain-mix 0.1 needs --corpus"), mix.err());
    Cli.Result norm = Cli.run("reward", "--model", dir.resolve("no-model").toString(), "--data", data.toString(),
        "--out", dir.resolve("out").toString());
    assertEquals(1, norm.code());
    assertTrue(norm.err().contains("--normalize demonstrations needs --demonstrations"), norm.err());
  }
}
