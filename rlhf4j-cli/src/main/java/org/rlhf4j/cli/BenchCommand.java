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
import org.rlhf4j.core.lora.LoraAdapter;
import org.rlhf4j.core.lora.LoraConfig;
import org.rlhf4j.core.model.CausalLm;
import org.rlhf4j.core.model.GptConfig;
import org.rlhf4j.core.model.GptModel;
import org.rlhf4j.core.model.LlamaConfig;
import org.rlhf4j.core.model.LlamaModel;
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
 *
 * <p>{@code --arch llama} measures a Llama-family decoder instead ({@code --preset smollm2-135m}
 * for SmolLM2-135M's shape with random weights), optionally with LoRA ({@code --lora R}): the base
 * is frozen, so a step costs about 4 N + 12 L T d FLOPs per token (no weight gradients) rather
 * than 6 N. The JSON also reports the process's peak resident memory.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Measure matmul peak, train-step throughput and MFU, and decode throughput; prints JSON.")
final class BenchCommand implements Callable<Integer> {
  @Mixin DeviceOption device = new DeviceOption();

  @Option(names = "--arch", defaultValue = "gpt2", description = "gpt2 or llama (default ${DEFAULT-VALUE})")
  String arch;

  @Option(names = "--preset", description = "llama shapes: smollm2-135m (sets width, layers, heads, vocab, MLP width)")
  String preset;

  @Option(names = "--kv-heads", defaultValue = "0", description = "llama key/value heads (0: as --heads)")
  int kvHeads;

  @Option(names = "--intermediate", defaultValue = "0", description = "llama MLP width (0: 8/3 of the width)")
  int intermediate;

  @Option(names = "--lora", defaultValue = "0", description = "llama: train LoRA adapters of this rank on all seven projections (0: full fine-tuning)")
  int lora;

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

    if ("smollm2-135m".equals(preset)) {
      // SmolLM2-135M's config.json: hidden 576, 30 layers, 9 heads / 3 KV heads, MLP 1536, vocab 49152, tied.
      width = 576;
      layers = 30;
      heads = 9;
      kvHeads = 3;
      intermediate = 1536;
      vocab = 49152;
    } else if (preset != null) {
      throw new IllegalArgumentException("unknown --preset " + preset + " (known: smollm2-135m)");
    }
    ObjectNode train = out.putObject("train");
    train.put("arch", arch).put("width", width).put("layers", layers).put("heads", heads).put("context", context)
        .put("batch", batch).put("vocab", vocab);
    try (CausalLm base = create(dev, train);
        LoraAdapter adapter = lora > 0 ? LoraAdapter.create(LoraConfig.allLinear(lora), (LlamaModel) base, 2) : null) {
      CausalLm model = adapter != null ? ((LlamaModel) base).withAdapter(adapter) : base;
      // Matmul parameters: all but the position table (GPT-2) or the untied input embedding (Llama).
      long n = base.parameterCount() - (base instanceof GptModel ? (long) context * width
          : ((LlamaModel) base).config().tieWordEmbeddings() ? 0 : (long) vocab * width);
      double flopsPerToken = (adapter != null ? 4.0 : 6.0) * n + 12.0 * layers * context * width;
      double tps = trainThroughput(model);
      train.put("parameters", base.parameterCount());
      train.put("trainable_parameters", model.parameterCount());
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
    out.put("peak_rss_mb", peakRssMb());
    System.out.println(json.writerWithDefaultPrettyPrinter().writeValueAsString(out));
    return 0;
  }

  private CausalLm create(Device dev, ObjectNode train) {
    if (arch.equals("gpt2")) {
      GptConfig cfg = new GptConfig(vocab, context, layers, heads, width, 0f, 0f, 0f, 1e-5f, -1, 0, 1,
          GptConfig.Activation.GELU);
      return GptModel.create(cfg, dev, 1, false);
    }
    if (!arch.equals("llama")) {
      throw new IllegalArgumentException("--arch must be gpt2 or llama, got " + arch);
    }
    int kv = kvHeads > 0 ? kvHeads : heads;
    int ffn = intermediate > 0 ? intermediate : 8 * width / 3;
    LlamaConfig cfg = LlamaConfig.llama(vocab, width, ffn, layers, heads, kv, Math.max(context + 1, 2048))
        .withTieWordEmbeddings(true);
    train.put("kv_heads", kv).put("intermediate", ffn).put("lora_rank", lora);
    return LlamaModel.create(cfg, dev, 1, false);
  }

  /** VmHWM of /proc/self/status in MB, or -1 where there is no /proc. */
  private static double peakRssMb() {
    try {
      for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
        }
      }
    } catch (java.io.IOException | NumberFormatException e) {
      return -1;
    }
    return -1;
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

  private double trainThroughput(CausalLm model) {
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

  private double decodeThroughput(CausalLm model) {
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
