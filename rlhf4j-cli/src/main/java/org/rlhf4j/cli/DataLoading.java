package org.rlhf4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.rlhf4j.core.checkpoint.Checkpoint;
import org.rlhf4j.core.tokenizer.ChatTemplate;
import org.rlhf4j.core.checkpoint.RunDirectory;
import org.rlhf4j.core.tokenizer.Tokenizer;
import org.rlhf4j.core.train.CorpusTokens;
import org.rlhf4j.core.train.TokenWindows;
import org.rlhf4j.data.DatasetFormats;
import org.rlhf4j.data.Demonstration;
import org.rlhf4j.data.Jsonl;
import org.rlhf4j.data.Prompt;
import org.rlhf4j.data.Ranking;
import org.rlhf4j.world.corpus.Corpus;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Input plumbing shared by the stage commands: prompts from any of our record files, the
 * tokenizer that belongs to a checkpoint, pretraining windows, and opening the run directory.
 */
final class DataLoading {
  private static final ObjectMapper JSON = new ObjectMapper();

  private DataLoading() {}

  /**
   * A prompt to roll out or sample.
   *
   * @param id the record's id or prompt_id, or null when the file has none
   * @param category the prompt's category, or null
   */
  record PromptText(String id, String text, String category) {}

  /**
   * Prompts from a JSONL file of {@link Prompt} records, demonstrations (any format {@link
   * DatasetFormats#readDemonstrations} reads) or rankings (any format of {@link
   * DatasetFormats#readRankings}). The kind is told by the first record's fields; each distinct
   * prompt text is kept once, in file order, so a rankings file with many pairs per prompt does
   * not weight those prompts more in PPO or best-of-n.
   */
  static List<PromptText> prompts(Path file) throws IOException {
    Kind kind = kindOf(file);
    Map<String, PromptText> unique = new LinkedHashMap<>();
    switch (kind) {
      case RANKINGS -> {
        for (Ranking r : DatasetFormats.readRankings(file)) {
          unique.putIfAbsent(r.prompt(), new PromptText(r.promptId(), r.prompt(), r.category()));
        }
      }
      case DEMONSTRATIONS -> {
        for (Demonstration d : DatasetFormats.readDemonstrations(file)) {
          unique.putIfAbsent(d.prompt(), new PromptText(d.promptId(), d.prompt(), null));
        }
      }
      case PROMPTS -> {
        for (Prompt p : Jsonl.read(file, Prompt.class)) {
          unique.putIfAbsent(p.text(), new PromptText(p.id(), p.text(), p.category()));
        }
      }
    }
    return new ArrayList<>(unique.values());
  }

  static List<String> texts(List<PromptText> prompts) {
    List<String> out = new ArrayList<>(prompts.size());
    for (PromptText p : prompts) {
      out.add(p.text());
    }
    return out;
  }

  private enum Kind { PROMPTS, DEMONSTRATIONS, RANKINGS }

  /**
   * Looks at the first non-blank line only. A line that is not JSON is left to the real reader
   * ({@link Jsonl}), which reports it with file, line and reason.
   */
  private static Kind kindOf(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new NoSuchFileException(file.toString());
    }
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      while ((line = in.readLine()) != null) {
        if (line.isBlank()) {
          continue;
        }
        JsonNode node;
        try {
          node = JSON.readTree(line);
        } catch (IOException e) {
          return Kind.PROMPTS;
        }
        if (node == null || !node.isObject()) {
          return Kind.PROMPTS;
        }
        if (node.has("responses") || node.has("chosen") || node.has("rejected")) {
          return Kind.RANKINGS;
        }
        if (node.has("response") || node.has("completion") || node.has("messages")) {
          return Kind.DEMONSTRATIONS;
        }
        return Kind.PROMPTS;
      }
    } catch (java.nio.charset.MalformedInputException e) {
      return Kind.PROMPTS; // not UTF-8: Jsonl names the line
    }
    return Kind.PROMPTS; // empty: Jsonl reports "no records"
  }

  /**
   * The tokenizer for a checkpoint: {@code override} when given, else the checkpoint's own
   * {@code tokenizer.json} (our trainers copy it into every checkpoint they write).
   */
  static Tokenizer tokenizer(Path checkpoint, Path override) throws IOException {
    return tokenizer(checkpoint, override, null);
  }

  /** As above, with a pad token named explicitly (hub tokenizers without one distinct from EOS). */
  static Tokenizer tokenizer(Path checkpoint, Path override, String padToken) throws IOException {
    Tokenizer.SpecialTokens names = new Tokenizer.SpecialTokens(null, padToken, null);
    if (override != null) {
      return Tokenizer.load(override, names);
    }
    Path tok = Checkpoint.tokenizer(checkpoint).orElseThrow(() -> new IllegalArgumentException(
        checkpoint + " has no " + Checkpoint.TOKENIZER_FILE + "; pass --tokenizer"));
    return Tokenizer.load(tok, names);
  }

  /**
   * Pretraining windows from {@code corpus/train.txt} (one document per line), tokenised once and
   * cached under {@code cacheDir}.
   */
  static TokenWindows corpusWindows(Path corpus, Tokenizer tokenizer, int context, Path cacheDir, long seed)
      throws IOException {
    Path train = corpus.resolve(Corpus.TRAIN_FILE);
    if (!Files.isRegularFile(train)) {
      throw new IllegalArgumentException("--corpus " + corpus + " has no " + Corpus.TRAIN_FILE
          + " (write one with `rlhf4j corpus`)");
    }
    int[] tokens = CorpusTokens.load(train, tokenizer, cacheDir);
    return new TokenWindows(tokens, context, seed);
  }

  /**
   * The rankings of {@code file} without those that rank identical responses apart (see {@link
   * Ranking#ranksIdenticalResponsesApart}); the number skipped is reported, and a file with nothing
   * else is refused.
   */
  static List<Ranking> trainableRankings(Path file) throws IOException {
    List<Ranking> all = DatasetFormats.readRankings(file);
    List<Ranking> kept = all.stream().filter(r -> !r.ranksIdenticalResponsesApart()).toList();
    int skipped = all.size() - kept.size();
    if (kept.isEmpty()) {
      throw new IllegalArgumentException(file + ": every ranking ranks identical responses apart (chosen = rejected);"
          + " nothing to train on");
    }
    if (skipped > 0) {
      System.err.printf("note: skipped %d of %d rankings in %s that rank identical responses apart (chosen = rejected)%n",
          skipped, all.size(), file);
    }
    return kept;
  }

  /** Options that name where a run goes or how it is shown, not what it computes. */
  private static final java.util.Set<String> NOT_COMPARED =
      java.util.Set.of("--out", "--resume", "--device", "--ship", "--help", "--version");

  /**
   * Opens the run in {@code out} through the one lifecycle every trainer command calls ({@link
   * RunDirectory}): every option of the command except {@link #NOT_COMPARED} is recorded, path
   * options as SHA-256 fingerprints of their files, and compared on {@code --resume}.
   *
   * @param hasResumeState whether {@code out} holds the trainer's resumable state
   */
  static RunDirectory openRun(CommandSpec spec, Path out, boolean resume, boolean hasResumeState) throws IOException {
    Map<String, String> settings = new java.util.TreeMap<>();
    Map<String, List<Path>> inputs = new java.util.TreeMap<>();
    for (OptionSpec o : spec.options()) {
      String name = o.longestName();
      if (NOT_COMPARED.contains(name) || o.usageHelp() || o.versionHelp()) {
        continue;
      }
      Object v = o.getValue();
      if (v instanceof Path p) {
        inputs.put(name, List.of(p));
      } else if (v instanceof List<?> list && !list.isEmpty() && list.get(0) instanceof Path) {
        inputs.put(name, list.stream().map(Path.class::cast).toList());
      } else {
        settings.put(name, String.valueOf(v));
      }
    }
    return RunDirectory.open(out, new RunDirectory.Spec(spec.name(), settings, inputs), resume, hasResumeState);
  }

  /**
   * Demonstrations whose prompts are rendered as one user message through {@code template}, ending
   * with the assistant header, so a chat model is fine-tuned on the format it was trained with.
   */
  static List<Demonstration> withChatPrompts(List<Demonstration> demos,
      ChatTemplate template) {
    List<Demonstration> out = new ArrayList<>(demos.size());
    for (Demonstration d : demos) {
      String prompt = template.render(List.of(new ChatTemplate.Message("user", d.prompt())), true);
      out.add(new Demonstration(d.promptId(), prompt, d.response(), d.labeler()));
    }
    return out;
  }
}
