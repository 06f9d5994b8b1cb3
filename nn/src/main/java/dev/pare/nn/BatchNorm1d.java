package dev.pare.nn;

import dev.pare.tensor.Tensor;
import java.util.Arrays;

/**
 * Batch normalisation over a 2-D input {@code [N, C]} (features) or a 3-D input {@code [N, C, L]}
 * (sequences): every channel is normalised with the mean and variance of its {@code N} (or
 * {@code N·L}) values, then scaled by γ and shifted by β.
 *
 * <pre>
 *   y[n, c, (l)] = (x[n, c, (l)] − μ_c) / √(σ²_c + ε) · γ_c + β_c
 * </pre>
 * with {@code μ_c, σ²_c} the batch statistics in training and the running statistics in
 * evaluation; see {@link BatchNorm} for the update rule and the reasons.
 *
 * <p><b>Args:</b> {@code numFeatures} C; {@code eps} (default 1e-5); {@code momentum} (default 0.1);
 * {@code affine} (default true); {@code trackRunningStats} (default true).
 *
 * <p><b>Shape:</b> input {@code [N, C]} or {@code [N, C, L]}, output the same.
 *
 * <p><b>Example:</b>
 * <pre>{@code
 * BatchNorm1d bn = new BatchNorm1d(256);
 * Tensor y = bn.forward(Tensor.randn(new Rng(0), 64, 256));   // per feature: mean 0, var 1
 * }</pre>
 */
public final class BatchNorm1d extends BatchNorm {
    /** eps = 1e-5, momentum = 0.1, affine, tracking running statistics: PyTorch's defaults. */
    public BatchNorm1d(int numFeatures) {
        this(numFeatures, 1e-5, 0.1, true, true);
    }

    public BatchNorm1d(int numFeatures, double eps, double momentum, boolean affine, boolean trackRunningStats) {
        super(numFeatures, eps, momentum, affine, trackRunningStats);
    }

    @Override
    void checkInput(Tensor x) {
        int[] s = x.shape();
        if (s.length < 2 || s.length > 3 || s[1] != numFeatures()) {
            throw new IllegalArgumentException("BatchNorm1d(" + numFeatures() + "): input of shape "
                    + Arrays.toString(s) + ": expected [N, " + numFeatures() + "] or [N, " + numFeatures() + ", L]");
        }
    }
}
