package org.rlhf4j.core.reward;

import ai.djl.ndarray.NDArray;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.rlhf4j.core.model.GptConfig;
import org.rlhf4j.core.model.GptModel;
import org.rlhf4j.core.tokenizer.Tokenizer;
import org.rlhf4j.data.Ranking;

/** Tiny model, tokenizer and synthetic rankings shared by the reward, DPO and best-of-n tests. */
public final class PrefFixtures {
  private PrefFixtures() {}

  /** The test tokenizer's shape: 512 tokens, EOS 510, pad 511; one layer, width 16, no dropout. */
  public static final GptConfig TINY =
      new GptConfig(512, 64, 1, 2, 16, 0f, 0f, 0f, 1e-5f, -1, 510, 511, GptConfig.Activation.GELU);

  /** A rule reward: four times the share of the letter 'e' among a response's characters. */
  public static final RewardFunction LETTER_E_SHARE = (prompts, responses) -> {
    double[] s = new double[responses.size()];
    for (int i = 0; i < s.length; i++) {
      String r = responses.get(i);
      s[i] = r.isEmpty() ? 0 : 4.0 * r.chars().filter(c -> c == 'e').count() / r.length();
    }
    return s;
  };

  private static final String[] WORDS = {" good", " bad", " text", " model", " the", " a"};

  public static Path tokenizerPath() {
    try {
      return Path.of(PrefFixtures.class.getResource("/tokenizer/tiny/tokenizer.json").toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  public static Tokenizer tokenizer() throws IOException {
    return Tokenizer.load(tokenizerPath());
  }

  /** The hidden preference: occurrences of " good" minus occurrences of " bad". */
  public static int quality(String response) {
    int q = 0;
    for (String w : response.split(" ")) {
      q += w.equals("good") ? 1 : w.equals("bad") ? -1 : 0;
    }
    return q;
  }

  /**
   * {@code n} rankings of K in 2..maxK random responses, ranked by {@link #quality} with ties
   * grouped; categories alternate between "even" and "odd" prompts.
   */
  public static List<Ranking> rankings(int n, int maxK, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    List<Ranking> out = new ArrayList<>();
    while (out.size() < n) {
      int k = 2 + rng.nextInt(maxK - 1);
      List<String> responses = new ArrayList<>();
      for (int j = 0; j < k; j++) {
        StringBuilder b = new StringBuilder();
        int len = 1 + rng.nextInt(4);
        for (int w = 0; w < len; w++) {
          b.append(WORDS[rng.nextInt(WORDS.length)]);
        }
        responses.add(b.toString());
      }
      Map<Integer, List<Integer>> groups = new TreeMap<>((a, c) -> Integer.compare(c, a));
      for (int j = 0; j < k; j++) {
        groups.computeIfAbsent(quality(responses.get(j)), q -> new ArrayList<>()).add(j);
      }
      if (groups.size() < 2) {
        continue;
      }
      int i = out.size();
      out.add(new Ranking("p" + i, "Instruction: write text " + (i % 3) + ".\nResponse:", responses,
          new ArrayList<>(groups.values()), "lab" + (i % 2), i % 2 == 0 ? "even" : "odd"));
    }
    return out;
  }

  /** Snapshot of every parameter as float arrays. */
  public static Map<String, float[]> snapshot(GptModel model) {
    Map<String, float[]> s = new TreeMap<>();
    for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
      s.put(e.getKey(), e.getValue().toFloatArray());
    }
    return s;
  }

  /** Largest absolute element difference between two snapshots with the same keys. */
  public static double maxDiff(Map<String, float[]> a, Map<String, float[]> b) {
    double d = 0;
    for (String k : a.keySet()) {
      float[] x = a.get(k);
      float[] y = b.get(k);
      for (int i = 0; i < x.length; i++) {
        d = Math.max(d, Math.abs(x[i] - y[i]));
      }
    }
    return d;
  }

  /** Live arrays in the manager tree of {@code model} (parameters, optimizer state, open steps). */
  public static int liveArrays(GptModel model) {
    return model.manager().getManagedArrays().size();
  }
}
