package org.rlhf4j.world;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The simulated labelers: a training pool of 8, whose labels are the only ones that reach
 * training, and a disjoint held-out pool of 4 used for evaluation (win rates, Likert), as in the
 * paper. Each labeler's weights are drawn around the gold judge's (presentation 0.2, correctness
 * 0.8, toxic factor 0.3) with a seeded RNG.
 *
 * <p>Calibration (measured by {@link Agreement} on fresh samples, see docs/world.md): the held-out
 * labelers were hired later with the benefit of the training pool's guidelines, so their weights
 * spread less and their noise is lower. Noise and spread were swept against the correctness-first
 * judge (issue 15) so that pairwise agreement lands inside the paper's ranges: 72.6 ± 1.5% within
 * the training pool and 77.3 ± 1.3% within the held-out pool (measured: docs/world.md).
 */
public final class LabelerPool {

  /** Utility noise of training labelers (calibrated). */
  static final double TRAINING_NOISE = 0.10;
  /** Spread of training labelers' criteria weights around the base weights. */
  static final double TRAINING_SPREAD = 0.5;
  /** Utility noise of held-out labelers (calibrated). */
  static final double HELD_OUT_NOISE = 0.05;
  static final double HELD_OUT_SPREAD = 0.25;
  static final double TIE_MARGIN = 0.03;

  private final List<Labeler> training;
  private final List<Labeler> heldOut;

  private LabelerPool(List<Labeler> training, List<Labeler> heldOut) {
    this.training = List.copyOf(training);
    this.heldOut = List.copyOf(heldOut);
  }

  /** The standard pools: 8 training and 4 held-out labelers, fixed seeds. */
  public static LabelerPool standard(GoldJudge judge) {
    return create(judge, 8, TRAINING_NOISE, TRAINING_SPREAD, 4, HELD_OUT_NOISE, HELD_OUT_SPREAD);
  }

  static LabelerPool create(
      GoldJudge judge, int nTrain, double trainNoise, double trainSpread, int nHeldOut,
      double heldOutNoise, double heldOutSpread) {
    Random rng = new Random(77);
    List<Labeler> training = new ArrayList<>();
    for (int i = 0; i < nTrain; i++) {
      training.add(draw("train-" + i, rng, trainNoise, trainSpread, judge));
    }
    List<Labeler> heldOut = new ArrayList<>();
    for (int i = 0; i < nHeldOut; i++) {
      heldOut.add(draw("heldout-" + i, rng, heldOutNoise, heldOutSpread, judge));
    }
    return new LabelerPool(training, heldOut);
  }

  private static Labeler draw(String id, Random rng, double noise, double spread, GoldJudge j) {
    // Log-normal multiplicative spread keeps every weight positive.
    double p = GoldJudge.W_PRESENTATION * Math.exp(spread * rng.nextGaussian());
    double c = GoldJudge.W_CORRECT * Math.exp(spread * rng.nextGaussian());
    double toxic = Math.min(1, GoldJudge.TOXIC_FACTOR * Math.exp(spread * rng.nextGaussian()));
    double sum = p + c;
    double length = 0.05 * spread * rng.nextGaussian();
    return new Labeler(id, p / sum, c / sum, toxic, length, noise, TIE_MARGIN, j);
  }

  /** The training pool (their rankings train the reward model). */
  public List<Labeler> training() {
    return training;
  }

  /** The held-out pool (evaluation only; never seen by the reward model or the policy). */
  public List<Labeler> heldOut() {
    return heldOut;
  }
}
