package dev.pare.tensor.kernels;

import static dev.pare.tensor.kernels.VectorConfig.FLOAT;

import jdk.incubator.vector.FloatVector;

/**
 * The three sweeps of a depthwise convolution over one channel plane laid out as phase planes
 * (see {@code dev.pare.nn.DepthwiseConvOp}), with scalar twins. Tap t of the filter reads the
 * phase planes at {@code tapOffset[t] + q} for output q of the plane's output grid, so every tap
 * is a stride-1 run:
 * <pre>
 *   forward:       acc[q] = bias + Σ_t w[t]·planes[tapOffset[t] + q]        (t in order)
 *   input grad:    dPlanes[tapOffset[t] + q] += w[t]·g[q]                   (t in order; computed as a gather)
 *   weight grad:   dw[t] += Σ_q g[q]·planes[tapOffset[t] + q],   db += Σ_q g[q]
 * </pre>
 *
 * <p>Why padded lengths: an output grid is short (7 rows of 9 for MobileNet's last blocks, 63
 * floats), and with 16 lanes a scalar tail would be 15 of the 63 for every tap. The vector
 * kernels therefore run to {@link #paddedLength}, a whole number of vectors: the caller leaves
 * room after the grid and after the phase planes ({@link #SLACK} floats), and keeps the
 * gradient grid zero past its length, so the extra lanes compute junk that nobody reads
 * (forward) or add zeros (backward).
 *
 * <p>Why all taps per load (forward): one vector of outputs takes its k² multiply-adds in
 * registers and is stored once, where one pass per tap loaded and stored the whole grid k²
 * times. The weight gradient keeps one vector accumulator per tap for a whole plane, the
 * gradient vector loaded once for all taps.
 *
 * <p>Rounding: the forward and input-gradient kernels multiply and add without fusing, in the
 * twins' order, so they give the twins' bits (the input gradient's twin is the scatter of the
 * definition, on zeroed planes); the weight gradient adds in lanes (per-lane
 * partial sums in {@code partial}, which the caller reduces in lane order), so it is compared
 * with a tolerance.
 */
public final class DepthwiseKernels {
    private DepthwiseKernels() {}

    /** Floats the vector kernels may read or write past a grid or the phase planes: one vector. */
    public static final int SLACK = FLOAT.length();

    /** {@code len} rounded up to a whole number of vectors. */
    public static int paddedLength(int len) {
        return (len + FLOAT.length() - 1) / FLOAT.length() * FLOAT.length();
    }

    /** Floats of the {@code partial} accumulator of {@link #weightGrad} for {@code taps} taps: one vector per tap and one for db. */
    public static int partialLength(int taps) {
        return (taps + 1) * FLOAT.length();
    }

    private static void check(String op, int[] tapOffset, int taps, float[] planes, int len, float[] grid,
                              int gridNeed) {
        check(op, tapOffset, taps, planes, len, grid.length, gridNeed);
    }

    private static void check(String op, int[] tapOffset, int taps, float[] planes, int len, int gridLength,
                              int gridNeed) {
        if (taps > tapOffset.length || len < 0) {
            throw new IllegalArgumentException("depthwise." + op + ": " + taps + " taps with " + tapOffset.length
                    + " offsets, grid of " + len);
        }
        int reach = 0;
        for (int t = 0; t < taps; t++) {
            if (tapOffset[t] < 0) {
                throw new IllegalArgumentException("depthwise." + op + ": tap " + t + " at offset " + tapOffset[t]);
            }
            reach = Math.max(reach, tapOffset[t]);
        }
        if (taps > 0 && (long) reach + gridNeed > planes.length || gridLength < gridNeed) {
            throw new IllegalArgumentException("depthwise." + op + ": a grid of " + len + " (" + gridNeed
                    + " with its vector slack) read from offsets up to " + reach + " needs " + ((long) reach + gridNeed)
                    + " floats of phase planes (has " + planes.length + ") and " + gridNeed + " of grid (has "
                    + gridLength + ")");
        }
    }

    /** Scalar twin of {@link #forward}, over the first {@code len} outputs only. */
    public static void forwardScalar(float[] planes, int[] tapOffset, int taps, float[] w, int wOff, float bias,
                                     float[] acc, int len) {
        check("forward", tapOffset, taps, planes, len, acc, len);
        for (int q = 0; q < len; q++) {
            float v = bias;
            for (int t = 0; t < taps; t++) {
                v += w[wOff + t] * planes[tapOffset[t] + q];
            }
            acc[q] = v;
        }
    }

    /**
     * {@code acc[q] = bias + Σ_t w[wOff + t]·planes[tapOffset[t] + q]} for q below
     * {@link #paddedLength}{@code (len)}: the outputs past {@code len} are junk.
     *
     * @throws IllegalArgumentException if {@code planes} or {@code acc} has no room for the padded length
     */
    public static void forward(float[] planes, int[] tapOffset, int taps, float[] w, int wOff, float bias,
                               float[] acc, int len) {
        int padded = paddedLength(len);
        check("forward", tapOffset, taps, planes, len, acc, padded);
        FloatVector b = FloatVector.broadcast(FLOAT, bias);
        int l = FLOAT.length();
        int q = 0;
        // Two vectors of outputs at a time: two independent chains of additions, so that each
        // waits on the adder's latency half as often. Per output the order is unchanged.
        for (; q + 2 * l <= padded; q += 2 * l) {
            FloatVector v0 = b;
            FloatVector v1 = b;
            for (int t = 0; t < taps; t++) {
                float wt = w[wOff + t];
                int o = tapOffset[t] + q;
                v0 = v0.add(FloatVector.fromArray(FLOAT, planes, o).mul(wt));
                v1 = v1.add(FloatVector.fromArray(FLOAT, planes, o + l).mul(wt));
            }
            v0.intoArray(acc, q);
            v1.intoArray(acc, q + l);
        }
        for (; q < padded; q += l) {
            FloatVector v = b;
            for (int t = 0; t < taps; t++) {
                v = v.add(FloatVector.fromArray(FLOAT, planes, tapOffset[t] + q).mul(w[wOff + t]));
            }
            v.intoArray(acc, q);
        }
    }

    /**
     * The input gradient by scatter, the definition: {@code dPlanes[tapOffset[t] + q] += w[wOff + t]·g[q]}
     * for every tap t in order and q &lt; {@code len}. The oracle of {@link #inputGrad} (on zeroed
     * phase planes, the two give the same bits).
     */
    public static void inputGradScalar(float[] g, int len, int[] tapOffset, int taps, float[] w, int wOff,
                                       float[] dPlanes) {
        check("inputGrad", tapOffset, taps, dPlanes, len, g, len);
        for (int t = 0; t < taps; t++) {
            float wt = w[wOff + t];
            int o = tapOffset[t];
            for (int q = 0; q < len; q++) {
                dPlanes[o + q] += wt * g[q];
            }
        }
    }

    /**
     * The input gradient of one phase plane by gather: for r in {@code [from, to)},
     * {@code dPlanes[r] = Σ_k w[wOff + t_k]·gExt[gBase + r − tapOffset[t_k]]} over the taps
     * {@code t_k = tapList[k]}, k &lt; {@code count}, in order (those that read this phase plane).
     * {@code gExt} holds the gradient grid at {@code gBase} with zeros before it (at least
     * {@code max tapOffset} of them) and after it; the vector kernel writes up to
     * {@link #paddedLength}{@code (to − from)} past {@code from}, which may spill into the next
     * phase plane (compute the planes in order) or the slack.
     *
     * <p>Why gather: the scatter form adds every tap into the phase planes at a shifted address, so
     * each vector load of the next tap overlaps the store just made by the previous one at another
     * alignment, and the CPU cannot forward it: it waits for the store. Gathered, each output
     * vector is summed in registers and stored once. Per element the additions are the scatter's,
     * in the same order, starting from zero: the same bits.
     */
    public static void inputGrad(float[] gExt, int gBase, int[] tapOffset, int[] tapList, int count, float[] w,
                                 int wOff, float[] dPlanes, int from, int to) {
        int end = from + paddedLength(to - from);
        if (from < 0 || to < from || end > dPlanes.length || count > tapList.length) {
            throw new IllegalArgumentException("depthwise.inputGrad: outputs [" + from + ", " + to + ") padded to "
                    + end + " in " + dPlanes.length + " floats, " + count + " taps of " + tapList.length);
        }
        for (int k = 0; k < count; k++) {
            int o = tapOffset[tapList[k]];
            if (gBase - o + from < 0 || (long) gBase - o + end > gExt.length) {
                throw new IllegalArgumentException("depthwise.inputGrad: tap " + tapList[k] + " at offset " + o
                        + " reads the gradient from " + (gBase - o + from) + " to " + (gBase - o + end)
                        + ", outside its " + gExt.length + " floats (zero margin " + gBase + ")");
            }
        }
        int l = FLOAT.length();
        int r = from;
        for (; r + 2 * l <= end; r += 2 * l) {   // two independent chains, as in forward
            FloatVector v0 = FloatVector.zero(FLOAT);
            FloatVector v1 = FloatVector.zero(FLOAT);
            for (int k = 0; k < count; k++) {
                int t = tapList[k];
                float wt = w[wOff + t];
                int o = gBase + r - tapOffset[t];
                v0 = v0.add(FloatVector.fromArray(FLOAT, gExt, o).mul(wt));
                v1 = v1.add(FloatVector.fromArray(FLOAT, gExt, o + l).mul(wt));
            }
            v0.intoArray(dPlanes, r);
            v1.intoArray(dPlanes, r + l);
        }
        for (; r < end; r += l) {
            FloatVector v = FloatVector.zero(FLOAT);
            for (int k = 0; k < count; k++) {
                int t = tapList[k];
                v = v.add(FloatVector.fromArray(FLOAT, gExt, gBase + r - tapOffset[t]).mul(w[wOff + t]));
            }
            v.intoArray(dPlanes, r);
        }
    }

    /**
     * Scalar twin of {@link #weightGrad} and its reduction: adds {@code Σ_q g[q]·planes[tapOffset[t] + q]}
     * to {@code sums[t]} and {@code Σ_q g[q]} to {@code sums[taps]}, in double.
     */
    public static void weightGradScalar(float[] planes, int[] tapOffset, int taps, float[] g, int len,
                                        double[] sums) {
        check("weightGrad", tapOffset, taps, planes, len, g, len);
        for (int t = 0; t < taps; t++) {
            double s = 0;
            for (int q = 0; q < len; q++) {
                s += g[q] * planes[tapOffset[t] + q];
            }
            sums[t] += s;
        }
        double sg = 0;
        for (int q = 0; q < len; q++) {
            sg += g[q];
        }
        sums[taps] += sg;
    }

    /**
     * Adds each tap's products {@code g[q]·planes[tapOffset[t] + q]}, and g itself, into per-lane
     * float accumulators: vector t of {@code partial} ({@link #partialLength}) for tap t, the last
     * for Σg. The grid starts at {@code g[gOff]} and must be zero from {@code len} to
     * {@link #paddedLength}{@code (len)}.
     * {@link #flush} moves the partial sums into doubles; call it every few planes so that a
     * lane's float sum stays short.
     */
    public static void weightGrad(float[] planes, int[] tapOffset, int taps, float[] g, int gOff, int len,
                                  float[] partial) {
        int padded = paddedLength(len);
        if (gOff < 0 || (long) gOff + padded > g.length) {
            throw new IllegalArgumentException("depthwise.weightGrad: a grid of " + len + " (" + padded
                    + " with its vector slack) from offset " + gOff + " in " + g.length + " floats");
        }
        check("weightGrad", tapOffset, taps, planes, len, g.length - gOff, padded);
        int l = FLOAT.length();
        if (partial.length < (taps + 1) * l) {
            throw new IllegalArgumentException("depthwise.weightGrad: partial sums of " + partial.length
                    + " floats for " + taps + " taps: need " + (taps + 1) * l);
        }
        if (taps == 9) {
            nineTaps(planes, tapOffset, g, gOff, padded, partial);
            return;
        }
        int t = 0;
        // Two taps at a time: two independent accumulators, one load of g for both.
        for (; t + 1 < taps; t += 2) {
            int o0 = tapOffset[t];
            int o1 = tapOffset[t + 1];
            FloatVector a0 = FloatVector.fromArray(FLOAT, partial, t * l);
            FloatVector a1 = FloatVector.fromArray(FLOAT, partial, (t + 1) * l);
            for (int q = 0; q < padded; q += l) {
                FloatVector gq = FloatVector.fromArray(FLOAT, g, gOff + q);
                a0 = gq.fma(FloatVector.fromArray(FLOAT, planes, o0 + q), a0);
                a1 = gq.fma(FloatVector.fromArray(FLOAT, planes, o1 + q), a1);
            }
            a0.intoArray(partial, t * l);
            a1.intoArray(partial, (t + 1) * l);
        }
        for (; t < taps; t++) {
            int o = tapOffset[t];
            FloatVector acc = FloatVector.fromArray(FLOAT, partial, t * l);
            for (int q = 0; q < padded; q += l) {
                acc = FloatVector.fromArray(FLOAT, g, gOff + q).fma(FloatVector.fromArray(FLOAT, planes, o + q), acc);
            }
            acc.intoArray(partial, t * l);
        }
        FloatVector sg = FloatVector.fromArray(FLOAT, partial, taps * l);
        for (int q = 0; q < padded; q += l) {
            sg = sg.add(FloatVector.fromArray(FLOAT, g, gOff + q));
        }
        sg.intoArray(partial, taps * l);
    }

    /**
     * {@link #weightGrad} for a 3 × 3 filter, the common case: all nine taps and Σg in one sweep,
     * ten accumulators in registers and each vector of g loaded once. Why a case of its own: with
     * two taps per sweep, g was loaded five times and the accumulators loaded and stored five
     * times per plane, and a 7 × 7 output grid is only four vectors long. Each accumulator adds the
     * same products in the same order as the general loop, so the bits are the same.
     */
    private static void nineTaps(float[] planes, int[] tapOffset, float[] g, int gOff, int padded, float[] partial) {
        int l = FLOAT.length();
        int o0 = tapOffset[0];
        int o1 = tapOffset[1];
        int o2 = tapOffset[2];
        int o3 = tapOffset[3];
        int o4 = tapOffset[4];
        int o5 = tapOffset[5];
        int o6 = tapOffset[6];
        int o7 = tapOffset[7];
        int o8 = tapOffset[8];
        FloatVector a0 = FloatVector.fromArray(FLOAT, partial, 0);
        FloatVector a1 = FloatVector.fromArray(FLOAT, partial, l);
        FloatVector a2 = FloatVector.fromArray(FLOAT, partial, 2 * l);
        FloatVector a3 = FloatVector.fromArray(FLOAT, partial, 3 * l);
        FloatVector a4 = FloatVector.fromArray(FLOAT, partial, 4 * l);
        FloatVector a5 = FloatVector.fromArray(FLOAT, partial, 5 * l);
        FloatVector a6 = FloatVector.fromArray(FLOAT, partial, 6 * l);
        FloatVector a7 = FloatVector.fromArray(FLOAT, partial, 7 * l);
        FloatVector a8 = FloatVector.fromArray(FLOAT, partial, 8 * l);
        FloatVector sg = FloatVector.fromArray(FLOAT, partial, 9 * l);
        for (int q = 0; q < padded; q += l) {
            FloatVector gq = FloatVector.fromArray(FLOAT, g, gOff + q);
            a0 = gq.fma(FloatVector.fromArray(FLOAT, planes, o0 + q), a0);
            a1 = gq.fma(FloatVector.fromArray(FLOAT, planes, o1 + q), a1);
            a2 = gq.fma(FloatVector.fromArray(FLOAT, planes, o2 + q), a2);
            a3 = gq.fma(FloatVector.fromArray(FLOAT, planes, o3 + q), a3);
            a4 = gq.fma(FloatVector.fromArray(FLOAT, planes, o4 + q), a4);
            a5 = gq.fma(FloatVector.fromArray(FLOAT, planes, o5 + q), a5);
            a6 = gq.fma(FloatVector.fromArray(FLOAT, planes, o6 + q), a6);
            a7 = gq.fma(FloatVector.fromArray(FLOAT, planes, o7 + q), a7);
            a8 = gq.fma(FloatVector.fromArray(FLOAT, planes, o8 + q), a8);
            sg = sg.add(gq);
        }
        a0.intoArray(partial, 0);
        a1.intoArray(partial, l);
        a2.intoArray(partial, 2 * l);
        a3.intoArray(partial, 3 * l);
        a4.intoArray(partial, 4 * l);
        a5.intoArray(partial, 5 * l);
        a6.intoArray(partial, 6 * l);
        a7.intoArray(partial, 7 * l);
        a8.intoArray(partial, 8 * l);
        sg.intoArray(partial, 9 * l);
    }

    /** Adds each vector of {@code partial} to {@code sums[t]}, lanes in order, and zeroes it. */
    public static void flush(float[] partial, int taps, double[] sums) {
        int l = FLOAT.length();
        for (int t = 0; t <= taps; t++) {
            double s = 0;
            for (int i = 0; i < l; i++) {
                s += partial[t * l + i];
                partial[t * l + i] = 0f;
            }
            sums[t] += s;
        }
    }
}
