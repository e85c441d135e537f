package org.rlhf4j.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Map;
import java.util.SplittableRandom;

/** Parameter-table helpers shared by the model files: initialisation, owned copies, counting. */
final class ModelTensors {
  private ModelTensors() {}

  /** N(0, std) with a Box-Muller draw on {@code rng}, identical on every device and JVM. */
  static NDArray normal(NDManager m, SplittableRandom rng, float std, Shape shape) {
    float[] data = new float[Math.toIntExact(shape.size())];
    for (int i = 0; i < data.length; i++) {
      double u1 = 1.0 - rng.nextDouble();
      double u2 = rng.nextDouble();
      data[i] = (float) (Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2.0 * Math.PI * u2) * std);
    }
    return m.create(data, shape);
  }

  /**
   * A float32 copy of {@code src} on {@code m}'s device, owned by {@code m}; {@code src} is left to
   * its owner. duplicate() is a real copy; toType/toDevice with copy=true are not (libtorch's to()
   * returns an alias when nothing changes, so a "copy" made that way would share weights and
   * requires_grad with its source).
   */
  static NDArray ownedFloatCopy(NDArray src, NDManager m) {
    NDArray converted = src.getDataType() == DataType.FLOAT32 ? src : src.toType(DataType.FLOAT32, false);
    NDArray moved = converted.getDevice().equals(m.getDevice()) ? converted : converted.toDevice(m.getDevice(), false);
    NDArray copy = moved.duplicate();
    copy.attach(m);
    if (moved != src && moved != converted) {
      moved.close();
    }
    if (converted != src) {
      converted.close();
    }
    return copy;
  }

  /** A libtorch-owned 0-d float32 constant (safe as a multiplier under autograd). */
  static NDArray scalar(NDManager m, float value) {
    return m.full(new Shape(), value, DataType.FLOAT32);
  }

  /**
   * A (1, C) scalar head read at one position per row: (B, T, C) and (B) int64 -> (B).
   */
  static NDArray scoreAt(NDArray hidden, NDArray index, NDArray weight) {
    long b = hidden.getShape().get(0);
    long c = hidden.getShape().get(2);
    NDArray idx = index.toType(DataType.INT64, false).reshape(b, 1, 1).broadcast(b, 1, c);
    NDArray h = hidden.gather(idx, 1).reshape(b, c); // (B, C)
    return ai.djl.nn.core.Linear.linear(h, weight).singletonOrThrow().reshape(b); // (B)
  }

  /** A (1, C) scalar head at every position: (B, T, C) -> (B, T). */
  static NDArray scoreEverywhere(NDArray hidden, NDArray weight) {
    long b = hidden.getShape().get(0);
    long t = hidden.getShape().get(1);
    return ai.djl.nn.core.Linear.linear(hidden, weight).singletonOrThrow().reshape(b, t);
  }

  /** Number of scalar parameters in a table. */
  static long count(Map<String, NDArray> params) {
    long n = 0;
    for (NDArray p : params.values()) {
      n += p.getShape().size();
    }
    return n;
  }
}
