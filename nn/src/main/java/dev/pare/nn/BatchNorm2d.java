package dev.pare.nn;

import dev.pare.tensor.Tensor;
import java.util.Arrays;

/**
 * Batch normalisation over a 4-D input {@code [N, C, H, W]}: every channel is normalised with the
 * mean and variance of its {@code N·H·W} values, then scaled by γ and shifted by β.
 *
 * <pre>
 *   y[n, c, h, w] = (x[n, c, h, w] − μ_c) / √(σ²_c + ε) · γ_c + β_c
 * </pre>
 * with {@code μ_c, σ²_c} the batch statistics in training and the running statistics in
 * evaluation; see {@link BatchNorm} for the update rule and the reasons.
 *
 * <p><b>Args:</b> {@code numFeatures} C; {@code eps} (default 1e-5); {@code momentum} (default 0.1);
 * {@code affine} (default true); {@code trackRunningStats} (default true).
 *
 * <p><b>Shape:</b> input {@code [N, C, H, W]}, output the same.
 *
 * <p><b>Example:</b>
 * <pre>{@code
 * BatchNorm2d bn = new BatchNorm2d(32);
 * Tensor y = bn.forward(Tensor.randn(new Rng(0), 16, 32, 14, 14));   // per channel: mean 0, var 1
 * bn.eval();                                                          // now uses running_mean/var
 * }</pre>
 */
public final class BatchNorm2d extends BatchNorm {
    /** eps = 1e-5, momentum = 0.1, affine, tracking running statistics: PyTorch's defaults. */
    public BatchNorm2d(int numFeatures) {
        this(numFeatures, 1e-5, 0.1, true, true);
    }

    public BatchNorm2d(int numFeatures, double eps, double momentum, boolean affine, boolean trackRunningStats) {
        super(numFeatures, eps, momentum, affine, trackRunningStats);
    }

    @Override
    void checkInput(Tensor x) {
        int[] s = x.shape();
        if (s.length != 4 || s[1] != numFeatures()) {
            throw new IllegalArgumentException("BatchNorm2d(" + numFeatures() + "): input of shape "
                    + Arrays.toString(s) + ": expected [N, " + numFeatures() + ", H, W]");
        }
    }
}
