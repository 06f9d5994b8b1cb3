package dev.pare.tensor.kernels;

import static dev.pare.tensor.kernels.GemmBlocking.LANES;
import static dev.pare.tensor.kernels.GemmBlocking.MR;
import static dev.pare.tensor.kernels.GemmBlocking.NR;
import static dev.pare.tensor.kernels.GemmPacking.A_CHUNK;
import static dev.pare.tensor.kernels.VectorConfig.FLOAT;

import jdk.incubator.vector.FloatVector;

/**
 * The innermost piece of the packed GEMM: an MR × NR tile of C (MR = 6 or 8 rows × 2 vectors,
 * {@link GemmBlocking#MR} says why) computed entirely in vector registers.
 *
 * <p>For each step p of the K sum it loads one row of the packed B micro-panel (2 vectors),
 * broadcasts each of the MR elements of one column of the packed A micro-panel, and does 2·MR
 * fused multiply-adds, one per accumulator:
 * <pre>
 *                 B micro-panel row p:  [ b0 (LANES) | b1 (LANES) ]
 *   A column p:  a0  →  c00 += a0·b0    c01 += a0·b1
 *                a1  →  c10 += a1·b0    c11 += a1·b1
 *                ...                          ...
 *                a5  →  c50 += a5·b0    c51 += a5·b1       (and a6, a7 when MR = 8)
 * </pre>
 * That is 12 FMAs for 8 loads (16 for 10 with 8 rows), and the tile of C is touched once per K
 * block, not once per p. Packed A comes in two layouts ({@link GemmPacking}), so each row count
 * has two loops, {@link #tile} and {@link #tileRowChunks}, which differ only in where they find
 * the column's MR elements.
 *
 * <p>Why it is written out by hand and kept this small: the accumulators must live in
 * registers, so they are local variables, not an array; hence one method per row count. If the method grows, C2 can run out of
 * its inlining budget for the Vector API's intrinsics, and each vector then becomes a heap object
 * (several times slower; GemmBenchmark's {@code -prof gc} run shows it as bytes per operation).
 * The packed operands are padded with zeros to whole tiles, so the loop has no edge cases, and
 * the kernel never knows a tile's real size: {@link Gemm} adds only the real part to C.
 */
final class GemmMicroKernel {
    private GemmMicroKernel() {}

    private static final int CH = A_CHUNK;

    /**
     * t[r·NR + j] = Σ_{p &lt; kc} ap[ai + p·MR + r] · bp[bi + p·NR + j] for r &lt; MR and j &lt; NR:
     * the sum runs in increasing p with one fused multiply-add per step.
     *
     * <p>It writes its tile to the small array {@code t} (MR·NR floats, in L1) rather than adding
     * it to C itself, and {@link Gemm} stores or adds {@code t} to C. Loading, adding and storing C here
     * (and a flag to choose between storing and adding) made this method big enough to cross
     * C2's inlining budget (NodeCountInliningCutoff): the last rows' vector operations were then
     * not intrinsified, their vectors became heap objects, and the multiply allocated in
     * proportion to its size and ran several times slower. The extra pass over t is one load and
     * store per element of the tile, against KC multiply-adds for each.
     */
    static void tile(int kc, float[] ap, int ai, float[] bp, int bi, float[] t) {
        // MR is a constant, so C2 keeps only one of the two calls.
        if (MR == 8) {
            eightRows(kc, ap, ai, bp, bi, t);
        } else {
            sixRows(kc, ap, ai, bp, bi, t);
        }
    }

    /** {@link #tile} for MR = 6 (vectors of 8 lanes or fewer: it fits AVX2's 16 registers). */
    private static void sixRows(int kc, float[] ap, int ai, float[] bp, int bi, float[] t) {
        FloatVector c00 = FloatVector.zero(FLOAT);
        FloatVector c01 = FloatVector.zero(FLOAT);
        FloatVector c10 = FloatVector.zero(FLOAT);
        FloatVector c11 = FloatVector.zero(FLOAT);
        FloatVector c20 = FloatVector.zero(FLOAT);
        FloatVector c21 = FloatVector.zero(FLOAT);
        FloatVector c30 = FloatVector.zero(FLOAT);
        FloatVector c31 = FloatVector.zero(FLOAT);
        FloatVector c40 = FloatVector.zero(FLOAT);
        FloatVector c41 = FloatVector.zero(FLOAT);
        FloatVector c50 = FloatVector.zero(FLOAT);
        FloatVector c51 = FloatVector.zero(FLOAT);
        int pa = ai;
        int pb = bi;
        for (int p = 0; p < kc; p++, pa += 6, pb += NR) {
            FloatVector b0 = FloatVector.fromArray(FLOAT, bp, pb);
            FloatVector b1 = FloatVector.fromArray(FLOAT, bp, pb + LANES);
            FloatVector a = FloatVector.broadcast(FLOAT, ap[pa]);
            c00 = a.fma(b0, c00);
            c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(FLOAT, ap[pa + 1]);
            c10 = a.fma(b0, c10);
            c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(FLOAT, ap[pa + 2]);
            c20 = a.fma(b0, c20);
            c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(FLOAT, ap[pa + 3]);
            c30 = a.fma(b0, c30);
            c31 = a.fma(b1, c31);
            a = FloatVector.broadcast(FLOAT, ap[pa + 4]);
            c40 = a.fma(b0, c40);
            c41 = a.fma(b1, c41);
            a = FloatVector.broadcast(FLOAT, ap[pa + 5]);
            c50 = a.fma(b0, c50);
            c51 = a.fma(b1, c51);
        }
        store(c00, c01, t, 0);
        store(c10, c11, t, NR);
        store(c20, c21, t, 2 * NR);
        store(c30, c31, t, 3 * NR);
        store(c40, c41, t, 4 * NR);
        store(c50, c51, t, 5 * NR);
    }

    /** {@link #tile} for MR = 8 (16-lane vectors: 19 of AVX-512's 32 registers). */
    private static void eightRows(int kc, float[] ap, int ai, float[] bp, int bi, float[] t) {
        FloatVector c00 = FloatVector.zero(FLOAT);
        FloatVector c01 = FloatVector.zero(FLOAT);
        FloatVector c10 = FloatVector.zero(FLOAT);
        FloatVector c11 = FloatVector.zero(FLOAT);
        FloatVector c20 = FloatVector.zero(FLOAT);
        FloatVector c21 = FloatVector.zero(FLOAT);
        FloatVector c30 = FloatVector.zero(FLOAT);
        FloatVector c31 = FloatVector.zero(FLOAT);
        FloatVector c40 = FloatVector.zero(FLOAT);
        FloatVector c41 = FloatVector.zero(FLOAT);
        FloatVector c50 = FloatVector.zero(FLOAT);
        FloatVector c51 = FloatVector.zero(FLOAT);
        FloatVector c60 = FloatVector.zero(FLOAT);
        FloatVector c61 = FloatVector.zero(FLOAT);
        FloatVector c70 = FloatVector.zero(FLOAT);
        FloatVector c71 = FloatVector.zero(FLOAT);
        int pa = ai;
        int pb = bi;
        for (int p = 0; p < kc; p++, pa += 8, pb += NR) {
            FloatVector b0 = FloatVector.fromArray(FLOAT, bp, pb);
            FloatVector b1 = FloatVector.fromArray(FLOAT, bp, pb + LANES);
            FloatVector a = FloatVector.broadcast(FLOAT, ap[pa]);
            c00 = a.fma(b0, c00);
            c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(FLOAT, ap[pa + 1]);
            c10 = a.fma(b0, c10);
            c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(FLOAT, ap[pa + 2]);
            c20 = a.fma(b0, c20);
            c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(FLOAT, ap[pa + 3]);
            c30 = a.fma(b0, c30);
            c31 = a.fma(b1, c31);
            a = FloatVector.broadcast(FLOAT, ap[pa + 4]);
            c40 = a.fma(b0, c40);
            c41 = a.fma(b1, c41);
            a = FloatVector.broadcast(FLOAT, ap[pa + 5]);
            c50 = a.fma(b0, c50);
            c51 = a.fma(b1, c51);
            a = FloatVector.broadcast(FLOAT, ap[pa + 6]);
            c60 = a.fma(b0, c60);
            c61 = a.fma(b1, c61);
            a = FloatVector.broadcast(FLOAT, ap[pa + 7]);
            c70 = a.fma(b0, c70);
            c71 = a.fma(b1, c71);
        }
        store(c00, c01, t, 0);
        store(c10, c11, t, NR);
        store(c20, c21, t, 2 * NR);
        store(c30, c31, t, 3 * NR);
        store(c40, c41, t, 4 * NR);
        store(c50, c51, t, 5 * NR);
        store(c60, c61, t, 6 * NR);
        store(c70, c71, t, 7 * NR);
    }

    /**
     * {@link #tile} for A packed in row chunks ({@link GemmPacking#rowChunks}): step p reads row r
     * of A at ap[ai + (p / A_CHUNK)·MR·A_CHUNK + r·A_CHUNK + p mod A_CHUNK]. The same products in
     * the same order as {@link #tile}, so the same bits for the same operands.
     *
     * <p>Within a chunk the MR broadcasts read at fixed distances (r·A_CHUNK floats) from one
     * index, as {@link #tile}'s read at r floats, so the loop body is the same machine code; the
     * index jumps to the next chunk once every A_CHUNK steps. Trap: writing that as a loop over
     * chunks around a loop over steps made JDK 17 keep the accumulators as heap objects (they are
     * carried through two loops), and the product ran many times slower.
     */
    static void tileRowChunks(int kc, float[] ap, int ai, float[] bp, int bi, float[] t) {
        if (MR == 8) {
            eightRowsChunked(kc, ap, ai, bp, bi, t);
        } else {
            sixRowsChunked(kc, ap, ai, bp, bi, t);
        }
    }

    /** {@link #tileRowChunks} for MR = 6. */
    private static void sixRowsChunked(int kc, float[] ap, int ai, float[] bp, int bi, float[] t) {
        FloatVector c00 = FloatVector.zero(FLOAT);
        FloatVector c01 = FloatVector.zero(FLOAT);
        FloatVector c10 = FloatVector.zero(FLOAT);
        FloatVector c11 = FloatVector.zero(FLOAT);
        FloatVector c20 = FloatVector.zero(FLOAT);
        FloatVector c21 = FloatVector.zero(FLOAT);
        FloatVector c30 = FloatVector.zero(FLOAT);
        FloatVector c31 = FloatVector.zero(FLOAT);
        FloatVector c40 = FloatVector.zero(FLOAT);
        FloatVector c41 = FloatVector.zero(FLOAT);
        FloatVector c50 = FloatVector.zero(FLOAT);
        FloatVector c51 = FloatVector.zero(FLOAT);
        int pb = bi;
        // pa steps by one float within a chunk, and on to the next chunk's first row after its last column.
        for (int p = 0, pa = ai; p < kc; p++, pb += NR, pa += (p & (CH - 1)) == 0 ? 5 * CH + 1 : 1) {
            FloatVector b0 = FloatVector.fromArray(FLOAT, bp, pb);
            FloatVector b1 = FloatVector.fromArray(FLOAT, bp, pb + LANES);
            FloatVector a = FloatVector.broadcast(FLOAT, ap[pa]);
            c00 = a.fma(b0, c00);
            c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(FLOAT, ap[pa + CH]);
            c10 = a.fma(b0, c10);
            c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(FLOAT, ap[pa + 2 * CH]);
            c20 = a.fma(b0, c20);
            c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(FLOAT, ap[pa + 3 * CH]);
            c30 = a.fma(b0, c30);
            c31 = a.fma(b1, c31);
            a = FloatVector.broadcast(FLOAT, ap[pa + 4 * CH]);
            c40 = a.fma(b0, c40);
            c41 = a.fma(b1, c41);
            a = FloatVector.broadcast(FLOAT, ap[pa + 5 * CH]);
            c50 = a.fma(b0, c50);
            c51 = a.fma(b1, c51);
        }
        store(c00, c01, t, 0);
        store(c10, c11, t, NR);
        store(c20, c21, t, 2 * NR);
        store(c30, c31, t, 3 * NR);
        store(c40, c41, t, 4 * NR);
        store(c50, c51, t, 5 * NR);
    }

    /** {@link #tileRowChunks} for MR = 8. */
    private static void eightRowsChunked(int kc, float[] ap, int ai, float[] bp, int bi, float[] t) {
        FloatVector c00 = FloatVector.zero(FLOAT);
        FloatVector c01 = FloatVector.zero(FLOAT);
        FloatVector c10 = FloatVector.zero(FLOAT);
        FloatVector c11 = FloatVector.zero(FLOAT);
        FloatVector c20 = FloatVector.zero(FLOAT);
        FloatVector c21 = FloatVector.zero(FLOAT);
        FloatVector c30 = FloatVector.zero(FLOAT);
        FloatVector c31 = FloatVector.zero(FLOAT);
        FloatVector c40 = FloatVector.zero(FLOAT);
        FloatVector c41 = FloatVector.zero(FLOAT);
        FloatVector c50 = FloatVector.zero(FLOAT);
        FloatVector c51 = FloatVector.zero(FLOAT);
        FloatVector c60 = FloatVector.zero(FLOAT);
        FloatVector c61 = FloatVector.zero(FLOAT);
        FloatVector c70 = FloatVector.zero(FLOAT);
        FloatVector c71 = FloatVector.zero(FLOAT);
        int pb = bi;
        // pa steps by one float within a chunk, and on to the next chunk's first row after its last column.
        for (int p = 0, pa = ai; p < kc; p++, pb += NR, pa += (p & (CH - 1)) == 0 ? 7 * CH + 1 : 1) {
            FloatVector b0 = FloatVector.fromArray(FLOAT, bp, pb);
            FloatVector b1 = FloatVector.fromArray(FLOAT, bp, pb + LANES);
            FloatVector a = FloatVector.broadcast(FLOAT, ap[pa]);
            c00 = a.fma(b0, c00);
            c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(FLOAT, ap[pa + CH]);
            c10 = a.fma(b0, c10);
            c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(FLOAT, ap[pa + 2 * CH]);
            c20 = a.fma(b0, c20);
            c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(FLOAT, ap[pa + 3 * CH]);
            c30 = a.fma(b0, c30);
            c31 = a.fma(b1, c31);
            a = FloatVector.broadcast(FLOAT, ap[pa + 4 * CH]);
            c40 = a.fma(b0, c40);
            c41 = a.fma(b1, c41);
            a = FloatVector.broadcast(FLOAT, ap[pa + 5 * CH]);
            c50 = a.fma(b0, c50);
            c51 = a.fma(b1, c51);
            a = FloatVector.broadcast(FLOAT, ap[pa + 6 * CH]);
            c60 = a.fma(b0, c60);
            c61 = a.fma(b1, c61);
            a = FloatVector.broadcast(FLOAT, ap[pa + 7 * CH]);
            c70 = a.fma(b0, c70);
            c71 = a.fma(b1, c71);
        }
        store(c00, c01, t, 0);
        store(c10, c11, t, NR);
        store(c20, c21, t, 2 * NR);
        store(c30, c31, t, 3 * NR);
        store(c40, c41, t, 4 * NR);
        store(c50, c51, t, 5 * NR);
        store(c60, c61, t, 6 * NR);
        store(c70, c71, t, 7 * NR);
    }

    private static void store(FloatVector v0, FloatVector v1, float[] t, int ti) {
        v0.intoArray(t, ti);
        v1.intoArray(t, ti + LANES);
    }
}
