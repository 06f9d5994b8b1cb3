package dev.pare.nn;

import dev.pare.tensor.Tensor;

/**
 * 2-D average pooling: each output is the mean of its {@code k × k} window.
 *
 * <pre>
 *   out[n, c, y, x] = (1 / k²) Σ_{0 ≤ i, j &lt; k} xpad[n, c, y·stride + i, x·stride + j]
 * </pre>
 * where {@code xpad} is the input padded with zeros, and the zeros count in the divisor
 * (PyTorch's default, {@code count_include_pad=True}). Each input receives {@code 1/k²} of the
 * gradient of every window that contains it.
 *
 * <p><b>Args:</b> {@code kernelSize} k; {@code stride} (default k); {@code padding} (default 0,
 * at most k/2).
 *
 * <p><b>Shape:</b> input {@code [N, C, H, W]}, output {@code [N, C, OH, OW]} with
 * {@code OH = ⌊(H + 2·padding − k) / stride⌋ + 1}, likewise OW.
 *
 * <p><b>Example:</b>
 * <pre>{@code
 * AvgPool2d pool = new AvgPool2d(2);
 * Tensor y = pool.forward(Tensor.randn(new Rng(0), 8, 32, 28, 28));   // [8, 32, 14, 14]
 * }</pre>
 */
public final class AvgPool2d extends Pool2d {
    /** Non-overlapping {@code k × k} windows. */
    public AvgPool2d(int kernelSize) {
        this(kernelSize, kernelSize, 0);
    }

    public AvgPool2d(int kernelSize, int stride, int padding) {
        super(kernelSize, stride, padding);
    }

    @Override
    protected Tensor pool(Tensor x) {
        return Pooling.avgPool2d(x, kernelSize, stride, padding);
    }
}
