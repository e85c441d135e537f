package org.rlhf4j.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.function.BinaryOperator;

/**
 * Scalar operands for tensors that may carry a gradient. Rule: never pass a Java number to
 * {@code NDArray.mul/div/pow/minimum/maximum} in model or training code; call these instead.
 *
 * <p>Why (a use-after-free in DJL 0.36's PyTorch engine, see docs/known-issues.md): {@code
 * x.mul(3f)} is {@code x.mul(manager.create(3f))} followed by closing the temporary at once, and
 * {@code PtNDManager.create} builds that 0-d tensor with {@code torch::from_blob} over a Java
 * direct {@code ByteBuffer}: no copy, no deleter, the memory kept alive only by the Java wrapper.
 * Autograd saves the scalar for the backward pass (d(x c)/dx = c). After the next garbage
 * collection frees the buffer, backward reads whatever replaced it: usually a finite wrong
 * gradient, sometimes Inf or NaN. Inference reads the number at once and is unaffected. Here the
 * scalar comes from libtorch's own allocator ({@code torch::full}); its storage is
 * reference-counted, so autograd keeps it alive after the Java handle closes.
 *
 * <p>{@code add/sub(Number)} build the same temporary but their backward does not read it, and
 * {@code clip(Number, Number)} passes the bounds to libtorch by value: measured safe
 * ({@code ScalarsTest}). They are offered here too so tensor code can use one idiom.
 */
public final class Scalars {
  private Scalars() {}

  /**
   * {@code op(x, v)} with v as a 0-d tensor of x's type on x's device, made by libtorch (v is
   * rounded to float first). The handle closes at once; autograd keeps its own reference.
   */
  private static NDArray apply(NDArray x, double v, BinaryOperator<NDArray> op) {
    try (NDArray s = x.getManager().full(new Shape(), (float) v, x.getDataType())) {
      return op.apply(x, s);
    }
  }

  public static NDArray mul(NDArray x, double v) {
    return apply(x, v, NDArray::mul);
  }

  public static NDArray div(NDArray x, double v) {
    return apply(x, v, NDArray::div);
  }

  public static NDArray pow(NDArray x, double v) {
    return apply(x, v, NDArray::pow);
  }

  public static NDArray minimum(NDArray x, double v) {
    return apply(x, v, NDArray::minimum);
  }

  public static NDArray maximum(NDArray x, double v) {
    return apply(x, v, NDArray::maximum);
  }

  public static NDArray add(NDArray x, double v) {
    return apply(x, v, NDArray::add);
  }

  public static NDArray sub(NDArray x, double v) {
    return apply(x, v, NDArray::sub);
  }
}
