package dev.pare.tensor.kernels;

/**
 * Weight-only int8 matrix multiply for batches: C = X·Wᵀ with X float [batch, in] and W int8
 * [out, in] (symmetric, per-row scales), with its scalar twin.
 * <pre>
 *   C[b, r] = Σj X[b, j] · (sw[r]·wq[r, j])
 * </pre>
 *
 * <p>With a batch of many rows, every weight is used {@code batch} times, so the product is
 * compute-bound and the fastest int8 arithmetic is no arithmetic: the weights are dequantized
 * to float and the fp32 {@link Gemm} does the work at full FMA speed. The int8 copy only saves
 * memory (4× less resident weight). To avoid a full float copy of W, the weights are
 * dequantized {@link #BLOCK_ROWS} rows at a time into a per-thread scratch buffer, and each
 * block is one call of {@link Gemm#gemm} filling {@code BLOCK_ROWS} columns of C.
 *
 * <p>The later optimisation is to fuse the conversion into GEMM's packing step: a packed BLIS
 * GEMM copies panels of B into a contiguous buffer anyway, and converting bytes to floats while
 * copying would cost nothing extra and need no scratch at all. That waits for the packed
 * {@link Gemm}.
 */
public final class Int8WeightGemm {
    private Int8WeightGemm() {}

    /**
     * Rows of W dequantized per block. Large enough that each {@link Gemm} call has real work
     * per row of X (64 outputs of length {@code in}), small enough that the block (64·in floats:
     * 256 KiB at in = 1024) stays in the 1 MiB L2 cache while every row of X sweeps over it.
     */
    public static final int BLOCK_ROWS = 64;

    /** One scratch block per thread, grown on demand and then reused: no allocation per call. */
    private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[0]);

    /** Scalar twin of {@link #gemm}: dequantize all of W, then {@link GemmScalar}. */
    public static void gemmScalar(int batch, int out, int in, float[] x, int xo, int ldx,
                                  byte[] w, int wo, float[] wScales, float[] c, int co, int ldc, boolean accumulate) {
        float[] wf = new float[out * in];
        QuantizeKernels.dequantizeRows(w, wo, wf, 0, out, in, wScales, null);
        GemmScalar.gemm(false, true, batch, out, in, x, xo, ldx, wf, 0, in, c, co, ldc, accumulate);
    }

    /**
     * C[co + b·ldc + r] (+)= Σj x[xo + b·ldx + j]·sw[r]·w[wo + r·in + j], for b &lt; batch,
     * r &lt; out. Threads: those of {@link Gemm} inside each block.
     *
     * @throws IllegalArgumentException if a shape is negative or an array too short
     */
    public static void gemm(int batch, int out, int in, float[] x, int xo, int ldx,
                            byte[] w, int wo, float[] wScales, float[] c, int co, int ldc, boolean accumulate) {
        check(batch, out, in, x, xo, ldx, w, wo, wScales, c, co, ldc);
        if (batch == 0 || out == 0) {
            return;
        }
        int blockRows = Math.min(BLOCK_ROWS, out);
        float[] scratch = SCRATCH.get();
        if (scratch.length < blockRows * in) {
            scratch = new float[blockRows * in];
            SCRATCH.set(scratch);
        }
        for (int r0 = 0; r0 < out; r0 += BLOCK_ROWS) {
            int rows = Math.min(BLOCK_ROWS, out - r0);
            for (int i = 0; i < rows; i++) {
                QuantizeKernels.dequantize(w, wo + (r0 + i) * in, scratch, i * in, in, wScales[r0 + i], 0);
            }
            Gemm.gemm(false, true, batch, rows, in, x, xo, ldx, scratch, 0, in, c, co + r0, ldc, accumulate);
        }
    }

    private static void check(int batch, int out, int in, float[] x, int xo, int ldx,
                              byte[] w, int wo, float[] wScales, float[] c, int co, int ldc) {
        if (batch < 0 || out < 0 || in < 0 || (long) out * in > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("int8 weight gemm: bad shape batch " + batch + ", W [" + out + ", " + in + "]");
        }
        if (ldx < in || ldc < out) {
            throw new IllegalArgumentException("int8 weight gemm: leading dimensions ldx " + ldx + " < in " + in
                    + " or ldc " + ldc + " < out " + out);
        }
        if (wScales.length < out) {
            throw new IllegalArgumentException("int8 weight gemm: " + out + " rows but " + wScales.length + " scales");
        }
        QuantizeKernels.checkRun("int8 weight gemm", "w", w.length, wo, out * in);
        if (batch > 0) {
            QuantizeKernels.checkRun("int8 weight gemm", "x", x.length, xo, (int) Math.min(Integer.MAX_VALUE, (long) (batch - 1) * ldx + in));
            QuantizeKernels.checkRun("int8 weight gemm", "c", c.length, co, (int) Math.min(Integer.MAX_VALUE, (long) (batch - 1) * ldc + out));
        }
    }
}
