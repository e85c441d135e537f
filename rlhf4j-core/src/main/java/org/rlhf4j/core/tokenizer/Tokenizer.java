package org.rlhf4j.core.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.TokenizersLibrary;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A Hugging Face {@code tokenizer.json} loaded through DJL's native (Rust) tokenizers, with the EOS
 * and pad tokens resolved and checked to be distinct.
 *
 * <p>{@link #encode} never adds special tokens and never pads or truncates: callers place EOS and
 * padding themselves, so what the model sees is explicit. Special tokens written in the text
 * ({@code "<|endoftext|>"}) are still recognised as single tokens, as in Hugging Face.
 *
 * <p>Owns a native handle: close it (try-with-resources). Encoding and decoding are thread-safe.
 */
public final class Tokenizer implements AutoCloseable {

  /**
   * EOS names tried in order when neither an override nor {@code tokenizer_config.json} names one.
   */
  static final List<String> EOS_CANDIDATES =
      List.of(BpeConfig.EOS, "</s>", "<|end_of_text|>", "<eos>", "[SEP]");

  /** Pad names tried in order; none of them is ever the EOS. */
  static final List<String> PAD_CANDIDATES =
      List.of(BpeConfig.PAD, "<pad>", "[PAD]", "<|padding|>");

  /** BOS names tried in order; a tokenizer without one has {@code bosId() == -1}. */
  static final List<String> BOS_CANDIDATES = List.of("<|startoftext|>", "<s>", "<bos>", "[CLS]");

  /**
   * Explicit special token names; a null field means "resolve automatically" (from {@code
   * tokenizer_config.json} next to the file if it names one, else the first candidate present).
   */
  public record SpecialTokens(String eos, String pad, String bos) {
    /** Resolve all three automatically. */
    public static final SpecialTokens AUTO = new SpecialTokens(null, null, null);
  }

  private final Path source;
  private final HuggingFaceTokenizer hf;
  private final ByteLevelBpeEncoder javaEncoder; // null: encode natively
  private final Map<String, Integer> ids;
  private final String[] tokens;
  private final int eosId;
  private final int padId;
  private final int bosId;

  private Tokenizer(
      Path source,
      HuggingFaceTokenizer hf,
      ByteLevelBpeEncoder javaEncoder,
      Map<String, Integer> ids,
      String[] tokens,
      int eosId,
      int padId,
      int bosId) {
    this.source = source;
    this.hf = hf;
    this.javaEncoder = javaEncoder;
    this.ids = ids;
    this.tokens = tokens;
    this.eosId = eosId;
    this.padId = padId;
    this.bosId = bosId;
  }

  /** Loads {@code tokenizer.json}, or the one inside a directory, resolving special tokens. */
  public static Tokenizer load(Path path) throws IOException {
    return load(path, SpecialTokens.AUTO);
  }

  /** Loads {@code tokenizer.json}, or the one inside a directory, with the Java encoder allowed. */
  public static Tokenizer load(Path path, SpecialTokens names) throws IOException {
    return load(path, names, true);
  }

  /**
   * Loads {@code tokenizer.json}, or the one inside a directory.
   *
   * @param allowJavaEncoder encode with the pure-Java byte-level BPE encoder when the file is plain
   *     GPT-2 style byte-level BPE (same ids, several times faster); false always encodes natively.
   *     Decoding is always native.
   * @throws IOException if the file is missing, not JSON, not a tokenizer the native library
   *     accepts, or has no distinct EOS and pad tokens; the message names the file
   */
  public static Tokenizer load(Path path, SpecialTokens names, boolean allowJavaEncoder)
      throws IOException {
    Path file = Files.isDirectory(path) ? path.resolve("tokenizer.json") : path;
    if (Files.isDirectory(file)) {
      throw new IOException("tokenizer file " + file + " is a directory");
    }
    String json;
    try {
      json = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new IOException("tokenizer file not found: " + file, e);
    } catch (CharacterCodingException e) {
      throw new IOException("tokenizer file " + file + " is not valid UTF-8", e);
    }
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(json);
    } catch (JsonProcessingException e) {
      throw new IOException(
          "invalid JSON in tokenizer file " + file + ": " + e.getOriginalMessage(), e);
    }
    if (root == null || !root.isObject() || !root.path("model").isObject()) {
      throw new IOException("tokenizer file " + file + " has no \"model\" object");
    }

    Map<String, Integer> ids = new HashMap<>();
    int size = readVocab(root, file, ids);
    String[] tokens = new String[size];
    ids.forEach((t, i) -> tokens[i] = t);

    JsonNode config =
        readConfig(file.toAbsolutePath().getParent().resolve("tokenizer_config.json"));
    int eos =
        resolve(file, ids, "EOS", names.eos(), configToken(config, "eos_token"), EOS_CANDIDATES);
    int pad =
        resolve(file, ids, "pad", names.pad(), configToken(config, "pad_token"), PAD_CANDIDATES);
    int bos =
        resolve(file, ids, "BOS", names.bos(), configToken(config, "bos_token"), BOS_CANDIDATES);
    if (eos < 0) {
      throw new IOException(
          "tokenizer file "
              + file
              + " has no EOS token (tried "
              + EOS_CANDIDATES
              + "); name one with SpecialTokens");
    }
    if (pad < 0) {
      throw new IOException(
          "tokenizer file "
              + file
              + " has no pad token (tried "
              + PAD_CANDIDATES
              + "); add a dedicated pad token such as "
              + BpeConfig.PAD
              + " or name one with"
              + " SpecialTokens");
    }
    if (pad == eos) {
      throw new IOException(
          "tokenizer file "
              + file
              + ": pad and EOS are the same token '"
              + tokens[eos]
              + "' (id "
              + eos
              + "); padding with EOS would mask the EOS the reward is read at,"
              + " so add a dedicated pad token");
    }

    // DJL defaults to padding to the longest and truncating to 512 tokens, and to adding the
    // model's special tokens; all three are switched off so encode() returns exactly the text's
    // tokens. The JSON is passed as a string, so no download is ever attempted.
    Map<String, String> options =
        Map.of("addSpecialTokens", "false", "padding", "false", "truncation", "false");
    HuggingFaceTokenizer hf;
    try {
      hf =
          HuggingFaceTokenizer.newInstance(
              new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), options);
    } catch (RuntimeException e) {
      throw new IOException(
          "native tokenizers library rejected tokenizer file " + file + ": " + e.getMessage(), e);
    }
    ByteLevelBpeEncoder javaEncoder = allowJavaEncoder ? ByteLevelBpeEncoder.forJson(root) : null;
    return new Tokenizer(file, hf, javaEncoder, ids, tokens, eos, pad, bos);
  }

  /** The token ids of {@code text}, with no special tokens added, no padding, no truncation. */
  public int[] encode(String text) {
    if (javaEncoder != null) {
      return javaEncoder.encode(text);
    }
    // Straight to DJL's JNI binding rather than HuggingFaceTokenizer.encode(): that one also
    // copies out token strings, type ids, word ids, masks and character spans on every call,
    // which we never use; skipping them measured 1.5-1.8x faster on 4 KB chunks
    // (docs/tokenizer.md).
    // Truncation, padding and special tokens are configured on the same native handle.
    long encoding = TokenizersLibrary.LIB.encode(hf.getHandle(), text, false);
    try {
      return toInts(TokenizersLibrary.LIB.getTokenIds(encoding));
    } finally {
      TokenizersLibrary.LIB.deleteEncoding(encoding);
    }
  }

  /** Encodes several texts (natively: in one call, parallel inside the native library). */
  public List<int[]> encodeBatch(List<String> texts) {
    if (javaEncoder != null) {
      List<int[]> out = new ArrayList<>(texts.size());
      for (String t : texts) {
        out.add(javaEncoder.encode(t));
      }
      return out;
    }
    long[] encodings =
        TokenizersLibrary.LIB.batchEncode(hf.getHandle(), texts.toArray(new String[0]), false);
    List<int[]> out = new ArrayList<>(encodings.length);
    try {
      for (long e : encodings) {
        out.add(toInts(TokenizersLibrary.LIB.getTokenIds(e)));
      }
    } finally {
      for (long e : encodings) {
        TokenizersLibrary.LIB.deleteEncoding(e);
      }
    }
    return out;
  }

  /**
   * The text of {@code ids}, pad tokens dropped. Other special tokens (EOS) are kept as their text,
   * so {@code decode(encode(s)).equals(s)} for any text that does not contain the pad token.
   */
  public String decode(int[] ids) {
    long[] kept = new long[ids.length];
    int n = 0;
    for (int id : ids) {
      if (id < 0 || id >= tokens.length) {
        throw new IllegalArgumentException(
            "token id " + id + " outside vocabulary [0, " + tokens.length + ") of " + source);
      }
      if (id != padId) {
        kept[n++] = id;
      }
    }
    return hf.decode(n == kept.length ? kept : Arrays.copyOf(kept, n), false);
  }

  public int eosId() {
    return eosId;
  }

  public int padId() {
    return padId;
  }

  /** The BOS id, or -1 if this tokenizer has none. */
  public int bosId() {
    return bosId;
  }

  /** One more than the largest token id (model vocab and added tokens). */
  public int vocabSize() {
    return tokens.length;
  }

  /**
   * The vocabulary string of a token id, as stored in the file (byte-level BPE shows bytes as
   * printable characters: {@code "Ġthe"} is " the"); null for an unused id.
   */
  public String tokenString(int id) {
    if (id < 0 || id >= tokens.length) {
      throw new IllegalArgumentException(
          "token id " + id + " outside vocabulary [0, " + tokens.length + ")");
    }
    return tokens[id];
  }

  /** The id of a vocabulary string (the inverse of {@link #tokenString}), or -1 if absent. */
  public int tokenId(String token) {
    return ids.getOrDefault(token, -1);
  }

  /**
   * Whether {@link #encode} runs the pure-Java byte-level BPE encoder rather than the native one.
   */
  public boolean usesJavaEncoder() {
    return javaEncoder != null;
  }

  /** The {@code tokenizer.json} this was loaded from. */
  public Path source() {
    return source;
  }

  @Override
  public void close() {
    hf.close();
  }

  private static int[] toInts(long[] ids) {
    int[] out = new int[ids.length];
    for (int i = 0; i < ids.length; i++) {
      out[i] = (int) ids[i];
    }
    return out;
  }

  /** Fills {@code ids} from the model vocab and added tokens; returns max id + 1. */
  private static int readVocab(JsonNode root, Path file, Map<String, Integer> ids)
      throws IOException {
    JsonNode vocab = root.path("model").path("vocab");
    if (vocab.isObject()) { // BPE, WordPiece, WordLevel: {"token": id}
      for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (!e.getValue().canConvertToInt() || e.getValue().asInt() < 0) {
          throw new IOException(
              "tokenizer file " + file + ": vocab entry '" + e.getKey() + "' has no valid id");
        }
        ids.put(e.getKey(), e.getValue().asInt());
      }
    } else if (vocab.isArray()) { // Unigram: [[piece, score], ...], id = position
      for (int i = 0; i < vocab.size(); i++) {
        ids.put(vocab.get(i).path(0).asText(), i);
      }
    } else {
      throw new IOException("tokenizer file " + file + " has no model.vocab");
    }
    for (JsonNode t : root.path("added_tokens")) {
      if (!t.path("content").isTextual() || !t.path("id").canConvertToInt()) {
        throw new IOException("tokenizer file " + file + ": malformed added_tokens entry " + t);
      }
      ids.put(t.get("content").asText(), t.get("id").asInt());
    }
    int max = -1;
    String maxToken = null;
    for (Map.Entry<String, Integer> e : ids.entrySet()) {
      if (e.getValue() < 0) {
        throw new IOException("tokenizer file " + file + ": token '" + e.getKey() + "' has negative id " + e.getValue());
      }
      if (e.getValue() > max) {
        max = e.getValue();
        maxToken = e.getKey();
      }
    }
    if (max < 0) {
      throw new IOException("tokenizer file " + file + " has an empty vocabulary");
    }
    // Ids index a table of max + 1 entries: a stray id of 2e9 would allocate gigabytes and end in
    // an OutOfMemoryError (issue 16). Real vocabularies are dense; allow generous gaps only.
    if (max >= 2L * ids.size() + 1024) {
      throw new IOException("tokenizer file " + file + ": token '" + maxToken + "' has id " + max
          + ", far beyond the " + ids.size() + " tokens of the vocabulary (ids must run 0.." + (ids.size() - 1) + ")");
    }
    return max + 1;
  }

  private static JsonNode readConfig(Path configFile) throws IOException {
    if (!Files.isRegularFile(configFile)) {
      return null;
    }
    try {
      return new ObjectMapper().readTree(configFile.toFile());
    } catch (JsonProcessingException e) {
      throw new IOException("invalid JSON in " + configFile + ": " + e.getOriginalMessage(), e);
    }
  }

  /** A special token named in tokenizer_config.json: a string or {"content": "..."}. */
  private static String configToken(JsonNode config, String key) {
    if (config == null) {
      return null;
    }
    JsonNode v = config.path(key);
    if (v.isTextual()) {
      return v.asText();
    }
    if (v.path("content").isTextual()) {
      return v.path("content").asText();
    }
    return null;
  }

  private static int resolve(
      Path file,
      Map<String, Integer> ids,
      String role,
      String override,
      String fromConfig,
      List<String> candidates)
      throws IOException {
    for (String named : new String[] {override, fromConfig}) {
      if (named != null) {
        Integer id = ids.get(named);
        if (id == null) {
          throw new IOException(
              "tokenizer file "
                  + file
                  + " has no token '"
                  + named
                  + "' (requested as "
                  + role
                  + ")");
        }
        return id;
      }
    }
    for (String c : candidates) {
      Integer id = ids.get(c);
      if (id != null) {
        return id;
      }
    }
    return -1;
  }
}
