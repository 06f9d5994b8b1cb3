package dev.pare.nn;

import dev.pare.tensor.Tensor;
import dev.pare.tensor.kernels.LayerNormKernels;
import dev.pare.tensor.parallel.Parallel;

/**
 * Layer normalisation as one differentiable op, forward beside backward. The formulas and their
 * derivation are in {@link LayerNormKernels}; this class only walks the rows.
 *
 * <p>The input is seen as {@code rows × n}, with n the product of the normalised (trailing)
 * dimensions. The forward pass keeps two floats per row, μ and 1/σ, and recomputes x̂ from the
 * input when the backward pass needs it.
 *
 * <p>Threads and determinism: rows are independent in the forward pass and for dx, so they are
 * split over threads freely. dγ and dβ are sums over rows; instead of per-thread partial sums
 * (whose addition order would depend on the thread count), the <em>columns</em> are split, and
 * each task adds every row into its columns in row order. Results are therefore the same for any
 * thread count.
 */
final class LayerNormOp {
    private LayerNormOp() {}

    /**
     * @param input  {@code [*, n]} after flattening the normalised dimensions into the last
     * @param n      number of values normalised together (product of normalized_shape)
     * @param weight γ with n elements, or null
     * @param bias   β with n elements, or null (only when weight is null too)
     */
    static Tensor forward(Tensor input, int n, Tensor weight, Tensor bias, double eps) {
        Tensor x = Conv2dOp.contiguous(input);
        int[] shape = x.shape();
        int rows = x.numel() / n;
        float[] xd = x.storage();
        int xo = x.offset();
        float[] gamma = weight == null ? null : Conv2dOp.contiguous(weight).toArray();
        float[] beta = bias == null ? null : Conv2dOp.contiguous(bias).toArray();
        float[] stats = new float[2 * rows]; // μ, 1/σ per row
        float[] y = new float[x.numel()];
        Parallel.forRange(rows, Parallel.grainFor(3L * n), (lo, hi) -> {
            for (int r = lo; r < hi; r++) {
                LayerNormKernels.moments(xd, xo + r * n, n, eps, stats, 2 * r);
                LayerNormKernels.normalize(xd, xo + r * n, stats[2 * r], stats[2 * r + 1], gamma, beta, 0, y, r * n, n);
            }
        });
        Tensor out = Tensor.wrap(y, 0, shape);

        return Tensor.recordOp("layerNorm", out, gradOut -> {
            Tensor gc = Conv2dOp.contiguous(gradOut);
            float[] gd = gc.storage();
            int go = gc.offset();
            float[] dx = null;
            if (input.requiresGrad()) {
                float[] d = new float[y.length];
                Parallel.forRange(rows, Parallel.grainFor(4L * n), (lo, hi) -> {
                    for (int r = lo; r < hi; r++) {
                        LayerNormKernels.backwardRow(xd, xo + r * n, gd, go + r * n, stats[2 * r], stats[2 * r + 1],
                                gamma, d, r * n, n);
                    }
                });
                dx = d;
            }
            float[] dGamma = null;
            float[] dBeta = null;
            if (gamma != null && (weight.requiresGrad() || bias != null && bias.requiresGrad())) {
                float[] dg = new float[n];
                float[] db = new float[n];
                // Split the columns, never the sum over rows: see the class comment. Pieces of
                // whole vectors, so each task's loop reaches loopBound before its scalar tail.
                int block = 4 * dev.pare.tensor.kernels.VectorConfig.FLOAT_LANES;
                int blocks = (n + block - 1) / block;
                Parallel.forRange(blocks, Parallel.grainFor(3L * rows * block), (lo, hi) -> {
                    int from = lo * block;
                    int to = Math.min(n, hi * block);
                    for (int r = 0; r < rows; r++) {
                        LayerNormKernels.accumulateAffine(xd, xo + r * n, gd, go + r * n, stats[2 * r],
                                stats[2 * r + 1], dg, db, from, to);
                    }
                });
                dGamma = dg;
                dBeta = db;
            }
            return new Tensor[] {
                dx == null ? null : Tensor.wrap(dx, 0, shape),
                dGamma == null ? null : Tensor.wrap(dGamma, 0, weight.shape()),
                dBeta == null || bias == null ? null : Tensor.wrap(dBeta, 0, bias.shape())
            };
        }, input, weight, bias);
    }
}
