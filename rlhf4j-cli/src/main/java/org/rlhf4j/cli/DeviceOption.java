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

  public Device get() {
    if ("auto".equals(device)) {
      return Engine.getInstance().getGpuCount() > 0 ? Device.gpu() : Device.cpu();
    }
    return Device.fromName(device);
  }
}
