package org.rlhf4j.cli;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import org.rlhf4j.core.checkpoint.LlamaCheckpoint;
import org.rlhf4j.core.lora.LoraAdapter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code rlhf4j merge}: folds a LoRA adapter (PEFT format) into its base model and writes a plain
 * Hugging Face checkpoint, W + (alpha / r) B A, with the adapter's score head when it trains one.
 */
@Command(name = "merge", mixinStandardHelpOptions = true,
    description = "Merge a LoRA adapter into its base model and write a plain checkpoint.")
final class MergeCommand implements Callable<Integer> {
  @Option(names = "--adapter", required = true, description = "adapter directory (adapter_config.json, adapter_model.safetensors)")
  Path adapter;

  @Option(names = "--base", description = "base model directory (default: the adapter's base_model_name_or_path, "
      + "resolved against the adapter directory)")
  Path base;

  @Option(names = "--out", required = true, description = "output checkpoint directory")
  Path out;

  @Option(names = "--dtype", defaultValue = "float32",
      description = "storage of the merged weights: float32, bfloat16 or float16. Default: ${DEFAULT-VALUE}")
  String dtype;

  @Option(names = "--max-shard-mb", defaultValue = "5000",
      description = "shard the weights above this size, as save_pretrained does. Default: ${DEFAULT-VALUE}")
  long maxShardMb;

  @Mixin DeviceOption device;

  @Override
  public Integer call() throws Exception {
    DataType storage = switch (dtype) {
      case "float32", "fp32" -> DataType.FLOAT32;
      case "bfloat16", "bf16" -> DataType.BFLOAT16;
      case "float16", "fp16" -> DataType.FLOAT16;
      default -> throw new IllegalArgumentException("--dtype must be float32, bfloat16 or float16, got " + dtype);
    };
    Path baseDir = base;
    if (baseDir == null) {
      String named = LoraAdapter.baseModelPath(adapter);
      if (named == null) {
        throw new IllegalArgumentException("the adapter names no base model; pass --base");
      }
      baseDir = adapter.resolve(named).normalize();
    }
    try (LlamaCheckpoint.LoadedModel lm = LlamaCheckpoint.loadModel(baseDir, device.get());
        LoraAdapter lora = LoraAdapter.load(adapter, lm.model());
        NDManager m = lm.model().manager().newSubManager()) {
      Map<String, ai.djl.ndarray.NDArray> merged = lora.merge(lm.model(), m);
      LlamaCheckpoint.save(out, lm.config(), merged, storage, maxShardMb * 1_000_000L, baseDir, null);
      System.out.printf("merged %s (r=%d, alpha=%.0f, %d tensors) into %s -> %s%n", adapter, lora.config().rank(),
          lora.config().alpha(), lora.parameters().size(), baseDir, out);
    }
    return 0;
  }
}
