package org.rlhf4j.world.corpus;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A rendered pretraining corpus: one document per element, no newlines inside a document.
 *
 * <p>File convention ({@link #write}): {@code train.txt} and {@code valid.txt}, UTF-8, <b>one
 * document per line</b>; the trainer appends EOS after every line. Documents are independent (one
 * WordNet sense each) and already shuffled.
 */
public record Corpus(List<String> train, List<String> valid, CorpusStats stats) {

  public static final String TRAIN_FILE = "train.txt";
  public static final String VALID_FILE = "valid.txt";

  public Corpus {
    train = List.copyOf(train);
    valid = List.copyOf(valid);
    for (List<String> docs : List.of(train, valid)) {
      for (int i = 0; i < docs.size(); i++) {
        if (docs.get(i).indexOf('\n') >= 0 || docs.get(i).indexOf('\r') >= 0) {
          throw new IllegalArgumentException("document " + i + " contains a line break");
        }
      }
    }
  }

  /** Writes train.txt and valid.txt into {@code dir} (created if needed), each atomically. */
  public void write(Path dir) throws IOException {
    Files.createDirectories(dir);
    writeLines(dir.resolve(TRAIN_FILE), train);
    writeLines(dir.resolve(VALID_FILE), valid);
  }

  /** Reads a corpus file back: one document per line, blank lines skipped. */
  public static List<String> readDocuments(Path file) throws IOException {
    return org.rlhf4j.data.TextFiles.readLines(file).stream()
        .filter(l -> !l.isBlank())
        .toList();
  }

  static void writeLines(Path target, List<String> lines) throws IOException {
    StringBuilder text = new StringBuilder();
    for (String line : lines) {
      text.append(line).append('\n');
    }
    org.rlhf4j.data.AtomicWrites.writeString(target, text.toString());
  }
}
