package dev.pare.tensor.kernels;

import static dev.pare.tensor.kernels.GemmBlocking.NR;

import dev.pare.tensor.parallel.Parallel;

/**
 * A batch of products that share their left operand: {@code C[s] = op(A) · B[s]} for
 * {@code s < batch}, with op(A) M×K, each B[s] K×N and each C[s] M×N, sample s's operands
 * {@code bStride} and {@code cStride} floats after sample s − 1's. A 1×1 convolution is exactly
 * this: {@code out[s] = W · x[s]} forward and {@code dx[s] = Wᵀ · dOut[s]} backward.
 *
 * <p>Why not {@link Gemm} once per sample: each call packs op(A) again (a copy of M·K floats,
 * transposed when op(A) is Aᵀ), and when a sample has few columns, as a 7 × 7 feature map's 49,
 * that copy costs about as much as the sample's arithmetic. Here each block of op(A) is packed
 * once per thread and serves every sample; each sample's B is packed as {@link Gemm} would, and
 * the same micro-kernel computes the same tiles.
 *
 * <p>The loops, outermost first: blocks of K (as {@link Gemm}'s, from {@link GemmBlocking}),
 * blocks of M, the samples, then panels of N. The samples are split over threads, whole ones.
 * Every element of C[s] is summed exactly as {@link Gemm#gemm} sums it for the single product
 * {@code op(A) · B[s]}, so the result is the same bits as one {@link Gemm#gemm} call per sample,
 * whatever the thread count.
 */
public final class GemmBatch {
    private GemmBatch() {}

    /** What to do with sample s's C once it is complete (a bias, an activation), on the thread that computed it, while it is in cache. */
    @FunctionalInterface
    public interface SampleDone {
        void done(int sample);
    }

    /**
     * C[s] = op(A)·B[s] for every sample, then {@code done.done(s)} (if not null). A is at
     * {@code a[ao]} with leading dimension {@code lda} ({@link GemmScalar}'s convention); B[s] is
     * the K×N row-major matrix at {@code b[bo + s·bStride]} with leading dimension {@code ldb};
     * C[s] is at {@code c[co + s·cStride]} with leading dimension {@code ldc}. C must not overlap
     * A or B.
     *
     * @throws IllegalArgumentException if a size, stride or leading dimension is negative, or
     *     some sample's operand does not fit in its array
     */
    public static void gemm(boolean transA, int m, int n, int k, float[] a, int ao, int lda, int batch,
                            float[] b, int bo, int bStride, int ldb, float[] c, int co, int cStride, int ldc,
                            SampleDone done) {
        gemm(transA, m, n, k, a, ao, lda, batch, b, bo, bStride, ldb, c, co, cStride, ldc, done, GemmBlocking.DEFAULT);
    }

    /**
     * {@link #gemm} with the given block sizes instead of this machine's: the tests use small
     * blocks so that several blocks of K and of M are reached with small products. The result is
     * then that of {@link Gemm#packedProduct} with the same blocks, sample by sample.
     */
    static void gemm(boolean transA, int m, int n, int k, float[] a, int ao, int lda, int batch,
                     float[] b, int bo, int bStride, int ldb, float[] c, int co, int cStride, int ldc,
                     SampleDone done, GemmBlocking blocking) {
        if (m < 0 || n < 0 || k < 0 || batch < 0 || bStride < 0 || cStride < 0) {
            throw new IllegalArgumentException("gemm(batch): negative size or stride: m=" + m + " n=" + n + " k=" + k
                    + " batch=" + batch + " bStride=" + bStride + " cStride=" + cStride);
        }
        if (batch == 0) {
            return;
        }
        if ((long) co + (long) (batch - 1) * cStride > Integer.MAX_VALUE
                || (long) bo + (long) (batch - 1) * bStride > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("gemm(batch): offsets past the end of any array: batch=" + batch
                    + " bStride=" + bStride + " cStride=" + cStride);
        }
        Gemm.checkOperand("A", a, ao, lda, transA ? k : m, transA ? m : k);
        for (int s : new int[] {0, batch - 1}) {   // the offsets grow with s: the first and last bound them all
            Gemm.checkOperand("B[" + s + "]", b, bo + s * bStride, ldb, k, n);
            Gemm.checkOperand("C[" + s + "]", c, co + s * cStride, ldc, m, n);
        }
        if (m > 1 && ldc < n) {
            throw new IllegalArgumentException("gemm(batch): ldc=" + ldc + " is less than n=" + n + " with m=" + m
                    + " rows");
        }
        long work = (long) m * n * k;
        if (work <= GemmBlocking.DIRECT_MAX_WORK || m == 1 || n == 1) {
            // Gemm takes its direct path for these: call it, so that the bits stay its own.
            Parallel.forRange(batch, Parallel.grainFor(work), (lo, hi) -> {
                for (int s = lo; s < hi; s++) {
                    Gemm.gemm(transA, false, m, n, k, a, ao, lda, b, bo + s * bStride, ldb, c, co + s * cStride, ldc,
                            false);
                    if (done != null) {
                        done.done(s);
                    }
                }
            });
            return;
        }
        Parallel.forRange(batch, Parallel.grainFor(work), (lo, hi) ->
                samples(transA, m, n, k, a, ao, lda, lo, hi, b, bo, bStride, ldb, c, co, cStride, ldc, done, blocking));
    }

    /** Samples [lo, hi) on this thread: {@link Gemm}'s blocked loops with the sample loop inside the blocks of A. */
    private static void samples(boolean transA, int m, int n, int k, float[] a, int ao, int lda, int lo, int hi,
                                float[] b, int bo, int bStride, int ldb, float[] c, int co, int cStride, int ldc,
                                SampleDone done, GemmBlocking blocking) {
        int kb = blocking.kBlock(k);
        int mb = blocking.mBlock(m, kb);
        int nb = blocking.nc();
        Gemm.Workspace ws = Gemm.workspace();
        boolean rowChunks = GemmPacking.rowChunks(transA);
        float[] ap = ws.packedA(GemmPacking.aBlockSize(rowChunks, mb, kb));
        float[] bp = ws.packedB(Math.min(nb, (n + NR - 1) / NR * NR) * kb);
        for (int pc = 0; pc < k; pc += kb) {
            int kc = Math.min(kb, k - pc);
            boolean add = pc > 0;   // the first K block stores into C, later ones add, as in Gemm
            for (int ic = 0; ic < m; ic += mb) {
                int mc = Math.min(mb, m - ic);
                GemmPacking.packA(transA, a, ao, lda, ic, mc, pc, kc, ap);
                for (int s = lo; s < hi; s++) {
                    int bs = bo + s * bStride;
                    int cs = co + s * cStride;
                    for (int jc = 0; jc < n; jc += nb) {
                        int nc = Math.min(nb, n - jc);
                        GemmPacking.packB(false, b, bs, ldb, pc, kc, jc, nc, bp);
                        Gemm.macroKernel(mc, nc, kc, rowChunks, ap, bp, 0, ws.tile, c, cs + ic * ldc + jc, ldc, add,
                                null, jc);
                    }
                }
            }
        }
        if (done != null) {
            for (int s = lo; s < hi; s++) {
                done.done(s);
            }
        }
    }
}
