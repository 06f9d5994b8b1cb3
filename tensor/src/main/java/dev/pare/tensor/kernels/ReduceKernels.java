package dev.pare.tensor.kernels;

import static dev.pare.tensor.kernels.VectorConfig.FLOAT;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Reductions and the two level-1 BLAS updates that the rest of Pare leans on, each with its
 * scalar twin:
 * <ul>
 *   <li>{@link #sum} and {@link #max} of a run;</li>
 *   <li>{@link #dot}, Σ x[i]·y[i];</li>
 *   <li>{@link #axpy}, y[i] += α·x[i] (gradient accumulation, optimizer steps, column sums).</li>
 * </ul>
 *
 * <p>Trap: a vector sum adds in a different order from the scalar loop, so the two differ in the
 * last bits. Tests compare them with a tolerance that grows with n; what must hold exactly is
 * that the same kernel on the same input always gives the same bits, which it does because the
 * order depends only on n and the species, never on threads or timing.
 */
public final class ReduceKernels {
    private ReduceKernels() {}

    /**
     * The sum of the lanes of {@code v}, added in lane order.
     *
     * <p>Trap: {@code v.reduceLanes(ADD)} leaves the order of the additions unspecified, and it
     * really differs: interpreted and C1-compiled code add the lanes one after the other, while
     * C2 on JDK 21+ adds them as a tree. The same kernel on the same input then gives different
     * bits before and after warm-up, and determinism is lost. A fixed-order loop costs a few
     * cycles once per reduction.
     */
    public static float sumLanes(FloatVector v) {
        float s = 0f;
        for (int i = 0; i < v.length(); i++) {
            s += v.lane(i);
        }
        return s;
    }

    /** Scalar twin of {@link #sum}: Σ x[o + i·s] for i &lt; n, left to right. */
    public static float sumScalar(float[] x, int o, int s, int n) {
        float acc = 0f;
        for (int i = 0; i < n; i++) {
            acc += x[o + i * s];
        }
        return acc;
    }

    /** Σ x[o + i·s] for i &lt; n; contiguous runs use four vector accumulators. */
    public static float sum(float[] x, int o, int s, int n) {
        if (s != 1) {
            return sumScalar(x, o, s, n);
        }
        int lanes = FLOAT.length();
        // Four independent accumulators hide the latency of the vector add (4 cycles on most
        // cores): one accumulator would make each add wait for the previous one.
        FloatVector a0 = FloatVector.zero(FLOAT);
        FloatVector a1 = FloatVector.zero(FLOAT);
        FloatVector a2 = FloatVector.zero(FLOAT);
        FloatVector a3 = FloatVector.zero(FLOAT);
        int i = 0;
        int bound4 = n - 4 * lanes + 1;
        for (; i < bound4; i += 4 * lanes) {
            a0 = a0.add(FloatVector.fromArray(FLOAT, x, o + i));
            a1 = a1.add(FloatVector.fromArray(FLOAT, x, o + i + lanes));
            a2 = a2.add(FloatVector.fromArray(FLOAT, x, o + i + 2 * lanes));
            a3 = a3.add(FloatVector.fromArray(FLOAT, x, o + i + 3 * lanes));
        }
        int bound = FLOAT.loopBound(n);
        for (; i < bound; i += lanes) {
            a0 = a0.add(FloatVector.fromArray(FLOAT, x, o + i));
        }
        float acc = sumLanes(a0.add(a1).add(a2.add(a3)));
        return acc + sumScalar(x, o + i, 1, n - i);
    }

    /** Scalar twin of {@link #max}: the largest of x[o + i·s], NaN if any is NaN, −∞ if n = 0. */
    public static float maxScalar(float[] x, int o, int s, int n) {
        float m = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            m = Math.max(m, x[o + i * s]);
        }
        return m;
    }

    /** The largest of x[o + i·s] (NaN if any is NaN, −∞ if n = 0). */
    public static float max(float[] x, int o, int s, int n) {
        if (s != 1) {
            return maxScalar(x, o, s, n);
        }
        FloatVector m = FloatVector.broadcast(FLOAT, Float.NEGATIVE_INFINITY);
        int i = 0;
        int bound = FLOAT.loopBound(n);
        for (; i < bound; i += FLOAT.length()) {
            m = m.max(FloatVector.fromArray(FLOAT, x, o + i));
        }
        return Math.max(m.reduceLanes(VectorOperators.MAX), maxScalar(x, o + i, 1, n - i));
    }

    /** Scalar twin of {@link #dot}. */
    public static float dotScalar(float[] x, int xo, int xs, float[] y, int yo, int ys, int n) {
        float acc = 0f;
        for (int i = 0; i < n; i++) {
            acc += x[xo + i * xs] * y[yo + i * ys];
        }
        return acc;
    }

    /** Σ x[xo + i·xs]·y[yo + i·ys] for i &lt; n, with fused multiply-adds on contiguous runs. */
    public static float dot(float[] x, int xo, int xs, float[] y, int yo, int ys, int n) {
        if (xs != 1 || ys != 1) {
            return dotScalar(x, xo, xs, y, yo, ys, n);
        }
        int lanes = FLOAT.length();
        FloatVector a0 = FloatVector.zero(FLOAT);
        FloatVector a1 = FloatVector.zero(FLOAT);
        int i = 0;
        int bound2 = n - 2 * lanes + 1;
        for (; i < bound2; i += 2 * lanes) {
            a0 = FloatVector.fromArray(FLOAT, x, xo + i).fma(FloatVector.fromArray(FLOAT, y, yo + i), a0);
            a1 = FloatVector.fromArray(FLOAT, x, xo + i + lanes)
                    .fma(FloatVector.fromArray(FLOAT, y, yo + i + lanes), a1);
        }
        int bound = FLOAT.loopBound(n);
        for (; i < bound; i += lanes) {
            a0 = FloatVector.fromArray(FLOAT, x, xo + i).fma(FloatVector.fromArray(FLOAT, y, yo + i), a0);
        }
        return sumLanes(a0.add(a1)) + dotScalar(x, xo + i, 1, y, yo + i, 1, n - i);
    }

    /** The length of the scratch array {@link #dotRows4} needs. */
    public static final int DOT_ROWS4_SCRATCH = 4 * FLOAT.length();

    /**
     * Four dot products that share x: out[oo + r] = {@link #dot}(x[xo..], y[yo + r·ldy ..]) for
     * r &lt; 4, all contiguous, each bit for bit what {@code dot} returns for that row (the same two
     * accumulators per row, the same lane sum and scalar tail). Its twin is four calls of
     * {@code dot}. {@code scratch} holds at least 4·LANES floats ({@link #DOT_ROWS4_SCRATCH}); its
     * contents are overwritten.
     *
     * <p>Why: a matrix-vector product (batch-1 inference) is a dot product per row of W, and one
     * at a time it loads a vector of x for every vector of W. Four rows at a time load x once
     * per four, so the loads are mostly the weights', which is all the product must read; and the
     * eight accumulators are independent chains, which hides the latency of the adds. Because
     * each row still gives {@code dot}'s exact bits, it does not matter which rows a thread's
     * range groups by four: the result is the same for any thread count.
     */
    public static void dotRows4(float[] x, int xo, float[] y, int yo, int ldy, int n, float[] out, int oo,
                                float[] scratch) {
        int lanes = FLOAT.length();
        int y0 = yo;
        int y1 = yo + ldy;
        int y2 = yo + 2 * ldy;
        int y3 = yo + 3 * ldy;
        FloatVector a00 = FloatVector.zero(FLOAT);
        FloatVector a01 = FloatVector.zero(FLOAT);
        FloatVector a10 = FloatVector.zero(FLOAT);
        FloatVector a11 = FloatVector.zero(FLOAT);
        FloatVector a20 = FloatVector.zero(FLOAT);
        FloatVector a21 = FloatVector.zero(FLOAT);
        FloatVector a30 = FloatVector.zero(FLOAT);
        FloatVector a31 = FloatVector.zero(FLOAT);
        int i = 0;
        int bound2 = n - 2 * lanes + 1;
        for (; i < bound2; i += 2 * lanes) {
            FloatVector x0 = FloatVector.fromArray(FLOAT, x, xo + i);
            FloatVector x1 = FloatVector.fromArray(FLOAT, x, xo + i + lanes);
            a00 = x0.fma(FloatVector.fromArray(FLOAT, y, y0 + i), a00);
            a01 = x1.fma(FloatVector.fromArray(FLOAT, y, y0 + i + lanes), a01);
            a10 = x0.fma(FloatVector.fromArray(FLOAT, y, y1 + i), a10);
            a11 = x1.fma(FloatVector.fromArray(FLOAT, y, y1 + i + lanes), a11);
            a20 = x0.fma(FloatVector.fromArray(FLOAT, y, y2 + i), a20);
            a21 = x1.fma(FloatVector.fromArray(FLOAT, y, y2 + i + lanes), a21);
            a30 = x0.fma(FloatVector.fromArray(FLOAT, y, y3 + i), a30);
            a31 = x1.fma(FloatVector.fromArray(FLOAT, y, y3 + i + lanes), a31);
        }
        int bound = FLOAT.loopBound(n);
        for (; i < bound; i += lanes) {
            FloatVector x0 = FloatVector.fromArray(FLOAT, x, xo + i);
            a00 = x0.fma(FloatVector.fromArray(FLOAT, y, y0 + i), a00);
            a10 = x0.fma(FloatVector.fromArray(FLOAT, y, y1 + i), a10);
            a20 = x0.fma(FloatVector.fromArray(FLOAT, y, y2 + i), a20);
            a30 = x0.fma(FloatVector.fromArray(FLOAT, y, y3 + i), a30);
        }
        // The lane sums go through memory, in lane order as sumLanes adds them: four calls of
        // sumLanes would make this method too big for C2 to inline them, and a vector passed to
        // a method that is not inlined becomes a heap object.
        a00.add(a01).intoArray(scratch, 0);
        a10.add(a11).intoArray(scratch, lanes);
        a20.add(a21).intoArray(scratch, 2 * lanes);
        a30.add(a31).intoArray(scratch, 3 * lanes);
        for (int r = 0; r < 4; r++) {
            float s = 0f;
            for (int t = r * lanes; t < (r + 1) * lanes; t++) {
                s += scratch[t];
            }
            out[oo + r] = s + dotScalar(x, xo + i, 1, y, yo + r * ldy + i, 1, n - i);
        }
    }

    /** Scalar twin of {@link #sumSquaredDeviations}: Σ (x[o + i] − mean)² for i &lt; n, left to right. */
    public static float sumSquaredDeviationsScalar(float[] x, int o, int n, float mean) {
        float acc = 0f;
        for (int i = 0; i < n; i++) {
            float d = x[o + i] - mean;
            acc += d * d;
        }
        return acc;
    }

    /**
     * Σ (x[o + i] − mean)² for i &lt; n over a contiguous run: batch normalisation's variance.
     * Subtracting the mean before squaring is what keeps it accurate: Σx² − n·mean² cancels
     * catastrophically when the mean is large against the spread.
     */
    public static float sumSquaredDeviations(float[] x, int o, int n, float mean) {
        int lanes = FLOAT.length();
        FloatVector m = FloatVector.broadcast(FLOAT, mean);
        FloatVector a0 = FloatVector.zero(FLOAT);
        FloatVector a1 = FloatVector.zero(FLOAT);
        int i = 0;
        int bound2 = n - 2 * lanes + 1;
        for (; i < bound2; i += 2 * lanes) {
            FloatVector d0 = FloatVector.fromArray(FLOAT, x, o + i).sub(m);
            FloatVector d1 = FloatVector.fromArray(FLOAT, x, o + i + lanes).sub(m);
            a0 = d0.fma(d0, a0);
            a1 = d1.fma(d1, a1);
        }
        int bound = FLOAT.loopBound(n);
        for (; i < bound; i += lanes) {
            FloatVector d0 = FloatVector.fromArray(FLOAT, x, o + i).sub(m);
            a0 = d0.fma(d0, a0);
        }
        return sumLanes(a0.add(a1)) + sumSquaredDeviationsScalar(x, o + i, n - i, mean);
    }

    /** Scalar twin of {@link #axpy}. */
    public static void axpyScalar(float alpha, float[] x, int xo, int xs, float[] y, int yo, int ys, int n) {
        for (int i = 0; i < n; i++) {
            y[yo + i * ys] += alpha * x[xo + i * xs];
        }
    }

    /**
     * y[yo + i·ys] += α·x[xo + i·xs] for i &lt; n. Contiguous runs use one multiply and one add
     * per lane, not a fused multiply-add, so that they give the same bits as the scalar twin.
     */
    public static void axpy(float alpha, float[] x, int xo, int xs, float[] y, int yo, int ys, int n) {
        if (xs != 1 || ys != 1) {
            axpyScalar(alpha, x, xo, xs, y, yo, ys, n);
            return;
        }
        int i = 0;
        int bound = FLOAT.loopBound(n);
        for (; i < bound; i += FLOAT.length()) {
            FloatVector vx = FloatVector.fromArray(FLOAT, x, xo + i);
            FloatVector vy = FloatVector.fromArray(FLOAT, y, yo + i);
            vy.add(vx.mul(alpha)).intoArray(y, yo + i);
        }
        axpyScalar(alpha, x, xo + i, 1, y, yo + i, 1, n - i);
    }
}
