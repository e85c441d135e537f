package org.rlhf4j.core.reward;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.rlhf4j.core.reward.PreferenceMath.PairIndex;
import org.rlhf4j.core.reward.PreferenceMath.PairStats;
import org.rlhf4j.data.Ranking;

class PreferenceMathTest {

  /** Rankings whose tie groups come from a fixture; response texts are placeholders. */
  public static List<Ranking> rankingsOf(JsonNode groupsList) {
    List<Ranking> out = new ArrayList<>();
    for (JsonNode groups : groupsList) {
      List<List<Integer>> g = new ArrayList<>();
      int k = 0;
      for (JsonNode group : groups) {
        List<Integer> members = new ArrayList<>();
        group.forEach(x -> members.add(x.asInt()));
        k += members.size();
        g.add(members);
      }
      List<String> responses = new ArrayList<>();
      for (int j = 0; j < k; j++) {
        responses.add("r" + j);
      }
      out.add(new Ranking(null, "p", responses, g, null, null));
    }
    return out;
  }

  public static JsonNode fixture(String name) throws Exception {
    try (InputStream in = PreferenceMathTest.class.getResourceAsStream("/pref-oracle/" + name)) {
      return new ObjectMapper().readTree(in);
    }
  }

  static float[] floats(JsonNode arr) {
    float[] f = new float[arr.size()];
    for (int i = 0; i < f.length; i++) {
      f[i] = (float) arr.get(i).asDouble();
    }
    return f;
  }

  @Test
  void rankingLossAndGradientMatchPyTorch() throws Exception {
    JsonNode fx = fixture("ranking_loss.json");
    List<Ranking> rankings = rankingsOf(fx.get("rankings"));
    PairIndex index = PreferenceMath.pairIndex(rankings, rankings.size());
    // C(K,2) minus ties; the last ranking's groups have sizes 2,1,3,1,2: (9^2 - (4+1+9+1+4)) / 2.
    assertEquals(1 + 1 + 2 + 6 + 31, index.size());
    for (JsonNode c : fx.get("cases")) {
      try (NDManager m = NDManager.newBaseManager()) {
        NDArray scores = m.create(floats(c.get("scores")));
        scores.setRequiresGradient(true);
        float loss;
        float[] grad;
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
          NDArray l = PreferenceMath.rankingLoss(scores, index);
          loss = l.getFloat();
          gc.backward(l);
        }
        grad = scores.getGradient().toFloatArray();
        double want = c.get("loss").asDouble();
        assertEquals(want, loss, 1e-5 * Math.max(1, Math.abs(want)), "loss");
        assertArrayEquals(floats(c.get("grad")), grad, 1e-5f, "gradient");
      }
    }
  }

  @Test
  void handWorkedPairAndTies() {
    // K = 2, r_w = 1, r_l = 0: -log sigma(1) = log(1 + e^-1) = 0.3132617.
    Ranking pair = Ranking.ofOrder(null, "p", List.of("a", "b"), 0, 1);
    // K = 3 with responses 1 and 2 tied below 0: pairs (0,1), (0,2), weights 1/2 each per prompt.
    Ranking tied = new Ranking(null, "p", List.of("a", "b", "c"), List.of(List.of(0), List.of(1, 2)), null, null);
    PairIndex idx = PreferenceMath.pairIndex(List.of(pair, tied), 2);
    assertArrayEquals(new int[] {0, 2, 2}, idx.winners());
    assertArrayEquals(new int[] {1, 3, 4}, idx.losers());
    assertArrayEquals(new float[] {0.5f, 0.25f, 0.25f}, idx.weights());
    try (NDManager m = NDManager.newBaseManager()) {
      // Second prompt: r = (2, 0, 4): pairs give -log sigma(2) and -log sigma(-2).
      float loss = PreferenceMath.rankingLoss(m.create(new float[] {1, 0, 2, 0, 4}), idx).getFloat();
      double want = 0.5 * Math.log1p(Math.exp(-1))
          + 0.5 * 0.5 * (Math.log1p(Math.exp(-2)) + Math.log1p(Math.exp(2)));
      assertEquals(want, loss, 1e-6);
    }
    PairStats st = PairStats.of(new float[] {1, 0, 2, 0, 4}, idx);
    assertEquals(2.0 / 3, st.accuracy(), 1e-12);
    assertEquals((1 + 2 - 2) / 3.0, st.meanMargin(), 1e-12);
    assertEquals(0.5, PairStats.of(new float[] {3, 3, 0, 0, 0}, PreferenceMath.pairIndex(List.of(pair), 1)).accuracy());
  }

  @Test
  void logSigmoidIsFiniteForLargeMargins() {
    try (NDManager m = NDManager.newBaseManager()) {
      float[] v = PreferenceMath.logSigmoid(m.create(new float[] {-200f, 0f, 200f})).toFloatArray();
      assertEquals(-200f, v[0], 1e-3f);
      assertEquals((float) Math.log(0.5), v[1], 1e-6f);
      assertEquals(0f, v[2], 1e-6f);
      assertTrue(Float.isFinite(v[0]));
    }
  }
}
