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
import org.rlhf4j.core.checkpoint.ModelCheckpoints;
import org.rlhf4j.core.tokenizer.ChatTemplate;
import org.rlhf4j.core.tokenizer.Tokenizer;
import org.rlhf4j.core.train.CorpusTokens;
import org.rlhf4j.core.train.TokenWindows;
import org.rlhf4j.data.DatasetFormats;
import org.rlhf4j.data.Demonstration;
import org.rlhf4j.data.Jsonl;
import org.rlhf4j.data.Prompt;
import org.rlhf4j.data.Ranking;
import org.rlhf4j.world.corpus.Corpus;

/**
 * Input plumbing shared by the stage commands: prompts from any of our record files, the
 * tokenizer that belongs to a checkpoint, pretraining windows, and the fresh-run/--resume rule.
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
   * The rule every resumable stage follows: an output directory that already holds a run is only
   * continued with {@code --resume} (so a typo in --out never silently mixes two runs), {@code
   * --resume} on an empty directory starts afresh with a note, and a finished run ({@code final/}
   * written, no resumable state left) is never overwritten, since resuming it would start over.
   *
   * @param hasRun whether {@code out} holds a resumable state
   */
  static void checkResume(Path out, boolean hasRun, boolean resume) {
    if (!hasRun && ModelCheckpoints.exists(out.resolve("final"))) {
      throw new IllegalArgumentException(
          out + " holds a finished run (" + out.resolve("final") + "); choose another --out");
    }
    if (hasRun && !resume) {
      throw new IllegalArgumentException(
          out + " already holds a run; pass --resume to continue it or choose another --out");
    }
    if (resume && !hasRun) {
      System.err.println("note: nothing to resume in " + out + "; starting a new run");
    }
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
