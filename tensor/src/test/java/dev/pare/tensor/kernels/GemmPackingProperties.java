package dev.pare.tensor.kernels;

import static dev.pare.tensor.kernels.GemmBlocking.MR;
import static dev.pare.tensor.kernels.GemmBlocking.NR;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.pare.tensor.Rng;
import java.util.Arrays;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Packing is a pure reordering, so a packed buffer must equal, float for float, the layout written
 * out from its definition: panel t of A holds op(A)[i0 + t·MR + r][p0 + q] at t·MR·kc + q·MR + r
 * in columns (op(A) = Aᵀ), and at t·P + (q / 16)·MR·16 + r·16 + q mod 16 in row chunks
 * (op(A) = A; P is the panel rounded up to whole chunks, {@link GemmPacking#aPanelSize}),
 * panel u of B holds op(B)[p0 + q][j0 + u·NR + r] at u·NR·kc + q·NR + r, zeros beyond the
 * matrix. The 8 × 8 register blocks, the 8-float copies and the element-by-element edges all have
 * to agree with it, at sizes on and off multiples of 8, MR and NR, and with leading dimensions
 * larger than the rows.
 */
class GemmPackingProperties {

    @Property(tries = 150)
    void packedAEqualsItsDefinition(@ForAll boolean transA, @ForAll("awkward") int mc, @ForAll("awkward") int kc,
                                    @ForAll @IntRange(min = 0, max = 5) int extraLd, @ForAll @IntRange(min = 0, max = 9) int i0,
                                    @ForAll @IntRange(min = 0, max = 9) int p0, @ForAll @IntRange(min = 0, max = 3) int offset) {
        int rows = i0 + mc;
        int cols = p0 + kc;
        int lda = (transA ? rows : cols) + extraLd;
        float[] a = values(offset + (transA ? cols : rows) * lda, 1);
        int panels = (mc + MR - 1) / MR;
        boolean chunks = GemmPacking.rowChunks(transA);
        int panel = GemmPacking.aPanelSize(chunks, kc);
        float[] packed = new float[panels * panel + GemmPacking.A_SLACK];
        Arrays.fill(packed, Float.NaN);
        GemmPacking.packA(transA, a, offset, lda, i0, mc, p0, kc, packed);
        for (int t = 0; t < panels; t++) {
            for (int q = 0; q < kc; q++) {
                for (int r = 0; r < MR; r++) {
                    int i = t * MR + r;
                    float expected = i >= mc ? 0f
                            : transA ? a[offset + (p0 + q) * lda + i0 + i] : a[offset + (i0 + i) * lda + p0 + q];
                    int chunk = q / GemmPacking.A_CHUNK;
                    int at = t * panel + (chunks
                            ? chunk * MR * GemmPacking.A_CHUNK + r * GemmPacking.A_CHUNK + q % GemmPacking.A_CHUNK
                            : q * MR + r);
                    if (expected != packed[at]) {
                        assertEquals(expected, packed[at], 0f, "packA transA=" + transA + " mc=" + mc + " kc=" + kc
                                + " lda=" + lda + ": panel " + t + " column " + q + " row " + r + " (index " + at + ")");
                    }
                }
            }
        }
        if (chunks) {
            // The last chunk's rows are padded to whole chunks with zeros, never left unwritten.
            for (int t = 0; t < panels; t++) {
                for (int at = t * panel; at < (t + 1) * panel; at++) {
                    assertFalse(Float.isNaN(packed[at]), "packA row chunks: index " + at + " of panel " + t + " never written");
                }
            }
        }
    }

    @Property(tries = 150)
    void packedBEqualsItsDefinition(@ForAll boolean transB, @ForAll("awkward") int kc, @ForAll("awkward") int nc,
                                    @ForAll @IntRange(min = 0, max = 5) int extraLd, @ForAll @IntRange(min = 0, max = 9) int p0,
                                    @ForAll @IntRange(min = 0, max = 40) int j0, @ForAll @IntRange(min = 0, max = 3) int offset) {
        int rows = p0 + kc;
        int cols = j0 + nc;
        int ldb = (transB ? rows : cols) + extraLd;
        float[] b = values(offset + (transB ? cols : rows) * ldb, 2);
        int panels = (nc + NR - 1) / NR;
        float[] packed = new float[panels * NR * kc];
        GemmPacking.packB(transB, b, offset, ldb, p0, kc, j0, nc, packed);
        for (int u = 0; u < panels; u++) {
            for (int q = 0; q < kc; q++) {
                for (int r = 0; r < NR; r++) {
                    int j = u * NR + r;
                    float expected = j >= nc ? 0f
                            : transB ? b[offset + (j0 + j) * ldb + p0 + q] : b[offset + (p0 + q) * ldb + j0 + j];
                    int at = u * NR * kc + q * NR + r;
                    if (expected != packed[at]) {
                        assertEquals(expected, packed[at], 0f, "packB transB=" + transB + " kc=" + kc + " nc=" + nc
                                + " ldb=" + ldb + ": panel " + u + " row " + q + " column " + r + " (index " + at + ")");
                    }
                }
            }
        }
    }

    @Property(tries = 60)
    void transposeEqualsItsElementByElementTwin(@ForAll("awkward") int len, @ForAll("awkward") int depth,
                                                @ForAll @IntRange(min = 0, max = 7) int extraWidth,
                                                @ForAll @IntRange(min = 0, max = 5) int extraLd) {
        int width = len + extraWidth;
        int ld = depth + extraLd;
        float[] src = values(len * ld + 1, 3);
        float[] expected = sentinels(depth * width + 1);
        float[] actual = sentinels(expected.length);
        GemmPacking.transposeScalar(src, 1, ld, len, depth, expected, 1, width);
        GemmPacking.packTransposed(src, 1, ld, len, depth, actual, 1, width);
        assertSameFloats(expected, actual, "transpose len=" + len + " depth=" + depth + " width=" + width
                + " ld=" + ld + " (register blocks " + GemmPacking.REGISTER_BLOCKS + ")");
    }

    /**
     * The unpadded transpose (into a view of C, {@link Gemm} computing a product as its
     * transpose) writes its rows × cols block and not one float beside it: the destination's
     * other columns keep their values.
     */
    @Property(tries = 60)
    void unpaddedTransposeWritesOnlyItsBlock(@ForAll("awkward") int rows, @ForAll("awkward") int cols,
                                             @ForAll @IntRange(min = 0, max = 7) int extraLdd,
                                             @ForAll @IntRange(min = 0, max = 5) int extraLd) {
        int ld = cols + extraLd;
        int ldd = rows + extraLdd;
        float[] src = values(rows * ld + 1, 5);
        float[] expected = sentinels(cols * ldd + 2);
        for (int r = 0; r < rows; r++) {
            for (int q = 0; q < cols; q++) {
                expected[1 + q * ldd + r] = src[1 + r * ld + q];
            }
        }
        float[] actual = sentinels(expected.length);
        GemmPacking.transpose(src, 1, ld, rows, cols, actual, 1, ldd);
        assertSameFloats(expected, actual, "transpose rows=" + rows + " cols=" + cols + " ld=" + ld + " ldd=" + ldd);
    }

    /**
     * The register blocks read floats outside their own columns (shifted loads), but only between
     * a block's first float and its last. With the source placed anywhere from the array's first
     * float to its last, no block may read outside the array or write outside its destination.
     */
    @Property(tries = 80)
    void transposeReadsOnlyInsideItsSourceWhereverTheBlockSits(@ForAll @IntRange(min = 16, max = 48) int len,
                                                               @ForAll @IntRange(min = 16, max = 48) int depth,
                                                               @ForAll @IntRange(min = 0, max = 20) int before,
                                                               @ForAll @IntRange(min = 0, max = 20) int after,
                                                               @ForAll @IntRange(min = 0, max = 3) int extraLd) {
        int ld = depth + extraLd;
        float[] src = values(before + (len - 1) * ld + depth + after, 4);
        int width = len + 1;
        float[] expected = sentinels(depth * width + 2);
        float[] actual = sentinels(expected.length);
        GemmPacking.transposeScalar(src, before, ld, len, depth, expected, 1, width);
        GemmPacking.packTransposed(src, before, ld, len, depth, actual, 1, width);
        assertSameFloats(expected, actual, "transpose len=" + len + " depth=" + depth + " ld=" + ld
                + " at " + before + " of " + src.length);
    }

    /** An array of n floats that no transpose writes (-7): a float it still holds was left alone. */
    private static float[] sentinels(int n) {
        float[] a = new float[n];
        Arrays.fill(a, -7f);
        return a;
    }

    private static void assertSameFloats(float[] expected, float[] actual, String what) {
        for (int i = 0; i < expected.length; i++) {
            int at = i;
            assertEquals(expected[i], actual[i], 0f, () -> what + ": index " + at);
        }
    }

    @Provide
    Arbitrary<Integer> awkward() {
        return Arbitraries.of(1, 2, 5, 6, 7, 8, 9, 12, 13, 16, 17, 31, 32, 33, 47, 64, 65);
    }

    private static float[] values(int n, long seed) {
        Rng rng = new Rng(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = rng.nextFloat() * 2 - 1;
        }
        return x;
    }
}
