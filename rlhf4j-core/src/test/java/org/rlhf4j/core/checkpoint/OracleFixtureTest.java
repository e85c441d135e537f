package org.rlhf4j.core.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.rlhf4j.core.model.GptConfig;

/**
 * The committed PyTorch oracles (src/test/python/make_oracle.py: oracle/ with tanh GELU, oracle-gelu/
 * with exact GELU) load through our checkpoint code, and their tensors obey the conventions the
 * script documents, recomputed here in plain Java. The
 * model's own oracle test (logits, loss and gradients from the Java forward pass) builds on this.
 */
class OracleFixtureTest {
  private static final int B = 3;
  private static final int T = 12;
  private static final int V = 97;
  private static final int C = 16;

  private static NDManager manager;
  private static final Map<String, Checkpoint.Loaded> MODELS = new java.util.HashMap<>();
  private static final Map<String, Map<String, NDArray>> FIXTURES = new java.util.HashMap<>();

  @BeforeAll
  static void load() throws Exception {
    manager = NDManager.newBaseManager();
    for (String set : List.of("oracle", "oracle-gelu")) {
      Path dir = Path.of(OracleFixtureTest.class.getResource("/" + set).toURI());
      MODELS.put(set, Checkpoint.load(dir, manager));
      FIXTURES.put(set, SafeTensors.read(dir.resolve("fixture.safetensors"), manager));
    }
  }

  @AfterAll
  static void close() {
    manager.close();
  }

  @ParameterizedTest
  @CsvSource({"oracle, GELU_TANH", "oracle-gelu, GELU"})
  void modelLoadsWithTheDocumentedShape(String set, GptConfig.Activation activation) {
    Checkpoint.Loaded model = MODELS.get(set);
    assertEquals(new GptConfig(V, 32, 2, 2, C, 0f, 0f, 0f, 1e-5f, -1, 0, 1, activation), model.config().model());
    assertTrue(model.hasScoreHead());
    assertEquals(Checkpoint.expectedShapes(model.config().model(), true).keySet(), model.parameters().keySet());
  }

  @Test
  void bothSetsShareWeightsAndBatchButTheActivationShowsInTheLogits() {
    Map<String, NDArray> tanh = FIXTURES.get("oracle");
    Map<String, NDArray> exact = FIXTURES.get("oracle-gelu");
    MODELS.get("oracle").parameters().forEach((name, w) ->
        assertArrayEquals(w.toFloatArray(), MODELS.get("oracle-gelu").parameters().get(name).toFloatArray(), name));
    assertArrayEquals(tanh.get("input_ids").toLongArray(), exact.get("input_ids").toLongArray());
    // A Java test comparing logits within 1e-4 tells the two GELUs apart (they differ by ~8e-4).
    float max = tanh.get("logits").sub(exact.get("logits")).abs().max().getFloat();
    assertTrue(max > 5e-4, "tanh and exact GELU logits differ by only " + max);
  }

  @ParameterizedTest
  @ValueSource(strings = {"oracle", "oracle-gelu"})
  void batchIsLeftPaddedWithPositionsFromTheMask(String set) {
    Map<String, NDArray> fx = FIXTURES.get(set);
    long[] ids = fx.get("input_ids").toLongArray();
    long[] mask = fx.get("attention_mask").toLongArray();
    long[] pos = fx.get("position_ids").toLongArray();
    int[] leading = {0, 3, 5};
    for (int b = 0; b < B; b++) {
      long seen = 0;
      for (int t = 0; t < T; t++) {
        int i = b * T + t;
        assertEquals(t < leading[b] ? 0 : 1, mask[i], "mask " + b + "," + t);
        if (mask[i] == 0) {
          assertEquals(1, ids[i], "pad id");
        }
        seen += mask[i];
        assertEquals(Math.max(seen - 1, 0), pos[i], "position " + b + "," + t);
      }
    }
    assertEquals(0, ids[T - 1], "row 0 ends with EOS");
  }

  @ParameterizedTest
  @ValueSource(strings = {"oracle", "oracle-gelu"})
  void logprobsLossMaskAndLossFollowTheDocumentedConvention(String set) {
    Map<String, NDArray> fx = FIXTURES.get(set);
    float[] logits = fx.get("logits").toFloatArray();
    long[] ids = fx.get("input_ids").toLongArray();
    long[] mask = fx.get("attention_mask").toLongArray();
    float[] logprobs = fx.get("logprobs").toFloatArray();
    long[] lossMask = fx.get("loss_mask").toLongArray();
    assertEquals(new Shape(B, T - 1), fx.get("logprobs").getShape());
    double sum = 0;
    int count = 0;
    for (int b = 0; b < B; b++) {
      for (int t = 0; t < T - 1; t++) {
        int row = (b * T + t) * V;
        double max = Double.NEGATIVE_INFINITY;
        for (int v = 0; v < V; v++) {
          max = Math.max(max, logits[row + v]);
        }
        double z = 0;
        for (int v = 0; v < V; v++) {
          z += Math.exp(logits[row + v] - max);
        }
        double lp = logits[row + (int) ids[b * T + t + 1]] - max - Math.log(z);
        int k = b * (T - 1) + t;
        assertEquals(lp, logprobs[k], 1e-5, "logprob " + b + "," + t);
        assertEquals(mask[b * T + t] * mask[b * T + t + 1], lossMask[k], "loss mask " + b + "," + t);
        sum -= lp * lossMask[k];
        count += lossMask[k];
      }
    }
    assertEquals(11 + 8 + 6, count, "positions whose input and target are both real");
    assertEquals(sum / count, fx.get("loss").getFloat(), 1e-5, "token-level mean over the batch");
  }

  @ParameterizedTest
  @ValueSource(strings = {"oracle", "oracle-gelu"})
  void logitsUseTheTiedHeadAndScoreReadsTheLastRealToken(String set) {
    Map<String, NDArray> fx = FIXTURES.get(set);
    Checkpoint.Loaded model = MODELS.get(set);
    float[] hidden = fx.get("hidden").toFloatArray();
    float[] logits = fx.get("logits").toFloatArray();
    float[] wte = model.parameters().get("wte.weight").toFloatArray();
    float[] score = model.parameters().get("score.weight").toFloatArray();
    for (int bt = 0; bt < B * T; bt++) {
      for (int v = 0; v < V; v += 7) {
        double dot = 0;
        for (int c = 0; c < C; c++) {
          dot += hidden[bt * C + c] * wte[v * C + c];
        }
        assertEquals(dot, logits[bt * V + v], 1e-4, "logit " + bt + "," + v);
      }
    }
    float[] scores = fx.get("score").toFloatArray();
    for (int b = 0; b < B; b++) {
      int last = b * T + T - 1;
      double dot = 0;
      for (int c = 0; c < C; c++) {
        dot += hidden[last * C + c] * score[c];
      }
      assertEquals(dot, scores[b], 1e-5, "score " + b);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"oracle", "oracle-gelu"})
  void gradientsCoverEveryParameterButTheScoreHead(String set) {
    Map<String, NDArray> fx = FIXTURES.get(set);
    Checkpoint.Loaded model = MODELS.get(set);
    Set<String> grads = fx.keySet().stream().filter(k -> k.startsWith("grad."))
        .map(k -> k.substring(5)).collect(Collectors.toCollection(TreeSet::new));
    Set<String> params = new TreeSet<>(model.parameters().keySet());
    params.remove(Checkpoint.SCORE_WEIGHT);
    assertEquals(params, grads);
    for (String name : grads) {
      NDArray g = fx.get("grad." + name);
      assertEquals(model.parameters().get(name).getShape(), g.getShape(), name);
      assertTrue(g.abs().sum().getFloat() > 0, "gradient of " + name + " is all zero");
    }
    // wpe rows past the longest real position (11) never receive gradient: a cheap layout check.
    float[] wpe = fx.get("grad.wpe.weight").toFloatArray();
    assertArrayEquals(new float[C], java.util.Arrays.copyOfRange(wpe, 12 * C, 13 * C));
  }
}
