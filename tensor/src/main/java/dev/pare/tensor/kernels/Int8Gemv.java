package dev.pare.tensor.kernels;

import static dev.pare.tensor.kernels.Int8Species.BYTE;
import static dev.pare.tensor.kernels.Int8Species.INT_FOR_BYTE;

import dev.pare.tensor.parallel.Parallel;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
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
 * vpmaddubsw/vpmaddwd, or VNNI's vpdpbusd). With W the vector width in bits (512 here, so
 * W/32 = 16 lanes), the kernel therefore sign-extends W/32 bytes of w
 * and of x straight to ints ({@code convertShape(B2I)}, one vpmovsxbd each), multiplies in
 * ints and adds: three instructions per W/32 multiply-adds once x is widened, and x is widened
 * once per call ({@link #rowsInt32}). Where a 32-bit vector multiply is a single fast micro-operation (AMD Zen 4 and 5) that
 * beats widening to shorts, multiplying in shorts and adding pairs of products into ints, which
 * does twice the products per instruction but needs extra instructions to add the pairs; where
 * the 32-bit multiply is two micro-operations (Intel) the balance may tip the other way
 * (docs/int8-kernels.md compares the formulations and measures them).
 * fp32 needs one FMA per W/32 multiply-adds; the same chapter explains why int8 is nevertheless
 * faster whenever the weights come from further away than the L1 cache.
 */
public final class Int8Gemv {
    private Int8Gemv() {}

    /** The longest dot product whose int32 result is exact for every int8 input: 2^17 − 1. */
    public static final int MAX_K = (1 << 17) - 1;

    /** Rows of W handled together: each widened x vector is reused by this many rows. */
    private static final int ROW_BLOCK = 4;

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
        IntVector acc = IntVector.zero(INT_FOR_BYTE);
        int lanes = INT_FOR_BYTE.length();
        int bound = INT_FOR_BYTE.loopBound(n);
        int i = 0;
        for (; i < bound; i += lanes) {
            acc = acc.add(widen(a, ao + i).mul(widen(b, bo + i)));
        }
        // Integer addition is associative (modulo 2^32), so reduceLanes' unspecified order is
        // harmless here, unlike for floats.
        return acc.reduceLanes(VectorOperators.ADD) + dotScalar(a, ao + i, b, bo + i, n - i);
    }

    /** W/32 bytes from {@code q[off]}, sign-extended to ints. */
    private static IntVector widen(byte[] q, int off) {
        return (IntVector) ByteVector.fromArray(BYTE, q, off).convertShape(VectorOperators.B2I, INT_FOR_BYTE, 0);
    }

    /**
     * acc[ao + r] = Σj w[wo + r·cols + j]·x[xo + j] for r &lt; rows, j &lt; cols: the int32 rows
     * of W·x with W a row-major int8 [rows, cols] matrix. Exact for cols ≤ {@link #MAX_K}. Large
     * products are split by rows over {@link Parallel}'s threads.
     */
    public static void gemvInt32(byte[] w, int wo, int rows, int cols, byte[] x, int xo, int[] acc, int ao) {
        checkGemv("gemvInt32", w, wo, rows, cols, x, xo);
        QuantizeKernels.checkRun("gemvInt32", "acc", acc.length, ao, rows);
        overRows(rows, cols, ROW_BLOCK, (r0, r1) -> rowsInt32(w, wo, r0, r1, cols, x, xo, acc, ao));
    }

    /**
     * Runs {@code rowRange} over rows [0, rows) of a rows × cols matrix-vector product: on the
     * calling thread, or, from the multiply-adds at which the fp32 matrix-vector product splits
     * ({@link GemmBlocking#GEMV_PARALLEL_MIN_WORK}), over {@link Parallel}'s threads in whole
     * blocks of {@code block} rows. Each row is then one thread's sum, computed as on one thread,
     * so the bits never depend on the thread count. {@link Int8WeightGemv} splits the same way.
     */
    static void overRows(int rows, int cols, int block, Parallel.RangeBody rowRange) {
        if (!Gemm.parallelMatrixVector((long) rows * cols)) {
            rowRange.run(0, rows);
            return;
        }
        int blocks = (rows + block - 1) / block;
        Parallel.forRange(blocks, 1, (lo, hi) -> rowRange.run(lo * block, Math.min(rows, hi * block)));
    }

    /**
     * Each thread's copy of x sign-extended to ints, for {@link #rowsInt32}: grows to the longest
     * x seen, then is reused, so a product allocates nothing.
     */
    private static final ThreadLocal<int[]> WIDE_X = ThreadLocal.withInitial(() -> new int[0]);

    /**
     * {@link #gemvInt32} for rows [r0, r1), unchecked.
     *
     * <p>The widening of bytes to ints is the kernel's bottleneck (one sign extension per W/32
     * multiply-adds, and they go through a single port on the cores measured), so x is widened
     * once per call into an int array and then only loaded: widened again for every block of
     * four rows, it added a quarter to the sign extensions of W.
     */
    private static void rowsInt32(byte[] w, int wo, int r0, int r1, int cols, byte[] x, int xo, int[] acc, int ao) {
        int lanes = INT_FOR_BYTE.length();
        int bound = INT_FOR_BYTE.loopBound(cols);
        int[] xi = WIDE_X.get();
        if (xi.length < bound) {
            xi = new int[bound];
            WIDE_X.set(xi);
        }
        for (int j = 0; j < bound; j += lanes) {
            widen(x, xo + j).intoArray(xi, j);
        }
        int r = r0;
        for (; r + ROW_BLOCK <= r1; r += ROW_BLOCK) {
            int w0 = wo + r * cols;
            int w1 = w0 + cols;
            int w2 = w1 + cols;
            int w3 = w2 + cols;
            IntVector a0 = IntVector.zero(INT_FOR_BYTE);
            IntVector a1 = IntVector.zero(INT_FOR_BYTE);
            IntVector a2 = IntVector.zero(INT_FOR_BYTE);
            IntVector a3 = IntVector.zero(INT_FOR_BYTE);
            int j = 0;
            for (; j < bound; j += lanes) {
                IntVector vx = IntVector.fromArray(INT_FOR_BYTE, xi, j);
                a0 = a0.add(widen(w, w0 + j).mul(vx));
                a1 = a1.add(widen(w, w1 + j).mul(vx));
                a2 = a2.add(widen(w, w2 + j).mul(vx));
                a3 = a3.add(widen(w, w3 + j).mul(vx));
            }
            int tail = cols - j;
            acc[ao + r] = a0.reduceLanes(VectorOperators.ADD) + dotScalar(w, w0 + j, x, xo + j, tail);
            acc[ao + r + 1] = a1.reduceLanes(VectorOperators.ADD) + dotScalar(w, w1 + j, x, xo + j, tail);
            acc[ao + r + 2] = a2.reduceLanes(VectorOperators.ADD) + dotScalar(w, w2 + j, x, xo + j, tail);
            acc[ao + r + 3] = a3.reduceLanes(VectorOperators.ADD) + dotScalar(w, w3 + j, x, xo + j, tail);
        }
        for (; r < r1; r++) {
            acc[ao + r] = dotUnchecked(w, wo + r * cols, x, xo, cols);
        }
    }

    /**
     * y[yo + r] = sw[r]·sx·(acc[r] − zx·rowSums[r]): the int32 results of {@link #gemvInt32}
     * back to float, with the zero-point correction. {@code acc} may be the caller's scratch.
     */
    public static void dequantize(int[] acc, int ao, int rows, float[] wScales, int[] rowSums,
                                  float xScale, int xZero, float[] y, int yo) {
        dequantizeRows(acc, ao, 0, rows, wScales, rowSums, xScale, xZero, null, y, yo);
    }

    /** {@link #dequantize} for rows [r0, r1), plus {@code bias[r]} when bias is not null. */
    private static void dequantizeRows(int[] acc, int ao, int r0, int r1, float[] wScales, int[] rowSums,
                                       float xScale, int xZero, float[] bias, float[] y, int yo) {
        for (int r = r0; r < r1; r++) {
            float v = dequantizeOne(acc[ao + r], rowSums[r], wScales[r], xScale, xZero);
            y[yo + r] = bias == null ? v : v + bias[r];
        }
    }

    /**
     * The quantized linear layer at batch 1: y = W·x in float from int8 W (symmetric, per-row
     * scales {@code wScales}) and int8 x (scale {@code xScale}, zero point {@code xZero}).
     * {@code rowSums} comes from {@link #rowSums}; {@code acc} is int32 scratch of ≥ rows.
     */
    public static void gemv(byte[] w, int wo, int rows, int cols, float[] wScales, int[] rowSums,
                            byte[] x, int xo, float xScale, int xZero, float[] y, int yo, int[] acc) {
        gemv(w, wo, rows, cols, wScales, rowSums, x, xo, xScale, xZero, null, y, yo, acc);
    }

    /**
     * {@link #gemv(byte[], int, int, int, float[], int[], byte[], int, float, int, float[], int, int[])}
     * plus {@code bias[r]} on each row when {@code bias} is not null: y[r] = sw[r]·sx·(Σj wq·xq −
     * zx·rowSums[r]) + bias[r], the same floats as adding the bias afterwards.
     *
     * <p>Each thread turns its own rows back into floats right after their dot products, while
     * they are still in its cache: done afterwards, on the calling thread, that pass over the rows
     * is a serial step, and at batch 1 a small layer's dot products take only a few microseconds.
     */
    public static void gemv(byte[] w, int wo, int rows, int cols, float[] wScales, int[] rowSums,
                            byte[] x, int xo, float xScale, int xZero, float[] bias, float[] y, int yo, int[] acc) {
        if (wScales.length < rows || rowSums.length < rows || (bias != null && bias.length < rows)) {
            throw new IllegalArgumentException("gemv: " + rows + " rows but " + wScales.length + " scales, "
                    + rowSums.length + " row sums" + (bias == null ? "" : " and " + bias.length + " biases"));
        }
        checkGemv("gemv", w, wo, rows, cols, x, xo);
        QuantizeKernels.checkRun("gemv", "y", y.length, yo, rows);
        QuantizeKernels.checkRun("gemv", "acc", acc.length, 0, rows);
        overRows(rows, cols, ROW_BLOCK, (r0, r1) -> {
            rowsInt32(w, wo, r0, r1, cols, x, xo, acc, 0);
            dequantizeRows(acc, 0, r0, r1, wScales, rowSums, xScale, xZero, bias, y, yo);
        });
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
