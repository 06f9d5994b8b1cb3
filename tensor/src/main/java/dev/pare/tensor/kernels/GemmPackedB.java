package dev.pare.tensor.kernels;

import static dev.pare.tensor.kernels.GemmBlocking.NR;

/**
 * A right operand op(B) (K×N) packed once, in the layout {@link Gemm} reads, so that many
 * products with the same B skip its packing: a layer's weight during inference, multiplied by
 * batch after batch.
 *
 * <p>Why: in a linear layer's {@code x·Wᵀ} the packing of Wᵀ is a transpose, element by
 * element or through registers ({@link GemmPacking#packB}), and each packed float is then used by
 * only batch-size multiply-adds. At a batch of a few hundred the packing is a real share of the
 * product, and it is the same work every call while the weights do not change.
 *
 * <p>Layout: K is cut into blocks of depth {@code kb} ({@link GemmBlocking#kBlock}); block t holds
 * all ceil(N / NR) micro-panels of rows [t·kb, t·kb + kc) of op(B), each kc × NR floats, one after
 * the other. Any range of columns that starts at a multiple of NR is then a contiguous run of
 * micro-panels, exactly what {@link Gemm}'s loops would have packed for it, so the loops read it
 * in place. The blocking is fixed when the pack is made; results are bit for bit those of
 * {@link Gemm#gemm} with the same blocking.
 *
 * <p>A pack is a copy: it does not see later changes to B, and B must not change while it is used.
 * (Products that {@link Gemm} computes without packing, a single row of A or a tiny product, read
 * the B it was packed from, as {@link Gemm#gemm} would.) Whoever keeps a pack must therefore know
 * when B changes; nn's Linear compares the weights with the values its pack was made from.
 */
public final class GemmPackedB {
    private final int k;
    private final int n;
    private final int kb;
    private final float[] data;
    // The source, for the products that Gemm computes without packing (a single row, or a tiny
    // product): they read B where it lies, as Gemm.gemm would, so that the bits are the same.
    private final boolean transB;
    private final float[] b;
    private final int bo;
    private final int ldb;

    private GemmPackedB(int k, int n, int kb, float[] data, boolean transB, float[] b, int bo, int ldb) {
        this.k = k;
        this.n = n;
        this.kb = kb;
        this.data = data;
        this.transB = transB;
        this.b = b;
        this.bo = bo;
        this.ldb = ldb;
    }

    /**
     * Packs op(B), K×N, with the conventions of {@link GemmScalar} (op(B)[p][j] at
     * {@code b[bo + p·ldb + j]}, or {@code b[bo + j·ldb + p]} when {@code transB}).
     *
     * @throws IllegalArgumentException if a size is negative or B does not fit in its array
     */
    public static GemmPackedB pack(boolean transB, int k, int n, float[] b, int bo, int ldb) {
        return pack(transB, k, n, b, bo, ldb, GemmBlocking.DEFAULT);
    }

    static GemmPackedB pack(boolean transB, int k, int n, float[] b, int bo, int ldb, GemmBlocking blocking) {
        if (k < 0 || n < 0) {
            throw new IllegalArgumentException("GemmPackedB.pack: negative size k=" + k + " n=" + n);
        }
        Gemm.checkOperand("B", b, bo, ldb, transB ? n : k, transB ? k : n);
        int kb = Math.max(1, blocking.kBlock(k));
        int padded = (n + NR - 1) / NR * NR;
        float[] data = new float[Math.multiplyExact(padded, k)];
        for (int pc = 0; pc < k; pc += kb) {
            int kc = Math.min(kb, k - pc);
            if (n > 0) {
                GemmPacking.packB(transB, b, bo, ldb, pc, kc, 0, n, data, pc * padded);
            }
        }
        return new GemmPackedB(k, n, kb, data, transB, b, bo, ldb);
    }

    /** Rows of op(B): the depth of the products it serves. */
    public int k() {
        return k;
    }

    /** Columns of op(B). */
    public int n() {
        return n;
    }

    /** Depth of each K block. */
    int kBlock() {
        return kb;
    }

    float[] data() {
        return data;
    }

    /** The plain product with the B this was packed from: Gemm's choice for the direct path. */
    void gemmDirect(boolean transA, int m, float[] a, int ao, int lda, float[] c, int co, int ldc,
                    boolean accumulate, GemmEpilogue epilogue) {
        Gemm.gemm(transA, transB, m, n, k, a, ao, lda, b, bo, ldb, c, co, ldc, accumulate, epilogue);
    }

    /** Where the micro-panel of columns [j, j + NR) of the K block starting at row pc begins. */
    int offset(int pc, int j) {
        int kc = Math.min(kb, k - pc);
        return pc * ((n + NR - 1) / NR * NR) + j * kc;
    }
}
