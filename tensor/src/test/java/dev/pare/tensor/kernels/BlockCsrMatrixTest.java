package dev.pare.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.tensor.Rng;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Building, validating and measuring a {@link BlockCsrMatrix}. */
class BlockCsrMatrixTest {

    @Test
    void fromDenseKeepsEveryAlignedBlockWithANonZeroAsDrawnInTheJavadoc() {
        float[] dense = new float[2 * 32];
        for (int j = 0; j < 8; j++) {
            dense[8 + j] = 1 + j;        // row 0, block 1 (a0..a7)
            dense[24 + j] = 11 + j;      // row 0, block 3 (b0..b7)
            dense[32 + j] = 21 + j;      // row 1, block 0 (c0..c7)
        }
        dense[24 + 3] = 0f;             // a zero inside a kept block is stored with it
        BlockCsrMatrix w = BlockCsrMatrix.fromDense(dense, 0, 2, 32, 8);
        assertArrayEquals(new int[] {0, 2, 3}, w.blockPtr());
        assertArrayEquals(new int[] {8, 24, 0}, w.blockStart());
        assertEquals(24, w.values().length);
        assertEquals(0f, w.values()[8 + 3]);
        assertEquals(4L * 24 + 4L * 3 + 4L * 3, w.totalBytes());
        assertEquals(1.0 - 24.0 / 64, w.sparsity(), 1e-12);
        assertArrayEquals(dense, w.toDense());
    }

    @Test
    void aPartialLastBlockStoresPaddingThatIsNotPartOfTheMatrix() {
        float[] dense = new float[20];
        dense[18] = 5f;                  // columns 16..19 form a partial block of width 16
        BlockCsrMatrix w = BlockCsrMatrix.fromDense(dense, 0, 1, 20, 16);
        assertArrayEquals(new int[] {16}, w.blockStart());
        assertEquals(16, w.values().length);
        assertEquals(5f, w.values()[2]);
        assertEquals(1.0 - 4.0 / 20, w.sparsity(), 1e-12);
        assertArrayEquals(dense, w.toDense());
    }

    @Provide
    Arbitrary<Integer> dims() {
        return SparseFixtures.dims();
    }

    @Provide
    Arbitrary<Double> sparsities() {
        return SparseFixtures.sparsities();
    }

    @Provide
    Arbitrary<Integer> widths() {
        return Arbitraries.of(8, 16);
    }

    @Property(tries = 200)
    void toDenseGivesBackTheMatrixItWasBuiltFrom(@ForAll("dims") int rows, @ForAll("dims") int cols,
                                                 @ForAll("widths") int bw, @ForAll("sparsities") double sparsity,
                                                 @ForAll long seed) {
        float[] dense = SparseFixtures.blockPruned(new Rng(seed), rows, cols, bw, sparsity);
        float[] padded = new float[dense.length + 2];
        System.arraycopy(dense, 0, padded, 2, dense.length);
        BlockCsrMatrix w = BlockCsrMatrix.fromDense(padded, 2, rows, cols, bw);
        assertArrayEquals(dense, w.toDense());
        // An unstructured matrix works too: every block with a non-zero is kept.
        float[] scattered = SparseFixtures.pruned(new Rng(seed), rows, cols, sparsity);
        assertArrayEquals(scattered, BlockCsrMatrix.fromDense(scattered, 0, rows, cols, bw).toDense());
    }

    @Test
    void badArraysAreRejectedWithClearMessages() {
        int[] ptr = {0, 1};
        int[] starts = {8};
        float[] vals = new float[8];
        expect("block width must be 8 or 16, got 4", () -> new BlockCsrMatrix(1, 16, 4, ptr, starts, new float[4]));
        expect("block width must be 8 or 16, got 12", () -> BlockCsrMatrix.fromDense(new float[16], 0, 1, 16, 12));
        expect("blockPtr has 3 entries", () -> new BlockCsrMatrix(1, 16, 8, new int[] {0, 1, 1}, starts, vals));
        expect("1 blocks need 8 values, got 7", () -> new BlockCsrMatrix(1, 16, 8, ptr, starts, new float[7]));
        expect("blockPtr must run from 0 to the block count 1",
                () -> new BlockCsrMatrix(1, 16, 8, new int[] {0, 0}, starts, vals));
        expect("starts at column 4, not a multiple of 8",
                () -> new BlockCsrMatrix(1, 16, 8, ptr, new int[] {4}, vals));
        expect("starts at column 16, not a multiple of 8 in [0, 16)",
                () -> new BlockCsrMatrix(1, 16, 8, ptr, new int[] {16}, vals));
        expect("row 0 has a block at column 0 after one at 8",
                () -> new BlockCsrMatrix(1, 16, 8, new int[] {0, 2}, new int[] {8, 0}, new float[16]));
        expect("blockPtr decreases at row 1: 2 then 1",
                () -> new BlockCsrMatrix(2, 16, 8, new int[] {0, 2, 1}, new int[] {8}, vals));
        expect("must not be null", () -> new BlockCsrMatrix(1, 16, 8, ptr, null, vals));
        expect("does not fit in an array of 15", () -> BlockCsrMatrix.fromDense(new float[15], 0, 1, 16, 8));
    }

    private static void expect(String fragment, Executable e) {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
        assertTrue(ex.getMessage().contains(fragment), "message '" + ex.getMessage() + "' lacks '" + fragment + "'");
    }
}
