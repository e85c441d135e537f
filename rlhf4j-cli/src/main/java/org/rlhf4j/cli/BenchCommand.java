package org.rlhf4j.cli;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import org.rlhf4j.core.generate.Generation;
import org.rlhf4j.core.generate.Generator;
import org.rlhf4j.core.generate.SamplingConfig;
import org.rlhf4j.core.model.GptConfig;
import org.rlhf4j.core.model.GptModel;
import org.rlhf4j.core.model.LmMath;
import org.rlhf4j.core.train.AdamW;
import org.rlhf4j.core.train.OptimizerConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code rlhf4j bench}: this machine's matmul peak through the engine, the train step's throughput
 * and model-FLOPs utilisation, and batched KV-cache decode throughput, as JSON.
 *
 * <p>MFU follows PaLM (Chowdhery et al. 2022, appendix B): model FLOPs per token are
 * {@code 6 N + 12 L T d}, with N the parameters that take part in matmuls (all but the position
 * table; the tied token table counts once, as the LM head's matmul), divided by the measured peak.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Measure matmul peak, train-step throughput and MFU, and decode throughput; prints JSON.")
final class BenchCommand implements Callable<Integer> {
  @Mixin DeviceOption device = new DeviceOption();

  @Option(names = "--width", defaultValue = "512", description = "model width d (default ${DEFAULT-VALUE})")
  int width;

  @Option(names = "--layers", defaultValue = "6", description = "layers L (default ${DEFAULT-VALUE})")
  int layers;

  @Option(names = "--heads", defaultValue = "8", description = "attention heads (default ${DEFAULT-VALUE})")
  int heads;

  @Option(names = "--context", defaultValue = "256", description = "sequence length T (default ${DEFAULT-VALUE})")
  int context;

  @Option(names = "--batch", defaultValue = "16", description = "train batch (default ${DEFAULT-VALUE})")
  int batch;

  @Option(names = "--vocab", defaultValue = "4096", description = "vocabulary V (default ${DEFAULT-VALUE})")
  int vocab;

  @Option(names = "--steps", defaultValue = "3", description = "timed train steps (default ${DEFAULT-VALUE})")
  int steps;

  @Option(names = "--decode-batch", defaultValue = "64", description = "decode batch (default ${DEFAULT-VALUE})")
  int decodeBatch;

  @Option(names = "--decode-tokens", defaultValue = "64", description = "new tokens per sequence (default ${DEFAULT-VALUE})")
  int decodeTokens;

  @Override
  public Integer call() throws Exception {
    Device dev = device.get();
    ObjectMapper json = new ObjectMapper();
    ObjectNode out = json.createObjectNode();
    out.put("device", dev.toString());
    out.put("engine", Engine.getInstance().getEngineName() + " " + Engine.getInstance().getVersion());
    out.put("cores", Runtime.getRuntime().availableProcessors());
    double peak = matmulPeak(dev, out);
    out.put("matmul_gflops", peak);

    GptConfig cfg = new GptConfig(vocab, context, layers, heads, width, 0f, 0f, 0f, 1e-5f, -1, 0, 1,
        GptConfig.Activation.GELU);
    ObjectNode train = out.putObject("train");
    train.put("width", width).put("layers", layers).put("heads", heads).put("context", context)
        .put("batch", batch).put("vocab", vocab);
    try (GptModel model = GptModel.create(cfg, dev, 1, false)) {
      long n = model.parameterCount() - (long) context * width;
      double flopsPerToken = 6.0 * n + 12.0 * layers * context * width;
      double tps = trainThroughput(model);
      train.put("parameters", model.parameterCount());
      train.put("model_flops_per_token", flopsPerToken);
      train.put("tokens_per_s", tps);
      train.put("achieved_gflops", flopsPerToken * tps / 1e9);
      double mfu = flopsPerToken * tps / 1e9 / peak;
      train.put("mfu", mfu);
      out.put("mfu", mfu);
      ObjectNode decode = out.putObject("decode");
      decode.put("batch", decodeBatch).put("new_tokens", decodeTokens).put("prompt_tokens", 16);
      decode.put("tokens_per_s", decodeThroughput(model));
    }
    System.out.println(json.writerWithDefaultPrettyPrinter().writeValueAsString(out));
    return 0;
  }

  /** Best GFLOP/s of square float32 matmuls of a few sizes, as the engine runs them. */
  private static double matmulPeak(Device dev, ObjectNode out) {
    double best = 0;
    ObjectNode sizes = out.putObject("matmul_gflops_by_size");
    for (int n : new int[] {512, 1024, 2048}) {
      try (NDManager m = NDManager.newBaseManager(dev)) {
        NDArray a = m.randomNormal(new Shape(n, n));
        NDArray b = m.randomNormal(new Shape(n, n));
        a.matMul(b).close();
        int reps = n >= 2048 ? 3 : 10;
        long t0 = System.nanoTime();
        for (int r = 0; r < reps; r++) {
          NDArray c = a.matMul(b);
          c.getFloat(0, 0); // forces completion on asynchronous devices
          c.close();
        }
        double s = (System.nanoTime() - t0) / 1e9;
        double g = 2.0 * n * n * n * reps / s / 1e9;
        sizes.put(String.valueOf(n), g);
        best = Math.max(best, g);
      }
    }
    return best;
  }

  private double trainThroughput(GptModel model) {
    model.setTraining(true);
    model.setRequiresGradient(true);
    SplittableRandom rng = new SplittableRandom(1);
    try (AdamW opt = new AdamW(model.parameters(), OptimizerConfig.constant(1e-4, 0), model.manager())) {
      long tokens = 0;
      long t0 = 0;
      for (int s = 0; s < steps + 1; s++) {
        if (s == 1) {
          t0 = System.nanoTime(); // the first step warms up allocators and kernels
          tokens = 0;
        }
        try (NDManager m = model.manager().newSubManager();
            GradientCollector gc = Engine.getInstance().newGradientCollector()) {
          long[][] ids = new long[batch][context + 1];
          for (long[] row : ids) {
            for (int j = 0; j < row.length; j++) {
              row[j] = rng.nextInt(vocab);
            }
          }
          NDArray all = m.create(ids);
          NDArray logits = model.logits(model.forward(all.get(":, :" + context), null, null));
          NDArray loss = LmMath.tokenLogprobs(logits, all.get(":, 1:"), 1f).mean().neg();
          gc.backward(loss);
        }
        opt.step(steps + 1);
        tokens += (long) batch * context;
      }
      return tokens / ((System.nanoTime() - t0) / 1e9);
    } finally {
      model.setTraining(false);
      model.setRequiresGradient(false);
    }
  }

  private double decodeThroughput(GptModel model) {
    SplittableRandom rng = new SplittableRandom(2);
    List<int[]> prompts = new ArrayList<>();
    for (int i = 0; i < decodeBatch; i++) {
      int[] p = new int[16];
      for (int j = 0; j < p.length; j++) {
        p[j] = 2 + rng.nextInt(vocab - 2);
      }
      prompts.add(p);
    }
    // EOS id 0 is rare under random weights; a fixed token budget measures steady-state decoding.
    Generator.generate(model, prompts.subList(0, 2), SamplingConfig.sample(4, 1));
    long t0 = System.nanoTime();
    Generation g = Generator.generate(model, prompts, SamplingConfig.sample(decodeTokens, 3));
    double s = (System.nanoTime() - t0) / 1e9;
    long produced = 0;
    for (int[] r : g.responses()) {
      produced += r.length;
    }
    return produced / s;
  }
}
