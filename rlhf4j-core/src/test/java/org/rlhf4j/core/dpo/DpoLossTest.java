package org.rlhf4j.core.dpo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

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
import org.rlhf4j.core.reward.PreferenceMath;
import org.rlhf4j.core.reward.PreferenceMath.PairIndex;
import org.rlhf4j.data.Ranking;

class DpoLossTest {

  private static JsonNode fixture() throws Exception {
    try (InputStream in = DpoLossTest.class.getResourceAsStream("/pref-oracle/dpo_loss.json")) {
      return new ObjectMapper().readTree(in);
    }
  }

  private static List<Ranking> rankings(JsonNode groupsList) {
    List<Ranking> out = new ArrayList<>();
    for (JsonNode groups : groupsList) {
      List<List<Integer>> g = new ArrayList<>();
      List<String> responses = new ArrayList<>();
      for (JsonNode group : groups) {
        List<Integer> members = new ArrayList<>();
        group.forEach(x -> {
          members.add(x.asInt());
          responses.add("r");
        });
        g.add(members);
      }
      out.add(new Ranking(null, "p", responses, g, null, null));
    }
    return out;
  }

  private static float[] floats(JsonNode a) {
    float[] f = new float[a.size()];
    for (int i = 0; i < f.length; i++) {
      f[i] = (float) a.get(i).asDouble();
    }
    return f;
  }

  @Test
  void dpoAndIpoLossesAndGradientsMatchPyTorch() throws Exception {
    JsonNode fx = fixture();
    List<Ranking> rs = rankings(fx.get("rankings"));
    PairIndex index = PreferenceMath.pairIndex(rs, rs.size());
    int checked = 0;
    for (JsonNode c : fx.get("cases")) {
      DpoConfig.Loss kind = c.get("kind").asText().equals("ipo") ? DpoConfig.Loss.IPO : DpoConfig.Loss.SIGMOID;
      try (NDManager m = NDManager.newBaseManager()) {
        NDArray policy = m.create(floats(c.get("policy_logps")));
        policy.setRequiresGradient(true);
        float loss;
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
          NDArray l = DpoLoss.loss(policy, m.create(floats(c.get("reference_logps"))), index, kind, c.get("beta").asDouble());
          loss = l.getFloat();
          gc.backward(l);
        }
        double want = c.get("loss").asDouble();
        // Log-probs near -20 in float32 carry ~1e-6 absolute error into h.
        assertEquals(want, loss, 2e-5 * Math.max(1, Math.abs(want)), kind + " beta " + c.get("beta"));
        float[] wantGrad = floats(c.get("grad"));
        float scale = 0;
        for (float g : wantGrad) {
          scale = Math.max(scale, Math.abs(g));
        }
        assertArrayEquals(wantGrad, policy.getGradient().toFloatArray(), 2e-5f * Math.max(1, scale));
        checked++;
      }
    }
    assertEquals(4, checked);
  }

  @Test
  void policyEqualToReferenceGivesLogTwoAndIpoTarget() {
    Ranking pair = Ranking.ofOrder(null, "p", List.of("a", "b"), 1, 0);
    PairIndex index = PreferenceMath.pairIndex(List.of(pair), 1);
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray lp = m.create(new float[] {-5f, -7f});
      // h = 0: -log sigma(0) = log 2; IPO (0 - 1/(2 * 0.25))^2 = 4.
      assertEquals(Math.log(2), DpoLoss.loss(lp, lp.duplicate(), index, DpoConfig.Loss.SIGMOID, 0.1).getFloat(), 1e-6);
      assertEquals(4.0, DpoLoss.loss(lp, lp.duplicate(), index, DpoConfig.Loss.IPO, 0.25).getFloat(), 1e-6);
      // Winner is row 1: policy gains 1 nat on it and loses 1 on row 0 relative to the reference:
      // h = (1) - (-1) = 2; DPO with beta 0.5: -log sigma(1) = log(1 + e^-1).
      NDArray ref = m.create(new float[] {-4f, -8f});
      assertEquals(Math.log1p(Math.exp(-1)), DpoLoss.loss(lp, ref, index, DpoConfig.Loss.SIGMOID, 0.5).getFloat(), 1e-6);
      // IPO with beta 0.5: (2 - 1)^2 = 1.
      assertEquals(1.0, DpoLoss.loss(lp, ref, index, DpoConfig.Loss.IPO, 0.5).getFloat(), 1e-6);
    }
  }
}
