package dev.pare.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.tensor.Rng;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Building, validating, transposing and measuring a {@link CsrMatrix}. */
class CsrMatrixTest {

    /** The matrix drawn in CsrMatrix's Javadoc, with a = 1, b = 2, c = 3, d = 4, e = 5. */
    private static final float[] DRAWN = {
        0, 1, 0, 0, 2, 0,
        0, 0, 0, 0, 0, 0,
        3, 0, 0, 4, 0, 5,
    };

    @Test
    void fromDenseStoresTheNonZerosRowByRowAsDrawnInTheJavadoc() {
        CsrMatrix w = CsrMatrix.fromDense(DRAWN, 0, 3, 6);
        assertArrayEquals(new int[] {0, 2, 2, 5}, w.rowPtr());
        assertArrayEquals(new short[] {1, 4, 0, 3, 5}, w.narrowColumns());
        assertArrayEquals(new float[] {1, 2, 3, 4, 5}, w.values());
        assertNull(w.wideColumns());
        assertEquals(1.0 - 5.0 / 18, w.sparsity(), 1e-12);
    }

    @Test
    void bytesCountValuesTwoByteIndicesAndRowPointers() {
        CsrMatrix w = CsrMatrix.fromDense(DRAWN, 0, 3, 6);
        assertEquals(5 * 4, w.valueBytes());
        assertEquals(5 * 2, w.indexBytes());
        assertEquals(4 * 4, w.rowPtrBytes());
        assertEquals(20 + 10 + 16, w.totalBytes());
        assertEquals(18 * 4, w.denseBytes());
        assertEquals(5 * 4, SparseFixtures.widened(w).indexBytes());
    }

    @Test
    void aThousandByThousandLayerAtNinetyPercentTakesAboutOneSixthOfItsDenseBytes() {
        // 10% of the entries at 4 + 2 bytes each: 0.6 of 4 bytes per dense entry, i.e. 15%,
        // plus 4 bytes per row.
        float[] dense = SparseFixtures.pruned(new Rng(2), 1000, 1000, 0.9);
        CsrMatrix w = CsrMatrix.fromDense(dense, 0, 1000, 1000);
        double ratio = (double) w.totalBytes() / w.denseBytes();
        assertTrue(ratio > 0.14 && ratio < 0.16, "sparse/dense bytes " + ratio);
    }

    @Test
    void negativeZeroIsNotStoredButNaNIs() {
        CsrMatrix w = CsrMatrix.fromDense(new float[] {-0f, Float.NaN, 0f, 1e-30f}, 0, 1, 4);
        assertArrayEquals(new short[] {1, 3}, w.narrowColumns());
        assertTrue(Float.isNaN(w.values()[0]));
        assertEquals(1e-30f, w.values()[1]);
    }

    @Test
    void twoByteIndicesUpTo32768ColumnsAndFourByteIndicesBeyond() {
        assertTrue(CsrMatrix.fromDense(new float[CsrMatrix.MAX_NARROW_COLS], 0, 1, CsrMatrix.MAX_NARROW_COLS)
                .hasNarrowColumns());
        float[] wider = new float[CsrMatrix.MAX_NARROW_COLS + 1];
        wider[CsrMatrix.MAX_NARROW_COLS] = 7f;
        CsrMatrix w = CsrMatrix.fromDense(wider, 0, 1, wider.length);
        assertFalse(w.hasNarrowColumns());
        assertArrayEquals(new int[] {CsrMatrix.MAX_NARROW_COLS}, w.wideColumns());
        assertEquals(CsrMatrix.MAX_NARROW_COLS, w.column(0));
    }

    @Test
    void emptyMatricesHaveNoEntriesAndOnlyRowPointers() {
        for (int[] shape : new int[][] {{0, 0}, {0, 5}, {5, 0}, {4, 4}}) {
            CsrMatrix w = CsrMatrix.fromDense(new float[shape[0] * shape[1]], 0, shape[0], shape[1]);
            assertEquals(0, w.nonZeros());
            assertEquals(4L * (shape[0] + 1), w.totalBytes());
            assertArrayEquals(new float[shape[0] * shape[1]], w.toDense());
            assertEquals(shape[1], w.transpose().rows());
        }
    }

    @Provide
    Arbitrary<Integer> dims() {
        return SparseFixtures.dims();
    }

    @Provide
    Arbitrary<Double> sparsities() {
        return SparseFixtures.sparsities();
    }

    @Property(tries = 200)
    void toDenseGivesBackTheMatrixItWasBuiltFrom(@ForAll("dims") int rows, @ForAll("dims") int cols,
                                                 @ForAll("sparsities") double sparsity, @ForAll long seed) {
        float[] dense = SparseFixtures.pruned(new Rng(seed), rows, cols, sparsity);
        float[] padded = new float[dense.length + 5];
        System.arraycopy(dense, 0, padded, 5, dense.length);
        CsrMatrix w = CsrMatrix.fromDense(padded, 5, rows, cols);
        assertArrayEquals(dense, w.toDense());
        assertArrayEquals(dense, SparseFixtures.widened(w).toDense());
    }

    @Property(tries = 200)
    void transposeHoldsTheTransposedMatrixWithIncreasingColumns(@ForAll("dims") int rows, @ForAll("dims") int cols,
                                                                @ForAll("sparsities") double sparsity,
                                                                @ForAll long seed) {
        float[] dense = SparseFixtures.pruned(new Rng(seed), rows, cols, sparsity);
        float[] expected = new float[dense.length];
        SparseLayout.transposeScalar(dense, 0, rows, cols, expected, 0);
        CsrMatrix t = CsrMatrix.fromDense(dense, 0, rows, cols).transpose();
        assertEquals(cols, t.rows());
        assertEquals(rows, t.cols());
        // The constructor has already checked that columns increase within each row.
        assertArrayEquals(expected, t.toDense());
    }

    @Test
    void badArraysAreRejectedWithClearMessages() {
        int[] ptr = {0, 2, 2, 5};
        short[] cols = {1, 4, 0, 3, 5};
        float[] vals = {1, 2, 3, 4, 5};
        expect("rowPtr has 3 entries, expected rows + 1 = 4",
                () -> new CsrMatrix(3, 6, new int[] {0, 2, 5}, cols, vals));
        expect("rowPtr[0] must be 0", () -> new CsrMatrix(3, 6, new int[] {1, 2, 2, 5}, cols, vals));
        expect("rowPtr decreases at row 1", () -> new CsrMatrix(3, 6, new int[] {0, 3, 2, 5}, cols, vals));
        expect("rowPtr[3] = 4 but there are 5 values", () -> new CsrMatrix(3, 6, new int[] {0, 2, 2, 4}, cols, vals));
        expect("4 column indices but 5 values", () -> new CsrMatrix(3, 6, ptr, new short[] {1, 4, 0, 3}, vals));
        expect("has column 6, outside [0, 6)", () -> new CsrMatrix(3, 6, ptr, new short[] {1, 4, 0, 3, 6}, vals));
        expect("has column -1", () -> new CsrMatrix(3, 6, ptr, new int[] {1, 4, -1, 3, 5}, vals));
        expect("row 2 has column 3 after column 3", () -> new CsrMatrix(3, 6, ptr, new short[] {1, 4, 0, 3, 3}, vals));
        expect("row 0 has column 1 after column 4", () -> new CsrMatrix(3, 6, ptr, new short[] {4, 1, 0, 3, 5}, vals));
        expect("values is null", () -> new CsrMatrix(3, 6, ptr, cols, null));
        expect("columns is null", () -> new CsrMatrix(3, 6, ptr, (short[]) null, vals));
        expect("negative shape", () -> new CsrMatrix(-1, 6, new int[0], cols, vals));
        expect("40000 columns do not fit 2-byte",
                () -> new CsrMatrix(1, 40_000, new int[] {0, 0}, new short[0], new float[0]));
        expect("[3, 6] at offset 1 does not fit in an array of 18", () -> CsrMatrix.fromDense(DRAWN, 1, 3, 6));
        expect("negative shape", () -> CsrMatrix.fromDense(DRAWN, 0, 3, -6));
    }

    private static void expect(String fragment, Executable e) {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
        assertTrue(ex.getMessage().contains(fragment), "message '" + ex.getMessage() + "' lacks '" + fragment + "'");
    }
}
