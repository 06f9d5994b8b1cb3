package dev.pare.nn;

import dev.pare.tensor.Tensor;

/**
 * 2-D max pooling: each output is the largest input in its {@code k × k} window.
 *
 * <pre>
 *   out[n, c, y, x] = max_{0 ≤ i, j &lt; k} xpad[n, c, y·stride + i, x·stride + j]
 * </pre>
 * where {@code xpad} is the input padded with −∞ (padding never wins). The gradient flows only to
 * the winning input of each window (the first one in row-major order on ties); the others get 0.
 *
 * <p><b>Args:</b> {@code kernelSize} k; {@code stride} (default k: non-overlapping windows);
 * {@code padding} (default 0, at most k/2 so that every window sees a real input).
 *
 * <p><b>Shape:</b> input {@code [N, C, H, W]}, output {@code [N, C, OH, OW]} with
 * {@code OH = ⌊(H + 2·padding − k) / stride⌋ + 1}, likewise OW.
 *
 * <p><b>Example:</b>
 * <pre>{@code
 * MaxPool2d pool = new MaxPool2d(2);
 * Tensor y = pool.forward(Tensor.randn(new Rng(0), 8, 32, 28, 28));   // [8, 32, 14, 14]
 * }</pre>
 */
public final class MaxPool2d extends Pool2d {
    /** Non-overlapping {@code k × k} windows. */
    public MaxPool2d(int kernelSize) {
        this(kernelSize, kernelSize, 0);
    }

    public MaxPool2d(int kernelSize, int stride, int padding) {
        super(kernelSize, stride, padding);
    }

    @Override
    protected Tensor pool(Tensor x) {
        return Pooling.maxPool2d(x, kernelSize, stride, padding);
    }
}
