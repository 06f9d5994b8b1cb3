package dev.pare.tensor.kernels;

import static dev.pare.tensor.kernels.VectorConfig.FLOAT;

import jdk.incubator.vector.FloatVector;

/**
 * Softmax and log-softmax of one contiguous row, each with its scalar twin.
 *
 * <p>softmax(x)ᵢ = e^(xᵢ−m) / Σⱼ e^(xⱼ−m) and logsoftmax(x)ᵢ = (xᵢ − m) − log Σⱼ e^(xⱼ−m), with m the
 * row maximum: subtracting it keeps every exponent ≤ 0, so nothing overflows.
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
        expShifted(x, xo, y, yo, n, m);
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
        s = acc.reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
        for (; i < n; i++) {
            s += (float) Math.exp(x[xo + i] - m);
        }
        // (x − m) − log s, not x − (m + log s): for logits near ±1e4 the float m + log s keeps only
        // three decimals of log s, which is a 1e-3 relative error in every probability.
        UnaryKernels.apply(Unary.SHIFT, -m, 0f, x, xo, 1, y, yo, 1, n);
        UnaryKernels.apply(Unary.SHIFT, -(float) Math.log(s), 0f, y, yo, 1, y, yo, 1, n);
    }

    private static void expShifted(float[] x, int xo, float[] y, int yo, int n, float m) {
        int i = 0;
        int bound = FLOAT.loopBound(n);
        for (; i < bound; i += FLOAT.length()) {
            UnaryKernels.exp(FloatVector.fromArray(FLOAT, x, xo + i).sub(m)).intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            y[yo + i] = (float) Math.exp(x[xo + i] - m);
        }
    }
}
