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
 *   input grad:    dPlanes[tapOffset[t] + q] += w[t]·g[q]                   (t in order)
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
 * twins' order, so they give the twins' bits; the weight gradient adds in lanes (per-lane
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
        if (taps > 0 && (long) reach + gridNeed > planes.length || grid.length < gridNeed) {
            throw new IllegalArgumentException("depthwise." + op + ": a grid of " + len + " (" + gridNeed
                    + " with its vector slack) read from offsets up to " + reach + " needs " + ((long) reach + gridNeed)
                    + " floats of phase planes (has " + planes.length + ") and " + gridNeed + " of grid (has "
                    + grid.length + ")");
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
        for (int q = 0; q < padded; q += FLOAT.length()) {
            FloatVector v = b;
            for (int t = 0; t < taps; t++) {
                v = v.add(FloatVector.fromArray(FLOAT, planes, tapOffset[t] + q).mul(w[wOff + t]));
            }
            v.intoArray(acc, q);
        }
    }

    /** Scalar twin of {@link #inputGrad}, over the first {@code len} gradients only. */
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
     * {@code dPlanes[tapOffset[t] + q] += w[wOff + t]·g[q]}, tap after tap, for q below
     * {@link #paddedLength}{@code (len)}; {@code g} must be zero from {@code len} to there, so
     * the padded lanes add nothing.
     */
    public static void inputGrad(float[] g, int len, int[] tapOffset, int taps, float[] w, int wOff,
                                 float[] dPlanes) {
        int padded = paddedLength(len);
        check("inputGrad", tapOffset, taps, dPlanes, len, g, padded);
        for (int t = 0; t < taps; t++) {
            float wt = w[wOff + t];
            int o = tapOffset[t];
            for (int q = 0; q < padded; q += FLOAT.length()) {
                FloatVector d = FloatVector.fromArray(FLOAT, dPlanes, o + q);
                d.add(FloatVector.fromArray(FLOAT, g, q).mul(wt)).intoArray(dPlanes, o + q);
            }
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
     * for Σg. {@code g} must be zero from {@code len} to {@link #paddedLength}{@code (len)}.
     * {@link #flush} moves the partial sums into doubles; call it every few planes so that a
     * lane's float sum stays short.
     */
    public static void weightGrad(float[] planes, int[] tapOffset, int taps, float[] g, int len, float[] partial) {
        int padded = paddedLength(len);
        check("weightGrad", tapOffset, taps, planes, len, g, padded);
        int l = FLOAT.length();
        if (partial.length < (taps + 1) * l) {
            throw new IllegalArgumentException("depthwise.weightGrad: partial sums of " + partial.length
                    + " floats for " + taps + " taps: need " + (taps + 1) * l);
        }
        for (int t = 0; t < taps; t++) {
            int o = tapOffset[t];
            FloatVector acc = FloatVector.fromArray(FLOAT, partial, t * l);
            for (int q = 0; q < padded; q += l) {
                acc = FloatVector.fromArray(FLOAT, g, q).fma(FloatVector.fromArray(FLOAT, planes, o + q), acc);
            }
            acc.intoArray(partial, t * l);
        }
        FloatVector sg = FloatVector.fromArray(FLOAT, partial, taps * l);
        for (int q = 0; q < padded; q += l) {
            sg = sg.add(FloatVector.fromArray(FLOAT, g, q));
        }
        sg.intoArray(partial, taps * l);
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
