package org.rlhf4j.core.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A deliberately naive byte-level BPE encoder, written from GPT-2's {@code encoder.py} and
 * independent of the production code: its own byte table, its own regex, and the textbook merge
 * loop (find the lowest-rank adjacent pair, merge every occurrence, repeat). Slow, obviously
 * correct, used only as an oracle.
 */
final class ReferenceBpe {
  private static final Pattern GPT2 =
      Pattern.compile(
          "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
          Pattern.UNICODE_CHARACTER_CLASS);

  private final Map<String, Integer> vocab = new HashMap<>();
  private final Map<String, Integer> ranks = new HashMap<>();
  private final List<String> specials = new ArrayList<>();
  private final char[] byteChar = bytesToUnicode();

  ReferenceBpe(Path tokenizerJson) throws IOException {
    JsonNode root = new ObjectMapper().readTree(tokenizerJson.toFile());
    root.path("model")
        .path("vocab")
        .fields()
        .forEachRemaining(e -> vocab.put(e.getKey(), e.getValue().asInt()));
    int rank = 0;
    for (JsonNode m : root.path("model").path("merges")) {
      ranks.put(m.asText(), rank++);
    }
    for (JsonNode t : root.path("added_tokens")) {
      specials.add(t.path("content").asText());
      vocab.put(t.path("content").asText(), t.path("id").asInt());
    }
  }

  /** GPT-2's bytes_to_unicode, transcribed line by line. */
  private static char[] bytesToUnicode() {
    List<Integer> bs = new ArrayList<>();
    for (int b = '!'; b <= '~'; b++) bs.add(b);
    for (int b = 0xA1; b <= 0xAC; b++) bs.add(b);
    for (int b = 0xAE; b <= 0xFF; b++) bs.add(b);
    List<Integer> cs = new ArrayList<>(bs);
    int n = 0;
    for (int b = 0; b < 256; b++) {
      if (!bs.contains(b)) {
        bs.add(b);
        cs.add(256 + n++);
      }
    }
    char[] out = new char[256];
    for (int i = 0; i < 256; i++) out[bs.get(i)] = (char) (int) cs.get(i);
    return out;
  }

  List<Integer> encode(String text) {
    List<Integer> ids = new ArrayList<>();
    int pos = 0;
    while (pos <= text.length()) {
      // Leftmost special token occurrence; on a tie the longest one.
      int bestAt = -1;
      String best = null;
      for (String s : specials) {
        int at = text.indexOf(s, pos);
        if (at >= 0
            && (bestAt < 0 || at < bestAt || (at == bestAt && s.length() > best.length()))) {
          bestAt = at;
          best = s;
        }
      }
      String piece = bestAt < 0 ? text.substring(pos) : text.substring(pos, bestAt);
      encodeOrdinary(piece, ids);
      if (bestAt < 0) {
        break;
      }
      ids.add(vocab.get(best));
      pos = bestAt + best.length();
    }
    return ids;
  }

  private void encodeOrdinary(String text, List<Integer> ids) {
    Matcher m = GPT2.matcher(text);
    while (m.find()) {
      List<String> word = new ArrayList<>();
      for (byte b : m.group().getBytes(StandardCharsets.UTF_8)) {
        word.add(String.valueOf(byteChar[b & 0xFF]));
      }
      while (word.size() > 1) {
        int bestRank = Integer.MAX_VALUE;
        String first = null;
        String second = null;
        for (int i = 0; i + 1 < word.size(); i++) {
          Integer r = ranks.get(word.get(i) + " " + word.get(i + 1));
          if (r != null && r < bestRank) {
            bestRank = r;
            first = word.get(i);
            second = word.get(i + 1);
          }
        }
        if (first == null) {
          break;
        }
        List<String> next = new ArrayList<>();
        for (int i = 0; i < word.size(); i++) {
          if (i + 1 < word.size() && word.get(i).equals(first) && word.get(i + 1).equals(second)) {
            next.add(first + second);
            i++;
          } else {
            next.add(word.get(i));
          }
        }
        word = next;
      }
      for (String s : word) {
        Integer id = vocab.get(s);
        if (id == null) {
          throw new IllegalStateException("reference: token not in vocab: " + s);
        }
        ids.add(id);
      }
    }
  }
}
