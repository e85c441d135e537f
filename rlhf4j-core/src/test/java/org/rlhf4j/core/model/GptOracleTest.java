package org.rlhf4j.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.rlhf4j.core.model.OracleAsserts.assertClose;
import static org.rlhf4j.core.model.OracleAsserts.resource;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.rlhf4j.core.checkpoint.Checkpoint;
import org.rlhf4j.core.checkpoint.ModelCheckpoints;
import org.rlhf4j.core.checkpoint.SafeTensors;

/**
 * The Java forward and backward passes against independent references:
 *
 * <ul>
 *   <li>{@code oracle/}, {@code oracle-gelu/}: a GPT-2 written with PyTorch's own operators
 *       (src/test/python/make_oracle.py): logits at every position, loss, every gradient, the
 *       scalar head;
 *   <li>{@code hf-parity/}: Hugging Face transformers' GPT2LMHeadModel and
 *       GPT2ForSequenceClassification, saved with {@code save_pretrained} (make_hf_parity.py);
 *   <li>{@code java-saved/}: a checkpoint written by our Java code, loaded by transformers
 *       (hf_load_java_checkpoint.py), whose logits must equal ours.
 * </ul>
 */
class GptOracleTest {
  @ParameterizedTest
  @ValueSource(strings = {"oracle", "oracle-gelu"})
  void logitsLossGradientsAndScoreMatchPyTorch(String set) throws Exception {
    Path dir = resource(set);
    try (ModelCheckpoints.LoadedModel lm = ModelCheckpoints.load(dir, Device.cpu());
        NDManager m = lm.model().manager().newSubManager()) {
      GptModel model = lm.model();
      Map<String, NDArray> fx = SafeTensors.read(dir.resolve("fixture.safetensors"), m);
      NDArray ids = fx.get("input_ids");
      NDArray mask = fx.get("attention_mask");
      model.setRequiresGradient(true);
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDArray hidden = model.forward(ids, mask, null);
        NDArray logits = model.logits(hidden);
        assertClose(fx.get("logits"), logits, 1e-4f, "logits");
        NDArray lossMask = mask.get(":, :-1").mul(mask.get(":, 1:"));
        NDArray lp = LmMath.tokenLogprobs(logits.get(":, :-1, :"), ids.get(":, 1:"), 1f);
        assertClose(fx.get("logprobs"), lp, 1e-4f, "logprobs");
        NDArray loss = LmMath.maskedMean(lp, lossMask).neg();
        assertEquals(fx.get("loss").getFloat(), loss.getFloat(), 1e-5, "loss");
        long[] last = new long[3];
        long[][] mk = toLong2d(mask);
        for (int b = 0; b < 3; b++) {
          last[b] = mk[b].length - 1; // left-padded: the last real token is the last column
        }
        NDArray score = model.score(hidden, m.create(last));
        assertClose(fx.get("score"), score, 1e-5f, "score");
        gc.backward(loss);
      }
      for (Map.Entry<String, NDArray> p : model.parameters().entrySet()) {
        NDArray expected = fx.get("grad." + p.getKey());
        if (expected == null) {
          continue; // score.weight takes no part in the LM loss
        }
        NDArray g = p.getValue().getGradient();
        g.attach(m);
        float scale = Math.max(1e-3f, expected.abs().max().getFloat());
        assertClose(expected.div(scale), g.div(scale), 1e-4f, "grad." + p.getKey());
      }
      model.setRequiresGradient(false);
    }
  }

  @Test
  void huggingFaceCheckpointsGiveTransformersLogitsAndScores() throws Exception {
    Path dir = resource("hf-parity");
    try (NDManager m = NDManager.newBaseManager();
        ModelCheckpoints.LoadedModel lmModel = ModelCheckpoints.load(dir.resolve("lm"), Device.cpu());
        ModelCheckpoints.LoadedModel rmModel = ModelCheckpoints.load(dir.resolve("reward"), Device.cpu())) {
      assertEquals(GptConfig.Activation.GELU_TANH, lmModel.model().config().activation());
      Map<String, NDArray> fx = SafeTensors.read(dir.resolve("hf_fixture.safetensors"), m);
      NDArray ids = fx.get("input_ids");
      NDArray mask = fx.get("attention_mask");
      NDArray logits = lmModel.model().logits(lmModel.model().forward(ids, mask, null));
      assertCloseWhereReal(fx.get("logits"), logits, mask, 1e-4f);
      NDArray hidden = rmModel.model().forward(ids, mask, null);
      long t = ids.getShape().get(1);
      NDArray score = rmModel.model().score(hidden, m.create(new long[] {t - 1, t - 1, t - 1}));
      assertClose(fx.get("score"), score, 1e-4f, "score");
    }
  }

  @Test
  void transformersReadsOurCheckpointAsWeDo() throws Exception {
    Path dir = resource("java-saved");
    try (NDManager m = NDManager.newBaseManager();
        ModelCheckpoints.LoadedModel lm = ModelCheckpoints.load(dir, Device.cpu())) {
      Map<String, NDArray> fx = SafeTensors.read(dir.resolve("hf_logits.safetensors"), m);
      NDArray mask = fx.get("attention_mask");
      NDArray logits = lm.model().logits(lm.model().forward(fx.get("input_ids"), mask, null));
      assertCloseWhereReal(fx.get("logits"), logits, mask, 1e-4f);
    }
    assertTrue(Checkpoint.tokenizer(dir).isPresent());
  }

  private static void assertCloseWhereReal(NDArray expected, NDArray actual, NDArray mask, float tol) {
    NDArray real = mask.toType(DataType.FLOAT32, false).expandDims(-1);
    float diff = expected.sub(actual).abs().mul(real).max().getFloat();
    assertTrue(diff < tol, "max |diff| at real positions " + diff);
  }


  private static long[][] toLong2d(NDArray a) {
    int rows = (int) a.getShape().get(0);
    int cols = (int) a.getShape().get(1);
    long[] flat = a.toLongArray();
    long[][] out = new long[rows][cols];
    for (int r = 0; r < rows; r++) {
      System.arraycopy(flat, r * cols, out[r], 0, cols);
    }
    return out;
  }
}
