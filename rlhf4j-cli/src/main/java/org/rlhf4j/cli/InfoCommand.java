package org.rlhf4j.cli;

import ai.djl.ndarray.NDManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import org.rlhf4j.core.checkpoint.Checkpoint;
import org.rlhf4j.core.checkpoint.HfConfig;
import org.rlhf4j.core.checkpoint.SafeTensors;
import org.rlhf4j.core.model.GptConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code rlhf4j info}: a checkpoint's shape, size and extras. */
@Command(name = "info", mixinStandardHelpOptions = true, description = "Summarise a checkpoint directory.")
final class InfoCommand implements Callable<Integer> {
  @Parameters(index = "0", description = "checkpoint directory (Hugging Face layout)")
  Path dir;

  @Override
  public Integer call() throws Exception {
    HfConfig cfg = HfConfig.read(dir.resolve(Checkpoint.CONFIG_FILE));
    GptConfig m = cfg.model();
    SafeTensors.Header header = SafeTensors.readHeader(dir.resolve(Checkpoint.WEIGHTS_FILE));
    long params = 0;
    String dtype = "?";
    for (SafeTensors.TensorInfo t : header.tensors().values()) {
      params += t.shape().size();
      dtype = t.dtype();
    }
    System.out.printf("checkpoint    %s%n", dir);
    System.out.printf("architecture  %s%n", String.join(", ", cfg.architectures()));
    System.out.printf("shape         %d layers, %d heads, width %d, context %d, vocab %d%n",
        m.layers(), m.heads(), m.width(), m.contextLength(), m.vocabSize());
    System.out.printf("parameters    %,d (%s storage, %.1f MB on disk)%n", params, dtype,
        Files.size(dir.resolve(Checkpoint.WEIGHTS_FILE)) / 1e6);
    System.out.printf("tokens        eos=%d pad=%d bos=%d%n", m.eosTokenId(), m.padTokenId(), m.bosTokenId());
    System.out.printf("activation    %s; dropout resid=%.2f embd=%.2f attn=%.2f%n", m.activation().hfName(),
        m.residualDropout(), m.embeddingDropout(), m.attentionDropout());
    System.out.printf("tokenizer     %s%n", Files.exists(dir.resolve(Checkpoint.TOKENIZER_FILE)) ? "tokenizer.json" : "(none)");
    for (Map.Entry<String, Object> e : cfg.extras().entrySet()) {
      System.out.printf("extra         %s = %s%n", e.getKey(), e.getValue());
    }
    // The header alone does not show NaN weights or mismatched tensors: load it as a trainer would.
    try (NDManager manager = NDManager.newBaseManager()) {
      Checkpoint.load(dir, manager);
    } catch (java.io.IOException | RuntimeException e) {
      System.out.printf("status        BROKEN: %s%n", e.getMessage());
      return 1;
    }
    System.out.printf("status        loads%n");
    return 0;
  }
}
