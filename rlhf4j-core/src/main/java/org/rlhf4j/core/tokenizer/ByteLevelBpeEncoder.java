package org.rlhf4j.core.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A pure-Java encoder for GPT-2 style byte-level BPE, used by {@link Tokenizer} in place of the
 * native encoder when the {@code tokenizer.json} is exactly that shape (no normaliser, ByteLevel
 * pre-tokenizer with GPT-2's regex, plain BPE, added tokens without strip/word options).
 *
 * <p>Why: the native encoder costs about 1 µs of CPU per token, while most pre-tokens of a corpus
 * repeat, so caching each pre-token's ids makes encoding several times faster (measured in
 * docs/tokenizer.md). It must give the same ids as the native encoder: the tests compare the two on
 * every parity string, random texts and a whole document.
 */
final class ByteLevelBpeEncoder {

  /** Bounds the cache; a corpus has far fewer distinct pre-tokens than this in practice. */
  private static final int CACHE_LIMIT = 200_000;

  /** Pre-tokens longer than this are not cached (base64 blobs, long whitespace runs). */
  private static final int CACHE_MAX_WORD_CHARS = 64;

  private final int[] byteId = new int[256];

  /** (left id << 32 | right id) → rank << 32 | merged id. */
  private final Map<Long, Long> merges;

  private final Pattern addedTokens;
  private final Map<String, Integer> addedIds;
  private final Map<String, int[]> cache = new ConcurrentHashMap<>();

  private ByteLevelBpeEncoder(int[] byteId, Map<Long, Long> merges, Map<String, Integer> addedIds) {
    System.arraycopy(byteId, 0, this.byteId, 0, 256);
    this.merges = merges;
    this.addedIds = addedIds;
    this.addedTokens =
        addedIds.isEmpty()
            ? null
            : Pattern.compile(
                addedIds.keySet().stream()
                    // Longest first: at one position the longest added token wins, as in HF.
                    .sorted(
                        Comparator.comparingInt(String::length).reversed().thenComparing(s -> s))
                    .map(Pattern::quote)
                    .collect(Collectors.joining("|")));
  }

  /**
   * An encoder for this tokenizer.json, or null if it is not plain GPT-2 style byte-level BPE (then
   * the native encoder is used).
   */
  static ByteLevelBpeEncoder forJson(JsonNode root) {
    if (!root.path("normalizer").isNull() && !root.path("normalizer").isMissingNode()) {
      return null;
    }
    JsonNode pre = root.path("pre_tokenizer");
    if (!"ByteLevel".equals(pre.path("type").asText())
        || pre.path("add_prefix_space").asBoolean(true)
        || !pre.path("use_regex").asBoolean(true)) {
      return null;
    }
    JsonNode model = root.path("model");
    if (!"BPE".equals(model.path("type").asText("BPE"))
        || !isNullOrEmpty(model.path("dropout"))
        || !isNullOrEmpty(model.path("continuing_subword_prefix"))
        || !isNullOrEmpty(model.path("end_of_word_suffix"))
        || model.path("byte_fallback").asBoolean(false)
        || model.path("ignore_merges").asBoolean(false)
        || !model.path("vocab").isObject()
        || !model.path("merges").isArray()) {
      return null;
    }
    Map<String, Integer> vocab = new HashMap<>();
    model.path("vocab").fields().forEachRemaining(e -> vocab.put(e.getKey(), e.getValue().asInt()));
    int[] byteId = new int[256];
    for (int b = 0; b < 256; b++) {
      Integer id = vocab.get(String.valueOf(ByteLevel.charOf(b)));
      if (id == null) {
        return null; // an unknown byte would need unk handling; leave that to the native side
      }
      byteId[b] = id;
    }
    Map<Long, Long> merges = new HashMap<>();
    int rank = 0;
    for (JsonNode m : model.path("merges")) {
      String left;
      String right;
      if (m.isTextual()) {
        String[] parts = m.asText().split(" ", -1);
        if (parts.length != 2) {
          return null;
        }
        left = parts[0];
        right = parts[1];
      } else if (m.isArray() && m.size() == 2) {
        left = m.get(0).asText();
        right = m.get(1).asText();
      } else {
        return null;
      }
      Integer l = vocab.get(left);
      Integer r = vocab.get(right);
      Integer merged = vocab.get(left + right);
      if (l == null || r == null || merged == null) {
        return null;
      }
      if (merges.put(key(l, r), ((long) rank << 32) | merged) != null) {
        return null; // a pair listed twice: which rank applies is the native library's business
      }
      rank++;
    }
    Map<String, Integer> added = new HashMap<>();
    for (JsonNode t : root.path("added_tokens")) {
      if (t.path("single_word").asBoolean(false)
          || t.path("lstrip").asBoolean(false)
          || t.path("rstrip").asBoolean(false)
          || t.path("content").asText().isEmpty()) {
        return null;
      }
      added.put(t.path("content").asText(), t.path("id").asInt());
    }
    return new ByteLevelBpeEncoder(byteId, merges, added);
  }

  int[] encode(String text) {
    IntList out = new IntList(text.length() / 2 + 4);
    if (addedTokens == null) {
      encodeOrdinary(text, out);
      return out.toArray();
    }
    Matcher m = addedTokens.matcher(text);
    int start = 0;
    while (m.find()) {
      encodeOrdinary(text.substring(start, m.start()), out);
      out.add(addedIds.get(m.group()));
      start = m.end();
    }
    encodeOrdinary(text.substring(start), out);
    return out.toArray();
  }

  private void encodeOrdinary(String text, IntList out) {
    if (text.isEmpty()) {
      return;
    }
    Matcher m = ByteLevel.PRE_TOKENIZER.matcher(text);
    while (m.find()) {
      String word = m.group();
      int[] ids = word.length() <= CACHE_MAX_WORD_CHARS ? cache.get(word) : null;
      if (ids == null) {
        ids = bpe(word.getBytes(StandardCharsets.UTF_8));
        if (word.length() <= CACHE_MAX_WORD_CHARS) {
          if (cache.size() >= CACHE_LIMIT) {
            cache.clear();
          }
          cache.put(word, ids);
        }
      }
      out.addAll(ids);
    }
  }

  /** GPT-2's merge loop: merge the lowest-ranked adjacent pair everywhere, until none is left. */
  private int[] bpe(byte[] bytes) {
    int[] s = new int[bytes.length];
    for (int i = 0; i < bytes.length; i++) {
      s[i] = byteId[bytes[i] & 0xFF];
    }
    int n = s.length;
    while (n > 1) {
      long best = Long.MAX_VALUE; // rank << 32 | merged id
      int left = -1;
      int right = -1;
      for (int i = 0; i + 1 < n; i++) {
        Long v = merges.get(key(s[i], s[i + 1]));
        if (v != null && v < best) {
          best = v;
          left = s[i];
          right = s[i + 1];
        }
      }
      if (left < 0) {
        break;
      }
      int merged = (int) best;
      int w = 0;
      for (int i = 0; i < n; i++) {
        if (i + 1 < n && s[i] == left && s[i + 1] == right) {
          s[w++] = merged;
          i++;
        } else {
          s[w++] = s[i];
        }
      }
      n = w;
    }
    return n == s.length ? s : Arrays.copyOf(s, n);
  }

  private static boolean isNullOrEmpty(JsonNode n) {
    return n.isMissingNode() || n.isNull() || (n.isTextual() && n.asText().isEmpty());
  }

  private static long key(int a, int b) {
    return ((long) a << 32) | (b & 0xFFFFFFFFL);
  }

  /** A growable int array, to avoid boxing every token id. */
  private static final class IntList {
    private int[] a;
    private int n;

    IntList(int capacity) {
      a = new int[Math.max(4, capacity)];
    }

    void add(int v) {
      if (n == a.length) {
        a = Arrays.copyOf(a, n * 2);
      }
      a[n++] = v;
    }

    void addAll(int[] vs) {
      if (n + vs.length > a.length) {
        a = Arrays.copyOf(a, Math.max(n + vs.length, n * 2));
      }
      System.arraycopy(vs, 0, a, n, vs.length);
      n += vs.length;
    }

    int[] toArray() {
      return Arrays.copyOf(a, n);
    }
  }
}
