package org.rlhf4j.core.tokenizer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Trains a GPT-2 style byte-level BPE vocabulary (Sennrich et al. 2016; Radford et al. 2019).
 *
 * <p>The text is split into pre-tokens with GPT-2's regex (special tokens are cut out first and
 * never learnt from), each distinct pre-token becomes a sequence of byte symbols weighted by its
 * frequency, and the most frequent adjacent pair is merged into a new symbol until the vocabulary
 * is full or no pair reaches {@link BpeConfig#minFrequency()}.
 *
 * <p>Speed: pair counts are updated incrementally. Each pair remembers the words it occurs in, so a
 * merge rewrites only those words; the best pair comes from a max-heap with lazy invalidation (a
 * popped entry whose count is stale is pushed back with its current count). Ties on count go to the
 * pair with the smaller (left id, right id), so training is deterministic.
 */
public final class BpeTrainer {

  private static final Comparator<long[]> BEST_FIRST =
      Comparator.<long[]>comparingLong(e -> -e[0])
          .thenComparingLong(e -> e[1] >>> 32)
          .thenComparingLong(e -> e[1] & 0xFFFFFFFFL);

  private final BpeConfig config;
  private final Pattern specials;
  private final Map<String, Long> wordCounts = new HashMap<>();

  public BpeTrainer(BpeConfig config) {
    this.config = config;
    this.specials =
        config.specialTokens().isEmpty()
            ? null
            : Pattern.compile(
                config.specialTokens().stream()
                    // Longest first, so a special that contains another wins.
                    .sorted(Comparator.comparingInt(String::length).reversed())
                    .map(Pattern::quote)
                    .collect(Collectors.joining("|")));
  }

  /** Trains on texts (each a document; pre-tokens never span two texts). */
  public static BpeModel train(BpeConfig config, Iterator<String> texts) {
    BpeTrainer trainer = new BpeTrainer(config);
    while (texts.hasNext()) {
      trainer.add(texts.next());
    }
    return trainer.finish();
  }

  /** Trains on UTF-8 text files, each read whole as one document. */
  public static BpeModel trainFiles(BpeConfig config, List<Path> files) throws IOException {
    BpeTrainer trainer = new BpeTrainer(config);
    for (Path file : files) {
      trainer.add(readUtf8(file));
    }
    return trainer.finish();
  }

  /** Counts the pre-tokens of one document. */
  public void add(String text) {
    if (specials == null) {
      countPreTokens(text);
      return;
    }
    Matcher m = specials.matcher(text);
    int start = 0;
    while (m.find()) {
      countPreTokens(text.substring(start, m.start()));
      start = m.end();
    }
    countPreTokens(text.substring(start));
  }

  private void countPreTokens(String text) {
    Matcher m = ByteLevel.PRE_TOKENIZER.matcher(text);
    while (m.find()) {
      wordCounts.merge(m.group(), 1L, Long::sum);
    }
  }

  /** Learns the merges from everything added so far. */
  public BpeModel finish() {
    // Symbols: ids 0..255 are single bytes in GPT-2 order; learnt tokens follow.
    List<String> tokens = new ArrayList<>();
    Map<String, Integer> tokenIds = new HashMap<>();
    int[] idOfByte = new int[256];
    for (int id = 0; id < 256; id++) {
      int b = ByteLevel.byteOfInitialId(id);
      idOfByte[b] = id;
      String s = String.valueOf(ByteLevel.charOf(b));
      tokens.add(s);
      tokenIds.put(s, id);
    }

    // Distinct pre-tokens as byte-symbol sequences. Sorting makes word indices, and so every
    // iteration order below, independent of hash order.
    List<String> distinct = new ArrayList<>(wordCounts.keySet());
    distinct.sort(null);
    int[][] words = new int[distinct.size()][];
    long[] freq = new long[distinct.size()];
    for (int w = 0; w < words.length; w++) {
      byte[] bytes = distinct.get(w).getBytes(StandardCharsets.UTF_8);
      int[] syms = new int[bytes.length];
      for (int i = 0; i < bytes.length; i++) {
        syms[i] = idOfByte[bytes[i] & 0xFF];
      }
      words[w] = syms;
      freq[w] = wordCounts.get(distinct.get(w));
    }

    Map<Long, PairStats> pairs = new HashMap<>();
    for (int w = 0; w < words.length; w++) {
      int[] s = words[w];
      for (int i = 0; i + 1 < s.length; i++) {
        pairs.computeIfAbsent(key(s[i], s[i + 1]), k -> new PairStats()).add(freq[w], w);
      }
    }
    PriorityQueue<long[]> heap = new PriorityQueue<>(Math.max(1, pairs.size()), BEST_FIRST);
    pairs.forEach((k, p) -> heap.add(new long[] {p.count, k}));

    List<BpeModel.Merge> merges = new ArrayList<>();
    int target = 256 + config.maxLearntTokens();
    Set<Long> touched = new HashSet<>();
    while (tokens.size() < target && !heap.isEmpty()) {
      long[] top = heap.poll();
      long pairKey = top[1];
      PairStats best = pairs.get(pairKey);
      long actual = best == null ? 0 : best.count;
      if (actual != top[0]) {
        if (actual > 0) {
          heap.add(new long[] {actual, pairKey});
        }
        continue;
      }
      if (actual < config.minFrequency()) {
        break; // the best pair is too rare, so every other one is too
      }
      int a = (int) (pairKey >>> 32);
      int b = (int) pairKey;
      String merged = tokens.get(a) + tokens.get(b);
      // Two different merges can spell the same string ("ab"+"c", "a"+"bc"); like Hugging Face's
      // trainer, the second merge reuses the existing token id.
      Integer existing = tokenIds.get(merged);
      int c;
      if (existing != null) {
        c = existing;
      } else {
        c = tokens.size();
        tokens.add(merged);
        tokenIds.put(merged, c);
      }
      merges.add(new BpeModel.Merge(tokens.get(a), tokens.get(b)));

      touched.clear();
      int[] affected = best.wordsSnapshot();
      for (int w : affected) {
        int[] s = words[w];
        if (!contains(s, a, b)) {
          continue; // stale entry: an earlier merge already consumed the pair here
        }
        long f = freq[w];
        // Remove all of the word's pairs, merge, then add them back: unchanged pairs net to zero,
        // and the pairs around each merge site move to their new neighbours.
        for (int i = 0; i + 1 < s.length; i++) {
          pairs.get(key(s[i], s[i + 1])).count -= f;
        }
        int[] t = merge(s, a, b, c);
        for (int i = 0; i + 1 < t.length; i++) {
          long k = key(t[i], t[i + 1]);
          PairStats p = pairs.computeIfAbsent(k, x -> new PairStats());
          p.count += f;
          if (t[i] == c || t[i + 1] == c) {
            p.addWord(w);
            touched.add(k);
          }
        }
        words[w] = t;
      }
      pairs.remove(pairKey);
      for (long k : touched) {
        PairStats p = pairs.get(k);
        if (p != null && p.count > 0) {
          heap.add(new long[] {p.count, k});
        }
      }
    }

    for (String s : config.specialTokens()) {
      if (tokenIds.containsKey(s)) {
        throw new IllegalStateException(
            "special token " + s + " was also learnt as a regular token; choose another name");
      }
      tokenIds.put(s, tokens.size());
      tokens.add(s);
    }
    return new BpeModel(tokens, merges, config.specialTokens());
  }

  private static long key(int a, int b) {
    return ((long) a << 32) | (b & 0xFFFFFFFFL);
  }

  private static boolean contains(int[] s, int a, int b) {
    for (int i = 0; i + 1 < s.length; i++) {
      if (s[i] == a && s[i + 1] == b) {
        return true;
      }
    }
    return false;
  }

  /** Replaces each non-overlapping occurrence of (a, b), left to right, by c. */
  private static int[] merge(int[] s, int a, int b, int c) {
    int[] out = new int[s.length];
    int n = 0;
    for (int i = 0; i < s.length; i++) {
      if (i + 1 < s.length && s[i] == a && s[i + 1] == b) {
        out[n++] = c;
        i++;
      } else {
        out[n++] = s[i];
      }
    }
    return n == s.length ? out : Arrays.copyOf(out, n);
  }

  private static String readUtf8(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      throw new IOException(file + " is not valid UTF-8 text: " + e.getMessage(), e);
    }
  }

  /** Count of one pair over the corpus and the words it (may) occur in. */
  private static final class PairStats {
    long count;
    private int[] wordList = new int[2];
    private int size;

    void add(long f, int word) {
      count += f;
      addWord(word);
    }

    /** Appends {@code word} unless it was the last one added (words are visited in order). */
    void addWord(int word) {
      if (size > 0 && wordList[size - 1] == word) {
        return;
      }
      if (size == wordList.length) {
        wordList = Arrays.copyOf(wordList, size * 2);
      }
      wordList[size++] = word;
    }

    /** A copy of the word list, safe to iterate while the pair map changes. */
    int[] wordsSnapshot() {
      return Arrays.copyOf(wordList, size);
    }
  }
}
