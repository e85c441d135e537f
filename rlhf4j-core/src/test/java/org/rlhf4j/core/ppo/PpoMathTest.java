package org.rlhf4j.core.ppo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;

/** Hand-worked cases for each formula. */
class PpoMathTest {
  @Test
  void gaeWithoutDiscountMatchesHandComputation() {
    // One episode of 3 tokens, gamma 1, lambda 0.5; values 1, 2, 3; rewards 0, 0, 10.
    // deltas: d2 = 10 - 3 = 7; d1 = 0 + 3 - 2 = 1; d0 = 0 + 2 - 1 = 1
    // A2 = 7; A1 = 1 + 0.5 * 7 = 4.5; A0 = 1 + 0.5 * 4.5 = 3.25
    float[][][] r = PpoMath.gae(new float[][] {{0, 0, 10, 99}}, new float[][] {{1, 2, 3, 99}}, new int[] {3}, 1.0, 0.5);
    assertArrayEquals(new float[] {3.25f, 4.5f, 7f, 0f}, r[0][0], 1e-6f);
    assertArrayEquals(new float[] {4.25f, 6.5f, 10f, 0f}, r[1][0], 1e-6f);
  }

  @Test
  void gaeWithDiscount() {
    // gamma 0.9, lambda 1: A_t = sum_k 0.9^k r_{t+k} - V_t (Monte-Carlo advantage).
    float[][][] r = PpoMath.gae(new float[][] {{1, 1}}, new float[][] {{0.5f, 0.25f}}, new int[] {2}, 0.9, 1.0);
    assertEquals(1 + 0.9 * 1 - 0.5, r[0][0][0], 1e-6);
    assertEquals(1 - 0.25, r[0][0][1], 1e-6);
  }

  @Test
  void klEstimators() {
    float[][] logp = {{(float) Math.log(0.5), (float) Math.log(0.2)}};
    float[][] ref = {{(float) Math.log(0.25), (float) Math.log(0.4)}};
    double[][] k1 = PpoMath.klPerToken(logp, ref, new int[] {2}, PpoMath.KlEstimator.K1);
    double[][] k3 = PpoMath.klPerToken(logp, ref, new int[] {2}, PpoMath.KlEstimator.K3);
    assertArrayEquals(new double[] {Math.log(2), Math.log(0.5)}, k1[0], 1e-6);
    // r = ref / pi: 0.5 and 2. k3 = (r - 1) - log r.
    assertArrayEquals(new double[] {-0.5 - Math.log(0.5), 1 - Math.log(2)}, k3[0], 1e-6);
  }

  @Test
  void k3StaysFiniteWhereAFloatWouldOverflow() {
    // log pi - log ref = -100: k3 = e^100 - 1 - 100, about 2.7e43, beyond float's 3.4e38.
    double[][] k3 = PpoMath.klPerToken(new float[][] {{-110f}}, new float[][] {{-10f}}, new int[] {1},
        PpoMath.KlEstimator.K3);
    assertTrue(Double.isFinite(k3[0][0]), "k3 = " + k3[0][0]);
    assertEquals(Math.expm1(100) - 100, k3[0][0], Math.expm1(100) * 1e-12);
  }

  @Test
  void whitenUsesRealEntriesOnly() {
    float[][] x = {{1, 2, 3, 1000}};
    float[][] w = PpoMath.whiten(x, new int[] {3}, true);
    // mean 2, unbiased variance 1
    assertArrayEquals(new float[] {-1, 0, 1, 0}, w[0], 1e-4f);
    float[][] kept = PpoMath.whiten(x, new int[] {3}, false);
    assertArrayEquals(new float[] {1, 2, 3, 0}, kept[0], 1e-4f);
  }

  @Test
  void clippedLossesMatchHandValues() {
    try (NDManager m = NDManager.newBaseManager()) {
      // ratios 1.5 (A=+1: clipped at 1.2 -> loss -1.2), 0.5 (A=+1: unclipped -> -0.5),
      // 1.5 (A=-1: max(1.5, 1.2) = 1.5), masked entry ignored.
      NDArray logRatio = m.create(new float[][] {{(float) Math.log(1.5), (float) Math.log(0.5), (float) Math.log(1.5), 5f}});
      NDArray adv = m.create(new float[][] {{1, 1, -1, 1}});
      NDArray mask = m.create(new float[][] {{1, 1, 1, 0}});
      NDArray[] pg = PpoMath.clippedPolicyLoss(logRatio, adv, mask, 0.2f);
      assertEquals((-1.2 - 0.5 + 1.5) / 3, pg[0].getFloat(), 1e-6);
      assertEquals(1.0 / 3, pg[1].getFloat(), 1e-6);
      // values 2 (old 1, clip 0.2 -> 1.2), returns 3: max((2-3)^2, (1.2-3)^2) = 3.24; 0.5 * 3.24
      NDArray[] vf = PpoMath.clippedValueLoss(m.create(new float[][] {{2f}}), m.create(new float[][] {{1f}}),
          m.create(new float[][] {{3f}}), m.create(new float[][] {{1f}}), 0.2f);
      assertEquals(0.5 * 3.24, vf[0].getFloat(), 1e-5);
      assertEquals(1.0, vf[1].getFloat(), 1e-6);
    }
  }

  @Test
  void adaptiveKlController() {
    // KL twice the target: e clipped to 0.2; beta * (1 + 0.2 * 64 / 10000)
    assertEquals(0.02 * (1 + 0.2 * 64 / 10000.0), PpoMath.adaptiveBeta(0.02, 12, 6, 10000, 64), 1e-12);
    // KL at 0.9 of target: e = -0.1
    assertEquals(0.02 * (1 - 0.1 * 64 / 10000.0), PpoMath.adaptiveBeta(0.02, 5.4, 6, 10000, 64), 1e-12);
  }

  @Test
  void adaptiveKlCoefficientStaysPositiveWhenEpisodesExceedFiveHorizons() {
    // n / horizon = 6: at KL well below target, 1 - 0.2 * 6 = -0.2 would make beta negative.
    double beta = PpoMath.adaptiveBeta(0.02, 0.0, 6, 100, 600);
    assertEquals(PpoMath.MIN_ADAPTIVE_BETA, beta);
    // and it grows back from the floor when the KL is above target: factor 1 + 0.2 * 6 = 2.2
    assertEquals(2.2 * PpoMath.MIN_ADAPTIVE_BETA, PpoMath.adaptiveBeta(beta, 12, 6, 100, 600), 1e-20);
  }

  @Test
  void explainedVariance() {
    float[][] v = {{1, 2, 3}};
    assertEquals(1.0, PpoMath.explainedVariance(v, v, new int[] {3}), 1e-9);
    float[][] zeros = {{0, 0, 0}};
    assertEquals(0.0, PpoMath.explainedVariance(zeros, v, new int[] {3}), 1e-6);
  }
}
