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
 * row (Σj wq[r,j] is computed once, when the weights are packed by {@link Int8GemvWeights};
 * {@link #rowSums} computes it for the scalar twin).
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
 * vpmaddubsw/vpmaddwd, or VNNI's vpdpbusd), so the products are made in 32-bit lanes. The
 * matrix-vector product reads W packed by {@link Int8GemvWeights}: each int holds the codes of
 * four rows at one column, offset to u = w + 128 ∈ [0, 255]; the activations are offset the same
 * way, x' = x + 128, once per call. Two steps split a vector of such ints into two, each lane
 * holding two codes 16 bits apart: a mask keeps codes 0 and 2, and a shift of each 16-bit half
 * by one byte (one instruction on shorts, where a 32-bit shift would need a mask after it)
 * brings down codes 1 and 3. One 32-bit multiply then makes two products:
 * <pre>
 *   (u0 + 2^16·u2) · x'  =  u0·x' + 2^16·(u2·x')        both products in [0, 65025] &lt; 2^16
 * </pre>
 * The low product never carries into the high half, so p &gt;&gt;&gt; 16 is exactly u2·x'. The
 * kernel accumulates the raw p (R) and p &gt;&gt;&gt; 16 (H), in int, which may wrap: then
 * Σ u2·x' = H and Σ u0·x' = R − 2^16·H, modulo 2^32. Undoing the offsets,
 * <pre>
 *   Σj w·x  =  Σj u·x'  −  128·Σj w  −  128·Σj x  −  128²·K          (mod 2^32)
 * </pre>
 * with Σj w the row sums of the packing and Σj x summed once per call. Every step is exact modulo
 * 2^32 and the true result fits an int32 (K ≤ {@link #MAX_K}), so it equals the scalar twin's.
 * Per 4·L multiply-adds (L int lanes, 16 at 512 bits) that is 12 vector instructions, two loads
 * among them, and no sign extension; reading row-major bytes needed one sign extension per L
 * multiply-adds, which all went through one execution port (docs/int8-kernels.md measures both).
 * {@link #dot}, a single dot product of two byte arrays, keeps the simple form: each byte
 * sign-extended to an int ({@code convertShape(B2I)}), a 32-bit multiply and an add.
 */
public final class Int8Gemv {
    private Int8Gemv() {}

    /** The longest dot product whose int32 result is exact for every int8 input: 2^17 − 1. */
    public static final int MAX_K = (1 << 17) - 1;

    /** Rows of W handled together: the four of one int of {@link Int8GemvWeights}. */
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

    /** Scalar twin of {@link #gemvInt32}, on the row-major codes w[wo + r·cols + j] that were packed. */
    public static void gemvInt32Scalar(byte[] w, int wo, int rows, int cols, byte[] x, int xo, int[] acc, int ao) {
        for (int r = 0; r < rows; r++) {
            acc[ao + r] = dotScalar(w, wo + r * cols, x, xo, cols);
        }
    }

    /** Scalar twin of {@link #gemv}, on the row-major codes, with their {@link #rowSums}. */
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
     * acc[ao + r] = Σj w[r, j]·x[xo + j] for r &lt; w.rows(), j &lt; w.cols(): the int32 rows of W·x.
     * Large products are split by rows over {@link Parallel}'s threads; the result is exact, so it
     * never depends on the thread count.
     */
    public static void gemvInt32(Int8GemvWeights w, byte[] x, int xo, int[] acc, int ao) {
        QuantizeKernels.checkRun("gemvInt32", "x", x.length, xo, w.cols());
        QuantizeKernels.checkRun("gemvInt32", "acc", acc.length, ao, w.rows());
        overRows(w.rows(), w.cols(), ROW_BLOCK, (r0, r1) -> rowsInt32(w, r0, r1, x, xo, acc, ao));
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
     * Each thread's x' = x + 128 as ints, for {@link #rowsInt32}: grows to the longest x seen, then
     * is reused, so a product allocates nothing.
     */
    private static final ThreadLocal<int[]> SHIFTED_X = ThreadLocal.withInitial(() -> new int[0]);

    /** The two codes of each 16-bit half of an int: bytes 0 and 2. */
    private static final int LOW_BYTES = 0x00FF00FF;

    /**
     * {@link #gemvInt32} for rows [r0, r1), r0 a multiple of 4, unchecked: one quad of rows
     * ({@link Int8GemvWeights}) at a time, with the arithmetic of the class comment.
     */
    private static void rowsInt32(Int8GemvWeights w, int r0, int r1, byte[] x, int xo, int[] acc, int ao) {
        int cols = w.cols();
        int[] xs = SHIFTED_X.get();
        if (xs.length < cols) {
            xs = new int[cols];
            SHIFTED_X.set(xs);
        }
        // The offsets' share of every row: 128·Σx + 128²·K, modulo 2^32 like everything here.
        int common = 128 * shiftX(x, xo, cols, xs) + 16384 * cols;
        int[] quads = w.quads();
        int[] sums = w.rowSums();
        int lanes = INT_FOR_BYTE.length();
        int bound = INT_FOR_BYTE.loopBound(cols);
        for (int r = r0; r < r1; r += ROW_BLOCK) {
            int base = r / ROW_BLOCK * cols;
            IntVector raw02 = IntVector.zero(INT_FOR_BYTE);   // rows r and r+2
            IntVector raw13 = IntVector.zero(INT_FOR_BYTE);   // rows r+1 and r+3
            IntVector high2 = IntVector.zero(INT_FOR_BYTE);
            IntVector high3 = IntVector.zero(INT_FOR_BYTE);
            int j = 0;
            for (; j < bound; j += lanes) {
                IntVector vx = IntVector.fromArray(INT_FOR_BYTE, xs, j);
                IntVector q = IntVector.fromArray(INT_FOR_BYTE, quads, base + j);
                IntVector p02 = q.and(LOW_BYTES).mul(vx);
                IntVector p13 = ((IntVector) q.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 8)
                        .reinterpretAsInts()).mul(vx);
                raw02 = raw02.add(p02);
                raw13 = raw13.add(p13);
                high2 = high2.add(p02.lanewise(VectorOperators.LSHR, 16));
                high3 = high3.add(p13.lanewise(VectorOperators.LSHR, 16));
            }
            // Integer addition is associative (modulo 2^32), so reduceLanes' unspecified order
            // is harmless here, unlike for floats.
            int s2 = high2.reduceLanes(VectorOperators.ADD);
            int s3 = high3.reduceLanes(VectorOperators.ADD);
            int s0 = raw02.reduceLanes(VectorOperators.ADD) - (s2 << 16);
            int s1 = raw13.reduceLanes(VectorOperators.ADD) - (s3 << 16);
            for (; j < cols; j++) {
                int v = quads[base + j];
                int xj = xs[j];
                s0 += (v & 0xFF) * xj;
                s1 += ((v >>> 8) & 0xFF) * xj;
                s2 += ((v >>> 16) & 0xFF) * xj;
                s3 += (v >>> 24) * xj;
            }
            acc[ao + r] = s0 - 128 * sums[r] - common;
            if (r + 1 < r1) {
                acc[ao + r + 1] = s1 - 128 * sums[r + 1] - common;
            }
            if (r + 2 < r1) {
                acc[ao + r + 2] = s2 - 128 * sums[r + 2] - common;
            }
            if (r + 3 < r1) {
                acc[ao + r + 3] = s3 - 128 * sums[r + 3] - common;
            }
        }
    }

    /** xs[j] = x[xo + j] + 128 for j &lt; n; returns Σ x[xo + j] (modulo 2^32). */
    private static int shiftX(byte[] x, int xo, int n, int[] xs) {
        IntVector sum = IntVector.zero(INT_FOR_BYTE);
        int lanes = INT_FOR_BYTE.length();
        int bound = INT_FOR_BYTE.loopBound(n);
        int j = 0;
        for (; j < bound; j += lanes) {
            IntVector v = widen(x, xo + j);
            sum = sum.add(v);
            v.add(128).intoArray(xs, j);
        }
        int s = sum.reduceLanes(VectorOperators.ADD);
        for (; j < n; j++) {
            s += x[xo + j];
            xs[j] = x[xo + j] + 128;
        }
        return s;
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
     * scales {@code wScales}), packed by {@link Int8GemvWeights}, and int8 x (scale
     * {@code xScale}, zero point {@code xZero}). {@code acc} is int32 scratch of ≥ rows.
     */
    public static void gemv(Int8GemvWeights w, float[] wScales, byte[] x, int xo, float xScale, int xZero,
                            float[] y, int yo, int[] acc) {
        gemv(w, wScales, x, xo, xScale, xZero, null, y, yo, acc);
    }

    /**
     * {@link #gemv(Int8GemvWeights, float[], byte[], int, float, int, float[], int, int[])} plus
     * {@code bias[r]} on each row when {@code bias} is not null: y[r] = sw[r]·sx·(Σj wq·xq −
     * zx·Σj wq) + bias[r], the same floats as {@link #gemvScalar} followed by adding the bias.
     *
     * <p>Each thread turns its own rows back into floats right after their dot products, while
     * they are still in its cache: done afterwards, on the calling thread, that pass over the rows
     * is a serial step, and at batch 1 a small layer's dot products take only a few microseconds.
     */
    public static void gemv(Int8GemvWeights w, float[] wScales, byte[] x, int xo, float xScale, int xZero,
                            float[] bias, float[] y, int yo, int[] acc) {
        int rows = w.rows();
        if (wScales.length < rows || (bias != null && bias.length < rows)) {
            throw new IllegalArgumentException("gemv: " + rows + " rows but " + wScales.length + " scales"
                    + (bias == null ? "" : " and " + bias.length + " biases"));
        }
        QuantizeKernels.checkRun("gemv", "x", x.length, xo, w.cols());
        QuantizeKernels.checkRun("gemv", "y", y.length, yo, rows);
        QuantizeKernels.checkRun("gemv", "acc", acc.length, 0, rows);
        int[] rowSums = w.rowSums();
        overRows(rows, w.cols(), ROW_BLOCK, (r0, r1) -> {
            rowsInt32(w, r0, r1, x, xo, acc, 0);
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

}
