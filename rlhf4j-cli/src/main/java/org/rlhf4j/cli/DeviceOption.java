package org.rlhf4j.cli;

import ai.djl.Device;
import ai.djl.engine.Engine;
import picocli.CommandLine.Option;

/** {@code --device}: where tensors live. The CPU is never hard-coded. */
public final class DeviceOption {
  @Option(
      names = "--device",
      defaultValue = "auto",
      description = "cpu, gpu, gpu:N, or auto (the first GPU if DJL finds one, else the CPU). Default: ${DEFAULT-VALUE}")
  String device;

  @Option(
      names = "--threads",
      description = "libtorch intra-op threads (default: the number of cores). 1 is faster when other"
          + " processes share the CPU or the model is small")
  Integer threads;

  /** Resolves the device; also applies --threads, which must happen before the engine starts. */
  public Device get() {
    if (threads != null) {
      if (threads < 1) {
        throw new IllegalArgumentException("--threads must be >= 1, got " + threads);
      }
      System.setProperty("ai.djl.pytorch.num_threads", String.valueOf(threads));
    }
    if ("auto".equals(device)) {
      return Engine.getInstance().getGpuCount() > 0 ? Device.gpu() : Device.cpu();
    }
    // DJL spells the N-th GPU "gpuN"; we document (and accept) the more common "gpu:N" too.
    Device d = Device.fromName(device.replace(":", ""));
    if (d.isGpu()) {
      int gpus = Engine.getInstance().getGpuCount();
      if (Math.max(0, d.getDeviceId()) >= gpus) { // "gpu" alone has id -1: the first GPU
        // simplelogger.properties keeps DJL's GPU detection quiet at WARN (it is noise on CPU-only
        // machines); here the user asked for a GPU, so say how to see why none was found.
        throw new IllegalArgumentException("--device " + device + ": DJL finds " + gpus + " usable GPU(s); for the reason,"
            + " run with -Dorg.slf4j.simpleLogger.log.ai.djl.util.cuda.CudaUtils=warn (RLHF4J_JAVA_OPTS for ./rlhf4j)");
      }
    }
    return d;
  }
}
