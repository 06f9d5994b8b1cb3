package dev.pare.nn;

import dev.pare.tensor.ForwardArrays;
import dev.pare.tensor.Tensor;
import dev.pare.tensor.kernels.BatchNormKernels;
import dev.pare.tensor.parallel.Parallel;

/**
 * Batch normalisation with batch statistics (training mode) as one differentiable op, forward
 * beside backward.
 *
 * <h2>Forward</h2>
 * For each channel {@code c}, over its {@code m} values (all batch and spatial positions):
 * <pre>
 *   μ = (1/m) Σ x,   σ² = (1/m) Σ (x − μ)²,   x̂ = (x − μ) / √(σ² + ε),   y = γ·x̂ + β
 * </pre>
 *
 * <h2>Backward</h2>
 * Because μ and σ² depend on every x of the channel, each input's gradient has three parts: the
 * direct path through x̂, and the paths through μ and through σ². Summed and simplified:
 * <pre>
 *   dβ = Σ g,   dγ = Σ g·x̂,   dx = γ / (m·√(σ² + ε)) · (m·g − Σ g − x̂·Σ g·x̂)
 * </pre>
 * (The two subtracted terms remove from the gradient its component along the constant direction
 * and along x̂: moving every input of a channel by the same amount, or scaling them about their
 * mean, does not change the normalised output.)
 *
 * <p>Building the same thing from tensor ops (mean, subtract, square, mean, divide, multiply, add)
 * gives the same gradients through autograd, but stores five full-size intermediate tensors and
 * walks the data about fifteen times; this op keeps nothing but μ and 1/σ per channel (x̂ is
 * recomputed from the input in the backward pass), walks a channel three times forward (sum,
 * squared deviations, output) and twice backward (both sums in one sweep, then dx), each sweep
 * one {@link BatchNormKernels} call over all the planes of the channel.
 *
 * <p>Channels are split over threads; each channel's sums are computed by one thread in a fixed
 * order (vector lanes within a plane, double lanes across planes, so that a channel of a million
 * values loses no precision), so the results do not depend on the thread count.
 */
final class BatchNormOp {
    private BatchNormOp() {}

    /**
     * Normalises {@code input} ({@code [N, C, *]}) with its own per-channel statistics.
     *
     * @param weight    γ {@code [C]}, or null for 1
     * @param bias      β {@code [C]}, or null for 0
     * @param batchMean filled with μ per channel (for the running statistics)
     * @param batchVar  filled with the biased σ² per channel
     * @param relu      whether a ReLU follows, fused: the output is {@code y < 0 ? 0 : y}, and the
     *                  backward pass zeroes the gradient where that output is not positive,
     *                  inside its own sweeps, so no ReLU output or gradient array is made
     */
    static Tensor train(Tensor input, Tensor weight, Tensor bias, double eps, float[] batchMean, float[] batchVar,
                        boolean relu) {
        Tensor x = Conv2dOp.contiguous(input);
        int[] shape = x.shape();
        int n = shape[0];
        int c = shape[1];
        int inner = x.numel() / (n * c);   // values of one channel in one sample
        int m = n * inner;
        float[] xd = x.storage();
        int xo = x.offset();
        float[] gamma = weight == null ? null : Conv2dOp.contiguous(weight).toArray();
        float[] beta = bias == null ? null : Conv2dOp.contiguous(bias).toArray();
        float[] y = new float[x.numel()];
        float[] mean = new float[c];
        float[] invStd = new float[c];

        int stride = c * inner;
        Parallel.forRange(c, Parallel.grainFor(2L * n * inner), (lo, hi) -> {
            double[] lanes = new double[BatchNormKernels.scratchLength()];
            for (int ch = lo; ch < hi; ch++) {
                int off = xo + ch * inner;
                float mu = (float) (BatchNormKernels.sum(xd, off, stride, n, inner, lanes) / m);
                // Two passes: Σ(x − μ)² does not cancel catastrophically the way Σx² − mμ² does.
                double var = BatchNormKernels.squaredDeviations(xd, off, stride, n, inner, mu, lanes) / m;
                float is = (float) (1.0 / Math.sqrt(var + eps));
                float gm = gamma == null ? 1f : gamma[ch];
                float bt = beta == null ? 0f : beta[ch];
                BatchNormKernels.normalize(xd, off, y, ch * inner, stride, n, inner, mu, is, gm, bt, relu);
                batchMean[ch] = mu;
                batchVar[ch] = (float) var;
                mean[ch] = mu;
                invStd[ch] = is;
            }
        });
        Tensor out = Tensor.wrap(y, 0, shape);

        return Tensor.recordOp(relu ? "batchNormRelu" : "batchNorm", out, gradOut -> {
            Tensor gc = Conv2dOp.contiguous(gradOut);
            float[] gd = gc.storage();
            int go = gc.offset();
            float[] dx = input.requiresGrad() ? Tensor.backwardArray(y.length) : null;   // every element written
            float[] dGamma = new float[c];
            float[] dBeta = new float[c];
            Parallel.forRange(c, Parallel.grainFor(2L * n * inner), (lo, hi) -> {
                // x̂ is recomputed from the saved input inside both sweeps, with the forward
                // pass's float operations (so the same bits), instead of being kept: one
                // full-size array less written per step. The fused ReLU's mask is recomputed
                // from x̂ with the forward pass's γ and β (copied then), rather than read back
                // from its output.
                //
                // Both sweeps go a block of samples at a time, through this thread's channels
                // within each block: the planes then come in the order they lie in memory, which
                // the hardware prefetchers follow (BatchNormKernels.gradSumsBlock); each
                // channel's sums keep the order of a whole-channel sweep.
                int state = BatchNormKernels.gradStateLength();
                double[] running = new double[(hi - lo) * state];
                float[] part = new float[2 * BatchNormKernels.scratchLength()];
                int block = Math.min(BatchNormKernels.planesPerBlock(inner), Math.max(1, n));
                for (int s0 = 0; s0 < n; s0 += block) {
                    int planes = Math.min(block, n - s0);
                    for (int ch = lo; ch < hi; ch++) {
                        BatchNormKernels.gradSumsBlock(gd, go + s0 * stride + ch * inner, xd, xo + s0 * stride + ch * inner,
                                relu, gamma == null ? 1f : gamma[ch], beta == null ? 0f : beta[ch], stride, planes,
                                inner, mean[ch], invStd[ch], part, running, (ch - lo) * state);
                    }
                }
                double[] sums = new double[2];
                float[] sumG = new float[hi - lo];
                float[] sumGx = new float[hi - lo];
                for (int ch = lo; ch < hi; ch++) {
                    BatchNormKernels.finishGradSums(running, (ch - lo) * state, sums);
                    dBeta[ch] = (float) sums[0];
                    dGamma[ch] = (float) sums[1];
                    sumG[ch - lo] = (float) sums[0];
                    sumGx[ch - lo] = (float) sums[1];
                }
                if (dx == null) {
                    return;
                }
                for (int s0 = 0; s0 < n; s0 += block) {
                    int planes = Math.min(block, n - s0);
                    for (int ch = lo; ch < hi; ch++) {
                        float gm = gamma == null ? 1f : gamma[ch];
                        float bt = beta == null ? 0f : beta[ch];
                        int at = s0 * stride + ch * inner;
                        BatchNormKernels.inputGrad(gd, go + at, xd, xo + at, relu, gm, bt, dx, at, stride, planes, inner,
                                mean[ch], invStd[ch], gm * invStd[ch] / m, m, sumG[ch - lo], sumGx[ch - lo]);
                    }
                }
            });
            return new Tensor[] {
                dx == null ? null : Tensor.wrap(dx, 0, shape),
                weight == null ? null : Tensor.wrap(dGamma, 0, c),
                bias == null ? null : Tensor.wrap(dBeta, 0, c)
            };
        }, input, weight, bias);
    }

    /**
     * Evaluation-mode batch normalisation with fixed statistics, without recording a graph:
     * <pre>
     *   y[n, c, …] = ((x[n, c, …] − μ_c) / s_c) · γ_c + β_c,    s_c = √(σ²_c + ε)
     * </pre>
     * in one pass with one output array. The caller computes {@code s} with the same tensor ops
     * the autograd path uses, and {@link BatchNormKernels#evalAffine} applies the same four float operations in the same
     * order as {@code x.sub(μ).div(s).mul(γ).add(β)} (each rounded to float, no fused multiply-add),
     * so the result is bit-for-bit that of the unfused path, which allocates four full-size
     * tensors. (Trap: rewriting it as {@code x·(γ/s) + (β − μ·γ/s)} would be cheaper, but rounds
     * differently.)
     *
     * @param input  {@code [N, C, *]}
     * @param mean   μ {@code [C]}
     * @param scale  s {@code [C]} (any view of C values)
     * @param weight γ {@code [C]}, or null for the plain {@code (x − μ)/s}
     * @param bias   β {@code [C]}, null exactly when {@code weight} is
     * @param relu   whether a ReLU follows, applied to each plane just after it is written
     */
    static Tensor affine(Tensor input, Tensor mean, Tensor scale, Tensor weight, Tensor bias, boolean relu) {
        Tensor x = Conv2dOp.contiguous(input);
        int[] shape = x.shape();
        int n = shape[0];
        int c = shape[1];
        int inner = n * c == 0 ? 0 : x.numel() / (n * c);
        float[] xd = x.storage();
        int xo = x.offset();
        ChannelMap map = ChannelMap.of(mean, scale, weight, bias, relu);
        float[] y = ForwardArrays.take(x.numel());   // every element is written below
        Parallel.forRange(n * c, Parallel.grainFor(inner), (lo, hi) -> {
            for (int plane = lo; plane < hi; plane++) {
                map.apply(xd, xo + plane * inner, y, plane * inner, plane % c, inner);
            }
        });
        return Tensor.wrap(y, 0, shape);
    }

    /**
     * {@link #affine}'s arithmetic as a {@link PlaneEpilogue}: each plane of channel c becomes
     * {@code ((x − μ_c) / s_c) · γ_c + β_c}, then its ReLU when {@code relu}, in place; the same
     * kernel and operands, so the same bits.
     */
    static PlaneEpilogue affineEpilogue(Tensor mean, Tensor scale, Tensor weight, Tensor bias, boolean relu) {
        ChannelMap map = ChannelMap.of(mean, scale, weight, bias, relu);
        return (data, offset, ch, length) -> map.apply(data, offset, data, offset, ch, length);
    }

    /** The per-channel operands of the evaluation map, read out of their tensors once per call. */
    private record ChannelMap(float[] mu, float[] sc, float[] gamma, float[] beta, boolean relu) {
        static ChannelMap of(Tensor mean, Tensor scale, Tensor weight, Tensor bias, boolean relu) {
            return new ChannelMap(Conv2dOp.contiguous(mean).toArray(), Conv2dOp.contiguous(scale).toArray(),
                    weight == null ? null : Conv2dOp.contiguous(weight).toArray(),
                    bias == null ? null : Conv2dOp.contiguous(bias).toArray(), relu);
        }

        /** y[yo ..] = the map of channel {@code ch} applied to the {@code length} floats at x[xo ..] (x may be y). */
        void apply(float[] x, int xo, float[] y, int yo, int ch, int length) {
            BatchNormKernels.evalAffine(x, xo, y, yo, length, 1, length, mu[ch], sc[ch], gamma != null,
                    gamma == null ? 1f : gamma[ch], beta == null ? 0f : beta[ch], relu);
        }
    }
}
