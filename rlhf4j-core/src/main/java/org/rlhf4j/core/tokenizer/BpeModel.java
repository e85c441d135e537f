package org.rlhf4j.core.tokenizer;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A trained byte-level BPE vocabulary, ready to be written as a Hugging Face {@code
 * tokenizer.json}.
 *
 * @param vocab token strings in byte-level form (each UTF-8 byte shown as its GPT-2 printable
 *     character, e.g. {@code "Ġthe"} for " the"); the index is the token id. Ids 0..255 are the
 *     single bytes, then the learnt tokens in merge order, then the special tokens.
 * @param merges the learnt merges in rank order (rank 0 is applied first)
 * @param specialTokens special tokens, each also in {@code vocab}
 */
public record BpeModel(List<String> vocab, List<Merge> merges, List<String> specialTokens) {

  /** One merge rule: the adjacent pair {@code left right} becomes {@code left + right}. */
  public record Merge(String left, String right) {
    public Merge {
      if (left == null || right == null || left.isEmpty() || right.isEmpty()) {
        throw new IllegalArgumentException("merge parts must be non-empty");
      }
    }
  }

  public BpeModel {
    vocab = List.copyOf(vocab);
    merges = List.copyOf(merges);
    specialTokens = List.copyOf(specialTokens);
    Map<String, Integer> ids = new HashMap<>();
    for (int i = 0; i < vocab.size(); i++) {
      if (ids.put(vocab.get(i), i) != null) {
        throw new IllegalArgumentException("duplicate vocabulary entry: " + vocab.get(i));
      }
    }
    for (Merge m : merges) {
      if (!ids.containsKey(m.left())
          || !ids.containsKey(m.right())
          || !ids.containsKey(m.left() + m.right())) {
        throw new IllegalArgumentException("merge " + m + " refers to a token not in the vocab");
      }
    }
    for (String s : specialTokens) {
      if (!ids.containsKey(s)) {
        throw new IllegalArgumentException("special token " + s + " is not in the vocab");
      }
    }
  }

  /** The id of a special token, e.g. {@code specialId(BpeConfig.PAD)}. */
  public int specialId(String token) {
    if (!specialTokens.contains(token)) {
      throw new IllegalArgumentException("not a special token of this model: " + token);
    }
    return vocab.indexOf(token);
  }

  /**
   * The Hugging Face {@code tokenizer.json} text: GPT-2's layout (BPE model, ByteLevel
   * pre-tokenizer/post-processor/decoder with GPT-2's flags, special tokens as added tokens).
   * Merges are written as {@code "left right"} strings, the format every {@code tokenizers} release
   * reads (0.20+ also reads pairs, 0.19 does not); byte-level tokens never contain a space, so the
   * split is unambiguous.
   */
  public String toTokenizerJson() {
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode root = f.objectNode();
    root.put("version", "1.0");
    root.putNull("truncation");
    root.putNull("padding");
    ArrayNode added = root.putArray("added_tokens");
    for (String s : specialTokens) {
      ObjectNode t = added.addObject();
      t.put("id", vocab.indexOf(s));
      t.put("content", s);
      t.put("single_word", false);
      t.put("lstrip", false);
      t.put("rstrip", false);
      t.put("normalized", false);
      t.put("special", true);
    }
    root.putNull("normalizer");
    root.set("pre_tokenizer", byteLevel(f, false, true));
    root.set("post_processor", byteLevel(f, true, false));
    root.set("decoder", byteLevel(f, true, true));
    ObjectNode model = root.putObject("model");
    model.put("type", "BPE");
    model.putNull("dropout");
    model.putNull("unk_token");
    model.putNull("continuing_subword_prefix");
    model.putNull("end_of_word_suffix");
    model.put("fuse_unk", false);
    model.put("byte_fallback", false);
    model.put("ignore_merges", false);
    ObjectNode v = model.putObject("vocab");
    for (int i = 0; i < vocab.size(); i++) {
      v.put(vocab.get(i), i);
    }
    ArrayNode m = model.putArray("merges");
    for (Merge merge : merges) {
      m.add(merge.left() + " " + merge.right());
    }
    DefaultPrettyPrinter pp =
        new DefaultPrettyPrinter()
            .withSeparators(
                Separators.createDefaultInstance()
                    .withObjectFieldValueSpacing(Separators.Spacing.AFTER));
    pp.indentArraysWith(new DefaultIndenter("  ", "\n"));
    pp.indentObjectsWith(new DefaultIndenter("  ", "\n"));
    try {
      ObjectMapper mapper = new ObjectMapper();
      // Keep non-ASCII characters as UTF-8 rather than \\u escapes, as tokenizers writes them.
      mapper.getFactory().disable(JsonGenerator.Feature.ESCAPE_NON_ASCII);
      return mapper.writer(pp).writeValueAsString(root) + "\n";
    } catch (IOException e) {
      throw new IllegalStateException("cannot serialise an in-memory JSON tree", e);
    }
  }

  /**
   * Writes {@link #toTokenizerJson()} to {@code file} atomically: a temp file in the same
   * directory, then a rename, so a reader never sees a half-written tokenizer.
   */
  public void write(Path file) throws IOException {
    org.rlhf4j.data.AtomicWrites.writeString(file, toTokenizerJson());
  }

  private static ObjectNode byteLevel(JsonNodeFactory f, boolean addPrefixSpace, boolean trim) {
    ObjectNode n = f.objectNode();
    n.put("type", "ByteLevel");
    n.put("add_prefix_space", addPrefixSpace);
    n.put("trim_offsets", trim);
    n.put("use_regex", true);
    return n;
  }
}
