package dev.pare.tensor.kernels;

import static dev.pare.tensor.kernels.VectorConfig.FLOAT;

import jdk.incubator.vector.FloatVector;

/**
 * Layer normalisation of one contiguous row of n values, forward and backward, each with its
 * scalar twin.
 *
 * <h2>Forward</h2>
 * <pre>
 *   μ = (1/n) Σ xᵢ,   σ² = (1/n) Σ (xᵢ − μ)²,   r = 1/√(σ² + ε),   x̂ᵢ = (xᵢ − μ)·r,   yᵢ = γᵢ·x̂ᵢ + βᵢ
 * </pre>
 * {@link #moments} computes μ and r in two passes: the squares are taken of deviations from the
 * mean, never as Σx² − nμ², which cancels catastrophically when the mean is large against the
 * spread (activations of 1000 ± 1 lose every digit of σ² in float). {@link #normalize} is the
 * elementwise pass.
 *
 * <h2>Backward</h2>
 * With g = dL/dy and ĝᵢ = γᵢ·gᵢ (the gradient reaching x̂), μ and r depend on every xᵢ of the
 * row, so dx collects three paths (direct, through μ, through σ²); simplified:
 * <pre>
 *   dxᵢ = r · (ĝᵢ − mean(ĝ) − x̂ᵢ · mean(ĝ ⊙ x̂)),      dγᵢ = Σ_rows gᵢ·x̂ᵢ,   dβᵢ = Σ_rows gᵢ
 * </pre>
 * {@link #backwardRow} gives dx of one row; {@link #accumulateAffine} adds one row's share of dγ
 * and dβ over a range of columns, so that a caller can split the columns over threads and still
 * sum every column over the rows in the same order.
 *
 * <p>x̂ is recomputed from x, μ and r in the backward pass instead of being stored: one full-size
 * array fewer per layer, for a subtract and a multiply per element.
 */
public final class LayerNormKernels {
    private LayerNormKernels() {}

    /** Scalar twin of {@link #moments}. */
    public static void momentsScalar(float[] x, int xo, int n, double eps, float[] stats, int so) {
        float mean = ReduceKernels.sumScalar(x, xo, 1, n) / n;
        float sq = ReduceKernels.sumSquaredDeviationsScalar(x, xo, n, mean);
        stats[so] = mean;
        stats[so + 1] = invStd(sq, n, eps);
    }

    /**
     * stats[so] = μ and stats[so + 1] = r = 1/√(σ² + ε) of x[xo..xo+n), with the biased σ² (divided
     * by n, as PyTorch's LayerNorm does). n must be positive.
     */
    public static void moments(float[] x, int xo, int n, double eps, float[] stats, int so) {
        float mean = ReduceKernels.sum(x, xo, 1, n) / n;
        float sq = ReduceKernels.sumSquaredDeviations(x, xo, n, mean);
        stats[so] = mean;
        stats[so + 1] = invStd(sq, n, eps);
    }

    private static float invStd(float sumSq, int n, double eps) {
        // In double: σ² + ε with ε = 1e-5 and σ² ≈ 1 would lose half of ε's digits in float.
        return (float) (1.0 / Math.sqrt((double) sumSq / n + eps));
    }

    /** Scalar twin of {@link #normalize}. */
    public static void normalizeScalar(float[] x, int xo, float mean, float invStd,
                                       float[] gamma, float[] beta, int wo, float[] y, int yo, int n) {
        for (int i = 0; i < n; i++) {
            float v = (x[xo + i] - mean) * invStd;
            if (gamma != null) {
                v = v * gamma[wo + i] + beta[wo + i];
            }
            y[yo + i] = v;
        }
    }

    /**
     * y[yo + i] = (x[xo + i] − μ)·r·γ[wo + i] + β[wo + i] for i &lt; n; without γ and β when
     * {@code gamma} is null ({@code beta} is then ignored). y may be x's own region. The vector
     * loop rounds after every operation, like the twin (no fused multiply-add): the same bits.
     */
    public static void normalize(float[] x, int xo, float mean, float invStd,
                                 float[] gamma, float[] beta, int wo, float[] y, int yo, int n) {
        int i = 0;
        int bound = FLOAT.loopBound(n);
        if (gamma == null) {
            for (; i < bound; i += FLOAT.length()) {
                FloatVector.fromArray(FLOAT, x, xo + i).sub(mean).mul(invStd).intoArray(y, yo + i);
            }
        } else {
            for (; i < bound; i += FLOAT.length()) {
                FloatVector v = FloatVector.fromArray(FLOAT, x, xo + i).sub(mean).mul(invStd);
                v.mul(FloatVector.fromArray(FLOAT, gamma, wo + i)).add(FloatVector.fromArray(FLOAT, beta, wo + i))
                        .intoArray(y, yo + i);
            }
        }
        normalizeScalar(x, xo + i, mean, invStd, gamma, beta, wo + i, y, yo + i, n - i);
    }

    /** Scalar twin of {@link #backwardRow}. */
    public static void backwardRowScalar(float[] x, int xo, float[] g, int go, float mean, float invStd,
                                         float[] gamma, float[] dx, int dxo, int n) {
        float sumG = 0f;
        float sumGx = 0f;
        for (int i = 0; i < n; i++) {
            float gh = gamma == null ? g[go + i] : g[go + i] * gamma[i];
            float xh = (x[xo + i] - mean) * invStd;
            sumG += gh;
            sumGx += gh * xh;
        }
        float a = sumG / n;
        float c = sumGx / n;
        for (int i = 0; i < n; i++) {
            float gh = gamma == null ? g[go + i] : g[go + i] * gamma[i];
            float xh = (x[xo + i] - mean) * invStd;
            dx[dxo + i] = invStd * (gh - a - xh * c);
        }
    }

    /**
     * dx[dxo + i] = r·(ĝᵢ − mean(ĝ) − x̂ᵢ·mean(ĝ ⊙ x̂)) for one row, ĝ = γ ⊙ g (g alone when
     * {@code gamma} is null). dx may be g's own region: both sums are complete before it is
     * written.
     */
    public static void backwardRow(float[] x, int xo, float[] g, int go, float mean, float invStd,
                                   float[] gamma, float[] dx, int dxo, int n) {
        int lanes = FLOAT.length();
        int bound = FLOAT.loopBound(n);
        FloatVector accG = FloatVector.zero(FLOAT);
        FloatVector accGx = FloatVector.zero(FLOAT);
        int i = 0;
        // One loop per case keeps the test of γ out of the loop body.
        if (gamma == null) {
            for (; i < bound; i += lanes) {
                FloatVector gh = FloatVector.fromArray(FLOAT, g, go + i);
                FloatVector xh = FloatVector.fromArray(FLOAT, x, xo + i).sub(mean).mul(invStd);
                accG = accG.add(gh);
                accGx = gh.fma(xh, accGx);
            }
        } else {
            for (; i < bound; i += lanes) {
                FloatVector gh = FloatVector.fromArray(FLOAT, g, go + i).mul(FloatVector.fromArray(FLOAT, gamma, i));
                FloatVector xh = FloatVector.fromArray(FLOAT, x, xo + i).sub(mean).mul(invStd);
                accG = accG.add(gh);
                accGx = gh.fma(xh, accGx);
            }
        }
        float sumG = ReduceKernels.sumLanes(accG);
        float sumGx = ReduceKernels.sumLanes(accGx);
        for (int j = i; j < n; j++) {
            float gh = gamma == null ? g[go + j] : g[go + j] * gamma[j];
            float xh = (x[xo + j] - mean) * invStd;
            sumG += gh;
            sumGx += gh * xh;
        }
        float a = sumG / n;
        float c = sumGx / n;
        i = 0;
        if (gamma == null) {
            for (; i < bound; i += lanes) {
                FloatVector gh = FloatVector.fromArray(FLOAT, g, go + i);
                FloatVector xh = FloatVector.fromArray(FLOAT, x, xo + i).sub(mean).mul(invStd);
                gh.sub(a).sub(xh.mul(c)).mul(invStd).intoArray(dx, dxo + i);
            }
        } else {
            for (; i < bound; i += lanes) {
                FloatVector gh = FloatVector.fromArray(FLOAT, g, go + i).mul(FloatVector.fromArray(FLOAT, gamma, i));
                FloatVector xh = FloatVector.fromArray(FLOAT, x, xo + i).sub(mean).mul(invStd);
                gh.sub(a).sub(xh.mul(c)).mul(invStd).intoArray(dx, dxo + i);
            }
        }
        for (; i < n; i++) {
            float gh = gamma == null ? g[go + i] : g[go + i] * gamma[i];
            float xh = (x[xo + i] - mean) * invStd;
            dx[dxo + i] = invStd * (gh - a - xh * c);
        }
    }

    /** Scalar twin of {@link #accumulateAffine}. */
    public static void accumulateAffineScalar(float[] x, int xo, float[] g, int go, float mean, float invStd,
                                              float[] dGamma, float[] dBeta, int from, int to) {
        for (int i = from; i < to; i++) {
            float xh = (x[xo + i] - mean) * invStd;
            dGamma[i] += g[go + i] * xh;
            dBeta[i] += g[go + i];
        }
    }

    /**
     * One row's share of the affine gradients over columns [from, to): dγ[i] += g[i]·x̂[i] and
     * dβ[i] += g[i], with x̂ recomputed as in the forward pass. Multiply then add, each rounded,
     * as the twin does: the same bits.
     */
    public static void accumulateAffine(float[] x, int xo, float[] g, int go, float mean, float invStd,
                                        float[] dGamma, float[] dBeta, int from, int to) {
        int i = from;
        int bound = from + FLOAT.loopBound(to - from);
        for (; i < bound; i += FLOAT.length()) {
            FloatVector vg = FloatVector.fromArray(FLOAT, g, go + i);
            FloatVector xh = FloatVector.fromArray(FLOAT, x, xo + i).sub(mean).mul(invStd);
            FloatVector.fromArray(FLOAT, dGamma, i).add(vg.mul(xh)).intoArray(dGamma, i);
            FloatVector.fromArray(FLOAT, dBeta, i).add(vg).intoArray(dBeta, i);
        }
        accumulateAffineScalar(x, xo, g, go, mean, invStd, dGamma, dBeta, i, to);
    }
}
