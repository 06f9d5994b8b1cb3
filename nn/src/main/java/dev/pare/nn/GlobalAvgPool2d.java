package dev.pare.nn;

import dev.pare.tensor.Tensor;
import dev.pare.tensor.kernels.PoolKernels;
import dev.pare.tensor.parallel.Parallel;
import java.util.Arrays;

/**
 * Global average pooling: the mean of each channel over all its pixels, equivalent to PyTorch's
 * {@code AdaptiveAvgPool2d(1)}.
 *
 * <pre>
 *   out[n, c, 0, 0] = (1 / (H·W)) Σ_{y, x} input[n, c, y, x]
 * </pre>
 * It replaces the large fully connected layers at the end of older CNNs: whatever the image size,
 * each channel is summarised by one number, at no cost in parameters.
 *
 * <p>Computed as one op, forward beside backward: each plane's sum on vector lanes (float lanes,
 * added in lane order in double, {@code PoolKernels.planeMeans}), and the backward pass spreads
 * {@code g[n, c] / (H·W)} over the plane. The generic {@code mean} over two axes walks the tensor through strided index
 * arithmetic, which for a 7 × 7 plane cost more than the sum itself.
 *
 * <p><b>Shape:</b> input {@code [N, C, H, W]}, output {@code [N, C, 1, 1]} (as PyTorch; follow it
 * with {@link Flatten} to get {@code [N, C]}).
 *
 * <p><b>Example:</b>
 * <pre>{@code
 * Tensor y = new GlobalAvgPool2d().forward(Tensor.randn(new Rng(0), 8, 64, 7, 7));   // [8, 64, 1, 1]
 * }</pre>
 */
public final class GlobalAvgPool2d extends Module {
    @Override
    public Tensor forward(Tensor x) {
        if (x.dim() != 4) {
            throw new IllegalArgumentException("GlobalAvgPool2d: input of shape " + Arrays.toString(x.shape())
                    + ": expected 4 dimensions [N, C, H, W]");
        }
        if (x.shape()[2] == 0 || x.shape()[3] == 0) {
            throw new IllegalArgumentException("GlobalAvgPool2d: input of shape " + Arrays.toString(x.shape())
                    + " has no pixels to average");
        }
        return mean(x);
    }

    /** {@code out[n, c, 0, 0] = (1/(H·W)) Σ x[n, c, ·, ·]}; backward {@code dx[n, c, y, x] = g[n, c] / (H·W)}. */
    private static Tensor mean(Tensor input) {
        Tensor x = Conv2dOp.contiguous(input);
        int[] s = x.shape();
        int planes = s[0] * s[1];
        int inner = s[2] * s[3];
        float[] xd = x.storage();
        int xo = x.offset();
        float[] out = new float[planes];
        Parallel.forRange(planes, Parallel.grainFor(inner),
                (lo, hi) -> PoolKernels.planeMeans(xd, xo, lo, hi, inner, out));
        Tensor y = Tensor.wrap(out, 0, s[0], s[1], 1, 1);
        return Tensor.recordOp("globalAvgPool2d", y, gradOut -> {
            float[] g = Conv2dOp.contiguous(gradOut).toArray();
            float[] dx = Tensor.backwardArray(planes * inner);   // every element written
            Parallel.forRange(planes, Parallel.grainFor(inner), (lo, hi) -> {
                for (int p = lo; p < hi; p++) {
                    Arrays.fill(dx, p * inner, (p + 1) * inner, g[p] / inner);
                }
            });
            return new Tensor[] {Tensor.wrap(dx, 0, s)};
        }, input);
    }
}
