package dev.pare.nn;

import dev.pare.tensor.Tensor;

/**
 * Gaussian error linear unit, elementwise, the exact form (PyTorch's default):
 * {@code GELU(x) = x · Φ(x) = x · ½ (1 + erf(x / √2))}, where Φ is the standard normal CDF.
 *
 * <p>A smooth ReLU: it weights each input by the probability that a standard normal variable is
 * below it, so it is differentiable everywhere and slightly negative for small negative inputs.
 * Used by Transformers (BERT, GPT, ViT).
 *
 * <p>Forward and backward run on the Vector API ({@link dev.pare.tensor.kernels.GeluKernels}),
 * within 4e-7·max(1, |x|) of the exact function; PyTorch's {@code approximate="tanh"} variant,
 * which differs from it by up to about 5e-4, is not what this computes.
 *
 * <p><b>Shape:</b> any; the output has the input's shape.
 *
 * <p><b>Example:</b>
 * <pre>{@code
 * Tensor y = new GELU().forward(Tensor.fromArray(-1f, 0f, 1f));   // [-0.1587, 0, 0.8413]
 * }</pre>
 */
public final class GELU extends Module {
    @Override
    public Tensor forward(Tensor x) {
        return x.gelu();
    }
}
