package dev.pare.nn;

import dev.pare.tensor.Tensor;
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
 * <p><b>Shape:</b> input {@code [N, C, H, W]}, output {@code [N, C, 1, 1]} (as PyTorch; follow it
 * with {@link Flatten} to get {@code [N, C]}).
 *
 * <p><b>Example:</b>
 * <pre>{@code
 * Tensor y = new GlobalAvgPool2d().forward(Tensor.randn(new Rng(0), 8, 64, 7, 7));   // [8, 64, 1, 1]
 * }</pre>
 */
public final class GlobalAvgPool2d extends Module {
    private static final int[] SPATIAL = {2, 3};

    @Override
    public Tensor forward(Tensor x) {
        if (x.dim() != 4) {
            throw new IllegalArgumentException("GlobalAvgPool2d: input of shape " + Arrays.toString(x.shape())
                    + ": expected 4 dimensions [N, C, H, W]");
        }
        return x.mean(SPATIAL, true);
    }
}
