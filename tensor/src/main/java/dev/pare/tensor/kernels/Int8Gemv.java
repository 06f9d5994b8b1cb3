package dev.pare.tensor.kernels;

import static dev.pare.tensor.kernels.Int8Species.BYTE_FOR_SHORT;
import static dev.pare.tensor.kernels.Int8Species.SHORT;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * int8×int8 → int32 dot product and matrix-vector product, then the step back to float; each
 * with its scalar twin.
 *
 * <h2>The arithmetic</h2>
 * Weights are symmetric per row, w ≈ sw[r]·wq (zero point 0); activations are affine,
 * x ≈ sx·(xq − zx). A row of y = W·x is then
 * <pre>
 *   y[r] = Σj w[r,j]·x[j] ≈ sw[r]·sx · ( Σj wq[r,j]·xq[j]  −  zx·Σj wq[r,j] )
 *                                        └ int32 dot ┘        └ row sum, precomputed ┘
 * </pre>
 * so the inner loop is a pure integer dot product, and the zero point costs one multiply per
 * row ({@link #rowSums} computes Σj wq[r,j] once, when the weights are quantized).
 *
 * <h2>Exactness: the bound on K</h2>
 * Every product of two int8 values lies in [−128·127, 128·128] = [−16256, 16384], so a dot of
 * length K is at most K·2^14 in magnitude, which fits an int32 for K ≤ {@link #MAX_K} = 131071
 * (2^31 / 2^14 = 2^17, minus one). Intermediate int32 sums are allowed to wrap: addition modulo
 * 2^32 is exact whenever the final answer fits, so the vector kernel's partial sums in any
 * order give the scalar twin's result bit for bit. The zero-point correction is done in long.
 *
 * <h2>The vector formulation</h2>
 * The Vector API of JDK 17 has no "multiply bytes and add adjacent pairs into ints" (x86's
 * vpmaddubsw/vpmaddwd, or VNNI's vpdpbusd). The kernel therefore:
 * <ol>
 *   <li>loads W/16 bytes of w and of x and sign-extends them to shorts (one vpmovsxbw each);</li>
 *   <li>multiplies in shorts: every product fits, so the low half of the product is exact;</li>
 *   <li>adds the pairs into ints without unpacking them. Reinterpreted as an int, a pair of
 *       shorts (lo, hi) is 65536·hi + (lo mod 2^16). The kernel first adds 32768 to every
 *       <em>low</em> short (lo + 32768 lies in [16512, 49152], so no borrow ever reaches hi), then
 *       accumulates the raw int v = 65536·hi + lo + 32768 and, separately, hi = v &gt;&gt; 16.
 *       At the end Σ(hi + lo) = Σv − 65535·Σhi − 32768·(number of pairs).</li>
 * </ol>
 * That is 4 vector operations per W/16 products after the multiply, against 5 for the
 * textbook unpack (shift left, two arithmetic shifts, two adds), and no cross-lane shuffle.
 * The matrix-vector product runs four rows at a time so that each widened x vector serves
 * four rows. Still, int8 needs about 6 vector operations per W/16 multiply-adds where fp32
 * needs one FMA per W/32: see docs/int8-kernels.md for why int8 is faster only when the
 * weights come from DRAM.
 */
public final class Int8Gemv {
    private Int8Gemv() {}

    /** The longest dot product whose int32 result is exact for every int8 input: 2^17 − 1. */
    public static final int MAX_K = (1 << 17) - 1;

    /** 32768 in the low (even) short of every pair, 0 in the high one (see the class comment). */
    private static final short[] LOW_BIAS = lowBias();

    /** Rows of W handled together: each widened x vector is reused by this many rows. */
    private static final int ROW_BLOCK = 4;

    private static short[] lowBias() {
        short[] b = new short[SHORT.length()];
        for (int i = 0; i < b.length; i += 2) {
            // Lane order of reinterpretAsInts is little-endian: short 2i is the low half of int i.
            b[i] = (short) 0x8000;
        }
        return b;
    }

    // ------------------------------------------------------------------ scalar twins

    /** Scalar twin of {@link #dot}: Σ a[ao+i]·b[bo+i] for i &lt; n, in int. */
    public static int dotScalar(byte[] a, int ao, byte[] b, int bo, int n) {
        int acc = 0;
        for (int i = 0; i < n; i++) {
            acc += a[ao + i] * b[bo + i];
        }
        return acc;
    }

    /** Scalar twin of {@link #gemvInt32}. */
    public static void gemvInt32Scalar(byte[] w, int wo, int rows, int cols, byte[] x, int xo, int[] acc, int ao) {
        for (int r = 0; r < rows; r++) {
            acc[ao + r] = dotScalar(w, wo + r * cols, x, xo, cols);
        }
    }

    /** Scalar twin of {@link #gemv}. */
    public static void gemvScalar(byte[] w, int wo, int rows, int cols, float[] wScales, int[] rowSums,
                                  byte[] x, int xo, float xScale, int xZero, float[] y, int yo) {
        for (int r = 0; r < rows; r++) {
            y[yo + r] = dequantizeOne(dotScalar(w, wo + r * cols, x, xo, cols), rowSums[r], wScales[r], xScale, xZero);
        }
    }

    /** sw·sx·(acc − zx·rowSum), the one formula both {@link #dequantize} and its twin use. */
    static float dequantizeOne(int acc, int rowSum, float wScale, float xScale, int xZero) {
        return (wScale * xScale) * (float) ((long) acc - (long) xZero * rowSum);
    }

    // ------------------------------------------------------------------ vector kernels

    /** Σ a[ao+i]·b[bo+i] for i &lt; n, exact for n ≤ {@link #MAX_K}. */
    public static int dot(byte[] a, int ao, byte[] b, int bo, int n) {
        checkK("dot", n);
        QuantizeKernels.checkRun("dot", "a", a.length, ao, n);
        QuantizeKernels.checkRun("dot", "b", b.length, bo, n);
        return dotUnchecked(a, ao, b, bo, n);
    }

    private static int dotUnchecked(byte[] a, int ao, byte[] b, int bo, int n) {
        ShortVector bias = ShortVector.fromArray(SHORT, LOW_BIAS, 0);
        IntVector raw = IntVector.zero(Int8Species.INT);
        IntVector hi = IntVector.zero(Int8Species.INT);
        int lanes = SHORT.length();
        int bound = SHORT.loopBound(n);
        int i = 0;
        for (; i < bound; i += lanes) {
            ShortVector va = widen(a, ao + i);
            IntVector v = (IntVector) widen(b, bo + i).mul(va).add(bias).reinterpretAsInts();
            raw = raw.add(v);
            hi = hi.add(v.lanewise(VectorOperators.ASHR, 16));
        }
        return pairSum(raw, hi, bound) + dotScalar(a, ao + i, b, bo + i, n - i);
    }

    /** W/16 bytes from {@code q[off]}, sign-extended to shorts. */
    private static ShortVector widen(byte[] q, int off) {
        return (ShortVector) ByteVector.fromArray(BYTE_FOR_SHORT, q, off).convertShape(VectorOperators.B2S, SHORT, 0);
    }

    /** Σ(hi + lo) over all pairs from the two accumulators; {@code elements} products were added. */
    private static int pairSum(IntVector raw, IntVector hi, int elements) {
        // Each pair of products (elements / 2 of them) carried one bias of 32768.
        return raw.reduceLanes(VectorOperators.ADD) - 65535 * hi.reduceLanes(VectorOperators.ADD)
                - 32768 * (elements / 2);
    }

    /**
     * acc[ao + r] = Σj w[wo + r·cols + j]·x[xo + j] for r &lt; rows, j &lt; cols: the int32 rows
     * of W·x with W a row-major int8 [rows, cols] matrix. Exact for cols ≤ {@link #MAX_K}.
     */
    public static void gemvInt32(byte[] w, int wo, int rows, int cols, byte[] x, int xo, int[] acc, int ao) {
        checkGemv("gemvInt32", w, wo, rows, cols, x, xo);
        QuantizeKernels.checkRun("gemvInt32", "acc", acc.length, ao, rows);
        ShortVector bias = ShortVector.fromArray(SHORT, LOW_BIAS, 0);
        int lanes = SHORT.length();
        int bound = SHORT.loopBound(cols);
        int r = 0;
        for (; r + ROW_BLOCK <= rows; r += ROW_BLOCK) {
            int w0 = wo + r * cols;
            int w1 = w0 + cols;
            int w2 = w1 + cols;
            int w3 = w2 + cols;
            IntVector raw0 = IntVector.zero(Int8Species.INT);
            IntVector raw1 = IntVector.zero(Int8Species.INT);
            IntVector raw2 = IntVector.zero(Int8Species.INT);
            IntVector raw3 = IntVector.zero(Int8Species.INT);
            IntVector hi0 = IntVector.zero(Int8Species.INT);
            IntVector hi1 = IntVector.zero(Int8Species.INT);
            IntVector hi2 = IntVector.zero(Int8Species.INT);
            IntVector hi3 = IntVector.zero(Int8Species.INT);
            int j = 0;
            for (; j < bound; j += lanes) {
                ShortVector vx = widen(x, xo + j);
                IntVector v0 = (IntVector) widen(w, w0 + j).mul(vx).add(bias).reinterpretAsInts();
                IntVector v1 = (IntVector) widen(w, w1 + j).mul(vx).add(bias).reinterpretAsInts();
                IntVector v2 = (IntVector) widen(w, w2 + j).mul(vx).add(bias).reinterpretAsInts();
                IntVector v3 = (IntVector) widen(w, w3 + j).mul(vx).add(bias).reinterpretAsInts();
                raw0 = raw0.add(v0);
                raw1 = raw1.add(v1);
                raw2 = raw2.add(v2);
                raw3 = raw3.add(v3);
                hi0 = hi0.add(v0.lanewise(VectorOperators.ASHR, 16));
                hi1 = hi1.add(v1.lanewise(VectorOperators.ASHR, 16));
                hi2 = hi2.add(v2.lanewise(VectorOperators.ASHR, 16));
                hi3 = hi3.add(v3.lanewise(VectorOperators.ASHR, 16));
            }
            int tail = cols - j;
            acc[ao + r] = pairSum(raw0, hi0, bound) + dotScalar(w, w0 + j, x, xo + j, tail);
            acc[ao + r + 1] = pairSum(raw1, hi1, bound) + dotScalar(w, w1 + j, x, xo + j, tail);
            acc[ao + r + 2] = pairSum(raw2, hi2, bound) + dotScalar(w, w2 + j, x, xo + j, tail);
            acc[ao + r + 3] = pairSum(raw3, hi3, bound) + dotScalar(w, w3 + j, x, xo + j, tail);
        }
        for (; r < rows; r++) {
            acc[ao + r] = dotUnchecked(w, wo + r * cols, x, xo, cols);
        }
    }

    /**
     * y[yo + r] = sw[r]·sx·(acc[r] − zx·rowSums[r]): the int32 results of {@link #gemvInt32}
     * back to float, with the zero-point correction. {@code acc} may be the caller's scratch.
     */
    public static void dequantize(int[] acc, int ao, int rows, float[] wScales, int[] rowSums,
                                  float xScale, int xZero, float[] y, int yo) {
        for (int r = 0; r < rows; r++) {
            y[yo + r] = dequantizeOne(acc[ao + r], rowSums[r], wScales[r], xScale, xZero);
        }
    }

    /**
     * The quantized linear layer at batch 1: y = W·x in float from int8 W (symmetric, per-row
     * scales {@code wScales}) and int8 x (scale {@code xScale}, zero point {@code xZero}).
     * {@code rowSums} comes from {@link #rowSums}; {@code acc} is int32 scratch of ≥ rows.
     */
    public static void gemv(byte[] w, int wo, int rows, int cols, float[] wScales, int[] rowSums,
                            byte[] x, int xo, float xScale, int xZero, float[] y, int yo, int[] acc) {
        if (wScales.length < rows || rowSums.length < rows) {
            throw new IllegalArgumentException("gemv: " + rows + " rows but " + wScales.length + " scales and "
                    + rowSums.length + " row sums");
        }
        QuantizeKernels.checkRun("gemv", "y", y.length, yo, rows);
        gemvInt32(w, wo, rows, cols, x, xo, acc, 0);
        dequantize(acc, 0, rows, wScales, rowSums, xScale, xZero, y, yo);
    }

    /** sums[so + r] = Σj w[wo + r·cols + j]: the zero-point correction term of each row. */
    public static void rowSums(byte[] w, int wo, int rows, int cols, int[] sums, int so) {
        if (rows < 0 || cols < 0 || (long) rows * cols > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("rowSums: bad shape [" + rows + ", " + cols + "]");
        }
        QuantizeKernels.checkRun("rowSums", "w", w.length, wo, rows * cols);
        QuantizeKernels.checkRun("rowSums", "sums", sums.length, so, rows);
        for (int r = 0; r < rows; r++) {
            int s = 0;
            for (int j = 0; j < cols; j++) {
                s += w[wo + r * cols + j];
            }
            sums[so + r] = s;
        }
    }

    // ------------------------------------------------------------------ checks

    private static void checkK(String op, int k) {
        if (k > MAX_K) {
            throw new IllegalArgumentException(op + ": length " + k + " exceeds " + MAX_K
                    + ", beyond which an int32 sum of int8 products may overflow");
        }
    }

    private static void checkGemv(String op, byte[] w, int wo, int rows, int cols, byte[] x, int xo) {
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException(op + ": negative shape [" + rows + ", " + cols + "]");
        }
        checkK(op, cols);
        if ((long) rows * cols > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(op + ": [" + rows + ", " + cols + "] has more than 2^31 elements");
        }
        QuantizeKernels.checkRun(op, "w", w.length, wo, rows * cols);
        QuantizeKernels.checkRun(op, "x", x.length, xo, cols);
    }
}
