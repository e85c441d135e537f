package org.rlhf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rlhf4j.world.corpus.Corpus;

/** Errors that used to name no file: "Is a directory", "Input length = 1", a typo'd database (issue 16). */
class FileMessagesTest {
  @TempDir Path dir;

  @Test
  void corpusThatIsNotUtf8NamesFileAndLine() throws IOException {
    Path corpus = Files.createDirectories(dir.resolve("corpus"));
    Files.write(corpus.resolve(Corpus.TRAIN_FILE), new byte[] {'o', 'k', '\n', 'b', 'a', (byte) 0xC3, (byte) 0x28, '\n'});
    Files.writeString(corpus.resolve(Corpus.VALID_FILE), "fine\n");
    Cli.Result r = Cli.run("pretrain", "--preset", "tiny", "--corpus", corpus.toString(), "--tokenizer",
        Cli.tokenizer().toString(), "--out", dir.resolve("out").toString(), "--steps", "1");
    assertEquals(1, r.code(), r.all());
    assertTrue(r.err().contains(corpus.resolve(Corpus.TRAIN_FILE) + ":2:") && r.err().contains("UTF-8"), r.err());
    assertFalse(r.err().contains("Input length"), r.err());
  }

  @Test
  void directoryGivenAsDataFileIsNamed() throws IOException {
    Path data = Files.createDirectories(dir.resolve("demos.jsonl"));
    Cli.Result r = Cli.run("sft", "--model", dir.resolve("no-model").toString(), "--data", data.toString(),
        "--out", dir.resolve("out").toString());
    assertEquals(1, r.code(), r.all());
    assertTrue(r.err().contains(data.toString()) && r.err().contains("directory"), r.err());

    Path corpus = Files.createDirectories(dir.resolve("corpus").resolve(Corpus.TRAIN_FILE)).getParent();
    Cli.Result p = Cli.run("pretrain", "--preset", "tiny", "--corpus", corpus.toString(), "--tokenizer",
        Cli.tokenizer().toString(), "--out", dir.resolve("out2").toString(), "--steps", "1");
    assertEquals(1, p.code(), p.all());
    assertTrue(p.err().contains(corpus.resolve(Corpus.TRAIN_FILE).toString()) && p.err().contains("directory"),
        p.err());
  }

  @Test
  void rankingsOfIdenticalResponsesAreSkippedWithACountOrRefused() throws IOException {
    Path same = Files.writeString(dir.resolve("same.jsonl"), "{\"prompt\": \"p\", \"chosen\": \"x\", \"rejected\": \"x\"}\n");
    Cli.Result all = Cli.run("dpo", "--policy", dir.resolve("no-model").toString(), "--data", same.toString(),
        "--out", dir.resolve("out").toString());
    assertEquals(1, all.code(), all.all());
    assertTrue(all.err().contains(same.toString()) && all.err().contains("nothing to train on"), all.err());

    Path mixed = Files.writeString(dir.resolve("mixed.jsonl"), "{\"prompt\": \"p\", \"chosen\": \"x\", \"rejected\": \"x\"}\n"
        + "{\"prompt\": \"p\", \"chosen\": \"x\", \"rejected\": \"y\"}\n");
    Cli.Result some = Cli.run("reward", "--model", dir.resolve("no-model").toString(), "--data", mixed.toString(),
        "--normalize", "none", "--out", dir.resolve("out2").toString());
    assertTrue(some.err().contains("skipped 1 of 2 rankings in " + mixed), some.err());
  }

  @Test
  void labelExportOfAMissingDatabaseCreatesNothing() {
    Path typo = dir.resolve("lables.db");
    Cli.Result r = Cli.run("label", "export", "--db", typo.toString(), "--project", "1", "--out",
        dir.resolve("export").toString());
    assertEquals(1, r.code(), r.all());
    assertTrue(r.err().contains(typo.toString()), r.err());
    assertFalse(Files.exists(typo), "an empty database was created");
  }
}
