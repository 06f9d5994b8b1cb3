package dev.pare.tensor.kernels;

import static dev.pare.tensor.kernels.Int8Species.BYTE;
import static dev.pare.tensor.kernels.Int8Species.FLOAT_FOR_BYTE;

import dev.pare.tensor.parallel.Parallel;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Weight-only int8 matrix-vector product: int8 weights, float activations and arithmetic,
 * with its scalar twin.
 * <pre>
 *   y[r] = sw[r] · Σj wq[r,j]·x[j]        W: int8 [rows, cols] row-major, x: float [cols]
 * </pre>
 * Each int8 weight is widened to a float inside the loop (sign-extend, convert: exact, since
 * every int8 value is a float) and accumulated with a fused multiply-add; the per-row scale is
 * applied once, at the end. The activations are never quantized, so this kernel has no
 * activation error at all; it only reads a quarter of the bytes of the fp32 product.
 *
 * <p>That is the point: at batch 1 a matrix-vector product does one multiply-add per weight, so
 * unless the weights sit in the L1 cache its time is the time to read them, and four times fewer
 * bytes make it faster despite the extra widening instructions, the more so the further from
 * the core the weights live (docs/int8-kernels.md has the figures and the command).
 *
 * <p>The float sums are added in a different order from the scalar twin (per lane, then across
 * lanes in lane order with {@link ReduceKernels#sumLanes}), so the two agree to rounding, not
 * bit for bit; the result depends only on the inputs and the species, never on timing or on
 * the thread count.
 */
public final class Int8WeightGemv {
    private Int8WeightGemv() {}

    /** Rows handled together: each loaded x vector serves this many rows. */
    private static final int ROW_BLOCK = 4;

    /** Scalar twin of {@link #gemv}. */
    public static void gemvScalar(byte[] w, int wo, int rows, int cols, float[] wScales,
                                  float[] x, int xo, float[] y, int yo) {
        for (int r = 0; r < rows; r++) {
            y[yo + r] = wScales[r] * dotScalar(w, wo + r * cols, x, xo, cols);
        }
    }

    /** Σ wq[wo + j]·x[xo + j] in float, left to right. */
    static float dotScalar(byte[] w, int wo, float[] x, int xo, int n) {
        float acc = 0f;
        for (int j = 0; j < n; j++) {
            acc += w[wo + j] * x[xo + j];
        }
        return acc;
    }

    /**
     * y[yo + r] = wScales[r]·Σj w[wo + r·cols + j]·x[xo + j] for r &lt; rows. Large products are
     * split by rows over the threads of {@link Parallel}, with the same result whatever their number.
     *
     * @throws IllegalArgumentException if an array is too short for the shape
     */
    public static void gemv(byte[] w, int wo, int rows, int cols, float[] wScales,
                            float[] x, int xo, float[] y, int yo) {
        gemv(w, wo, rows, cols, wScales, x, xo, null, y, yo);
    }

    /**
     * {@link #gemv(byte[], int, int, int, float[], float[], int, float[], int)} plus
     * {@code bias[r]} on each row when {@code bias} is not null, added by the thread that computed
     * the row: the same floats as adding it afterwards, without a serial pass over y.
     *
     * @throws IllegalArgumentException if an array is too short for the shape
     */
    public static void gemv(byte[] w, int wo, int rows, int cols, float[] wScales,
                            float[] x, int xo, float[] bias, float[] y, int yo) {
        if (rows < 0 || cols < 0 || (long) rows * cols > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("int8 weight gemv: bad shape [" + rows + ", " + cols + "]");
        }
        QuantizeKernels.checkRun("int8 weight gemv", "w", w.length, wo, rows * cols);
        QuantizeKernels.checkRun("int8 weight gemv", "x", x.length, xo, cols);
        QuantizeKernels.checkRun("int8 weight gemv", "y", y.length, yo, rows);
        if (wScales.length < rows) {
            throw new IllegalArgumentException("int8 weight gemv: " + rows + " rows but " + wScales.length + " scales");
        }
        if (bias != null && bias.length < rows) {
            throw new IllegalArgumentException("int8 weight gemv: " + rows + " rows but " + bias.length + " biases");
        }
        Int8Gemv.overRows(rows, cols, ROW_BLOCK, (r0, r1) -> {
            rowRange(w, wo, r0, r1, cols, wScales, x, xo, y, yo);
            if (bias != null) {
                for (int r = r0; r < r1; r++) {
                    y[yo + r] += bias[r];
                }
            }
        });
    }

    /** {@link #gemv} for rows [r0, r1), unchecked. */
    private static void rowRange(byte[] w, int wo, int r0, int r1, int cols, float[] wScales,
                                 float[] x, int xo, float[] y, int yo) {
        int lanes = FLOAT_FOR_BYTE.length();
        int bound = FLOAT_FOR_BYTE.loopBound(cols);
        int r = r0;
        for (; r + ROW_BLOCK <= r1; r += ROW_BLOCK) {
            int w0 = wo + r * cols;
            int w1 = w0 + cols;
            int w2 = w1 + cols;
            int w3 = w2 + cols;
            FloatVector a0 = FloatVector.zero(FLOAT_FOR_BYTE);
            FloatVector a1 = FloatVector.zero(FLOAT_FOR_BYTE);
            FloatVector a2 = FloatVector.zero(FLOAT_FOR_BYTE);
            FloatVector a3 = FloatVector.zero(FLOAT_FOR_BYTE);
            int j = 0;
            for (; j < bound; j += lanes) {
                FloatVector vx = FloatVector.fromArray(FLOAT_FOR_BYTE, x, xo + j);
                a0 = widen(w, w0 + j).fma(vx, a0);
                a1 = widen(w, w1 + j).fma(vx, a1);
                a2 = widen(w, w2 + j).fma(vx, a2);
                a3 = widen(w, w3 + j).fma(vx, a3);
            }
            int tail = cols - j;
            y[yo + r] = wScales[r] * (ReduceKernels.sumLanes(a0) + dotScalar(w, w0 + j, x, xo + j, tail));
            y[yo + r + 1] = wScales[r + 1] * (ReduceKernels.sumLanes(a1) + dotScalar(w, w1 + j, x, xo + j, tail));
            y[yo + r + 2] = wScales[r + 2] * (ReduceKernels.sumLanes(a2) + dotScalar(w, w2 + j, x, xo + j, tail));
            y[yo + r + 3] = wScales[r + 3] * (ReduceKernels.sumLanes(a3) + dotScalar(w, w3 + j, x, xo + j, tail));
        }
        for (; r < r1; r++) {
            int w0 = wo + r * cols;
            FloatVector a0 = FloatVector.zero(FLOAT_FOR_BYTE);
            int j = 0;
            for (; j < bound; j += lanes) {
                a0 = widen(w, w0 + j).fma(FloatVector.fromArray(FLOAT_FOR_BYTE, x, xo + j), a0);
            }
            y[yo + r] = wScales[r] * (ReduceKernels.sumLanes(a0) + dotScalar(w, w0 + j, x, xo + j, cols - j));
        }
    }

    /** W/32 int8 weights from {@code w[off]} as floats (sign-extend, then convert; exact). */
    private static FloatVector widen(byte[] w, int off) {
        return (FloatVector) ByteVector.fromArray(BYTE, w, off).convertShape(VectorOperators.B2F, FLOAT_FOR_BYTE, 0);
    }
}
