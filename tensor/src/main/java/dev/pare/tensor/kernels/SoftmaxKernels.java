package dev.pare.tensor.kernels;

import static dev.pare.tensor.kernels.VectorConfig.FLOAT;

import jdk.incubator.vector.FloatVector;

/**
 * Softmax and log-softmax of one contiguous row, and the backward of softmax, each with its
 * scalar twin.
 *
 * <p>softmax(x)ᵢ = e^(xᵢ−m) / Σⱼ e^(xⱼ−m) and logsoftmax(x)ᵢ = (xᵢ − m) − log Σⱼ e^(xⱼ−m), with m the
 * row maximum: subtracting it keeps every exponent ≤ 0, so nothing overflows.
 *
 * <p>Trap: computing xᵢ − (m + log Σ) instead rounds m + log Σ to the precision of m, so for
 * logits near 1e4 (float spacing 0.001) the result loses three digits. Subtract m first.
 */
public final class SoftmaxKernels {
    private SoftmaxKernels() {}

    /** Scalar twin of {@link #softmax}. */
    public static void softmaxScalar(float[] x, int xo, float[] y, int yo, int n) {
        float m = ReduceKernels.maxScalar(x, xo, 1, n);
        float s = 0f;
        for (int i = 0; i < n; i++) {
            float e = (float) Math.exp(x[xo + i] - m);
            y[yo + i] = e;
            s += e;
        }
        float inv = 1f / s;
        for (int i = 0; i < n; i++) {
            y[yo + i] *= inv;
        }
    }

    /** y[yo..yo+n) = softmax(x[xo..xo+n)). */
    public static void softmax(float[] x, int xo, float[] y, int yo, int n) {
        float m = ReduceKernels.max(x, xo, 1, n);
        UnaryKernels.expShifted(x, xo, m, y, yo, n);
        float inv = 1f / ReduceKernels.sum(y, yo, 1, n);
        UnaryKernels.apply(Unary.SCALE, inv, 0f, y, yo, 1, y, yo, 1, n);
    }

    /** Scalar twin of {@link #logSoftmax}. */
    public static void logSoftmaxScalar(float[] x, int xo, float[] y, int yo, int n) {
        float m = ReduceKernels.maxScalar(x, xo, 1, n);
        float s = 0f;
        for (int i = 0; i < n; i++) {
            s += (float) Math.exp(x[xo + i] - m);
        }
        float logSum = (float) Math.log(s);
        for (int i = 0; i < n; i++) {
            y[yo + i] = (x[xo + i] - m) - logSum;
        }
    }

    /** y[yo..yo+n) = logsoftmax(x[xo..xo+n)); y may be the same array region as x. */
    public static void logSoftmax(float[] x, int xo, float[] y, int yo, int n) {
        float m = ReduceKernels.max(x, xo, 1, n);
        // Sum the exponentials without storing them: y may alias x.
        float s = 0f;
        int i = 0;
        int bound = FLOAT.loopBound(n);
        FloatVector acc = FloatVector.zero(FLOAT);
        for (; i < bound; i += FLOAT.length()) {
            acc = acc.add(UnaryKernels.exp(FloatVector.fromArray(FLOAT, x, xo + i).sub(m)));
        }
        s = ReduceKernels.sumLanes(acc);
        for (; i < n; i++) {
            s += (float) Math.exp(x[xo + i] - m);
        }
        float logSum = (float) Math.log(s);
        i = 0;
        for (; i < bound; i += FLOAT.length()) {
            FloatVector.fromArray(FLOAT, x, xo + i).sub(m).sub(logSum).intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            y[yo + i] = (x[xo + i] - m) - logSum;
        }
    }

    /** Scalar twin of {@link #softmaxBackward}. */
    public static void softmaxBackwardScalar(float[] y, int yo, float[] g, int go, float[] dx, int dxo, int n) {
        float dot = ReduceKernels.dotScalar(g, go, 1, y, yo, 1, n);
        for (int i = 0; i < n; i++) {
            dx[dxo + i] = y[yo + i] * (g[go + i] - dot);
        }
    }

    /**
     * The backward of softmax for one row: dx[i] = y[i]·(g[i] − Σⱼ g[j]·y[j]), with y the
     * forward output and g = dL/dy.
     *
     * <p>Why: ∂yⱼ/∂xᵢ = yⱼ(δᵢⱼ − yᵢ), so dxᵢ = Σⱼ gⱼ·yⱼ(δᵢⱼ − yᵢ) = yᵢ·gᵢ − yᵢ·Σⱼ gⱼyⱼ. The
     * Jacobian is never built: one dot product and one pass. Only y is needed, not x. dx may be
     * the same region as g (each g[i] is read before dx[i] is written, after the dot is done).
     */
    public static void softmaxBackward(float[] y, int yo, float[] g, int go, float[] dx, int dxo, int n) {
        float dot = ReduceKernels.dot(g, go, 1, y, yo, 1, n);
        int i = 0;
        int bound = FLOAT.loopBound(n);
        for (; i < bound; i += FLOAT.length()) {
            FloatVector vy = FloatVector.fromArray(FLOAT, y, yo + i);
            // Subtract, then multiply, as the scalar twin does: no fused multiply-add, same bits.
            vy.mul(FloatVector.fromArray(FLOAT, g, go + i).sub(dot)).intoArray(dx, dxo + i);
        }
        for (; i < n; i++) {
            dx[dxo + i] = y[yo + i] * (g[go + i] - dot);
        }
    }
}
