package dev.pare.tensor.kernels;

import static dev.pare.tensor.kernels.SparseFixtures.abs;
import static dev.pare.tensor.kernels.SparseFixtures.denseBackward;
import static dev.pare.tensor.kernels.SparseFixtures.denseForward;
import static dev.pare.tensor.kernels.SparseFixtures.shape;
import static dev.pare.tensor.kernels.SparseFixtures.tolerance;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.tensor.Rng;
import dev.pare.tensor.parallel.Parallel;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * The block-CSR kernels (1×8 and 1×16 blocks) against their scalar twins and the dense product
 * of the same weights, at column counts that leave a partial last block.
 */
class BlockCsrKernelsProperties {

    @Provide
    Arbitrary<Integer> dims() {
        return SparseFixtures.dims();
    }

    @Provide
    Arbitrary<Integer> batches() {
        return SparseFixtures.batches();
    }

    @Provide
    Arbitrary<Double> sparsities() {
        return SparseFixtures.sparsities();
    }

    @Provide
    Arbitrary<Integer> widths() {
        return Arbitraries.of(8, 16);
    }

    @Property(tries = 300)
    void timesVectorEqualsItsTwinWithinRoundingAndTheTwinEqualsTheDenseProductExactly(
            @ForAll("dims") int rows, @ForAll("dims") int cols, @ForAll("widths") int bw,
            @ForAll("sparsities") double sparsity, @ForAll @IntRange(max = 3) int off, @ForAll long seed) {
        Rng rng = new Rng(seed);
        float[] dense = SparseFixtures.blockPruned(rng, rows, cols, bw, sparsity);
        float[] x = SparseFixtures.values(rng, off, cols);
        BlockCsrMatrix w = BlockCsrMatrix.fromDense(dense, 0, rows, cols, bw);
        float[] twin = new float[rows];
        float[] fast = new float[rows + 2];
        BlockCsrKernels.timesVectorScalar(w, x, off, twin, 0);
        BlockCsrKernels.timesVector(w, x, off, fast, 2);
        float[] expected = denseForward(dense, rows, cols, x, off, 1);
        float[] mag = denseForward(abs(dense), rows, cols, abs(x), off, 1);
        for (int r = 0; r < rows; r++) {
            String where = "row " + r + " of " + shape(rows, cols, sparsity) + " 1x" + bw;
            assertTrue(expected[r] == twin[r], where + ": dense " + expected[r] + ", twin " + twin[r]);
            double tol = tolerance(cols, mag[r]);
            assertTrue(Math.abs(twin[r] - fast[2 + r]) <= tol,
                    where + ": twin " + twin[r] + ", kernel " + fast[2 + r] + ", tolerance " + tol);
        }
    }

    @Property(tries = 300)
    void timesBatchMinorEqualsItsTwinBitForBitAndTheDenseProductWithinRounding(
            @ForAll("dims") int rows, @ForAll("dims") int cols, @ForAll("widths") int bw,
            @ForAll("batches") int batch, @ForAll("sparsities") double sparsity,
            @ForAll @IntRange(max = 3) int off, @ForAll long seed) {
        Rng rng = new Rng(seed);
        float[] dense = SparseFixtures.blockPruned(rng, rows, cols, bw, sparsity);
        BlockCsrMatrix w = BlockCsrMatrix.fromDense(dense, 0, rows, cols, bw);
        float[] x = SparseFixtures.values(rng, 0, batch * cols);
        float[] xT = new float[off + cols * batch];
        SparseLayout.transposeScalar(x, 0, batch, cols, xT, off);
        float[] twin = new float[rows * batch];
        float[] fast = new float[1 + rows * batch];
        BlockCsrKernels.timesBatchMinorScalar(w, xT, off, batch, twin, 0);
        BlockCsrKernels.timesBatchMinor(w, xT, off, batch, fast, 1);
        float[] expected = denseForward(dense, rows, cols, x, 0, batch);
        float[] mag = denseForward(abs(dense), rows, cols, abs(x), 0, batch);
        for (int r = 0; r < rows; r++) {
            for (int b = 0; b < batch; b++) {
                String where = "out[" + r + ", " + b + "] of " + shape(rows, cols, sparsity) + " 1x" + bw
                        + " batch " + batch;
                float got = fast[1 + r * batch + b];
                assertEquals(Float.floatToIntBits(twin[r * batch + b]), Float.floatToIntBits(got),
                        where + ": twin " + twin[r * batch + b] + ", kernel " + got);
                double tol = tolerance(cols, mag[b * rows + r]);
                assertTrue(Math.abs(expected[b * rows + r] - got) <= tol,
                        where + ": dense " + expected[b * rows + r] + ", kernel " + got + ", tolerance " + tol);
            }
        }
    }

    @Property(tries = 300)
    void transposedTimesVectorEqualsItsTwinBitForBitAndTheDenseProductWithinRounding(
            @ForAll("dims") int rows, @ForAll("dims") int cols, @ForAll("widths") int bw,
            @ForAll("sparsities") double sparsity, @ForAll @IntRange(max = 3) int off, @ForAll long seed) {
        Rng rng = new Rng(seed);
        float[] dense = SparseFixtures.blockPruned(rng, rows, cols, bw, sparsity);
        float[] g = SparseFixtures.values(rng, off, rows);
        BlockCsrMatrix w = BlockCsrMatrix.fromDense(dense, 0, rows, cols, bw);
        float[] twin = new float[cols];
        float[] fast = new float[cols + 3];
        BlockCsrKernels.transposedTimesVectorScalar(w, g, off, twin, 0);
        BlockCsrKernels.transposedTimesVector(w, g, off, fast, 3);
        float[] expected = denseBackward(dense, rows, cols, g, off, 1);
        float[] mag = denseBackward(abs(dense), rows, cols, abs(g), off, 1);
        for (int c = 0; c < cols; c++) {
            String where = "dx[" + c + "] of " + shape(rows, cols, sparsity) + " 1x" + bw;
            assertEquals(Float.floatToIntBits(twin[c]), Float.floatToIntBits(fast[3 + c]),
                    where + ": twin " + twin[c] + ", kernel " + fast[3 + c]);
            double tol = tolerance(rows, mag[c]);
            assertTrue(Math.abs(expected[c] - twin[c]) <= tol,
                    where + ": dense " + expected[c] + ", twin " + twin[c] + ", tolerance " + tol);
        }
    }

    @Test
    void timesBatchMinorGivesTheSameBitsOnOneAndTwoThreads() {
        Rng rng = new Rng(12);
        int rows = 300;
        int cols = 250; // not a multiple of 16: every row may end in a partial block
        int batch = 67;
        BlockCsrMatrix w = BlockCsrMatrix.fromDense(SparseFixtures.blockPruned(rng, rows, cols, 16, 0.5),
                0, rows, cols, 16);
        float[] xT = SparseFixtures.values(rng, 0, cols * batch);
        float[] one = new float[rows * batch];
        float[] two = new float[rows * batch];
        int before = Parallel.threads();
        try {
            Parallel.setThreads(1);
            BlockCsrKernels.timesBatchMinor(w, xT, 0, batch, one, 0);
            Parallel.setThreads(2);
            BlockCsrKernels.timesBatchMinor(w, xT, 0, batch, two, 0);
        } finally {
            Parallel.setThreads(before);
        }
        for (int i = 0; i < one.length; i++) {
            assertEquals(Float.floatToIntBits(one[i]), Float.floatToIntBits(two[i]), "element " + i);
        }
    }

    @Test
    void timesVectorGivesTheSameBitsBeforeAndAfterTheJitWarmsUp() {
        Rng rng = new Rng(4);
        BlockCsrMatrix w = BlockCsrMatrix.fromDense(SparseFixtures.blockPruned(rng, 8, 301, 16, 0.5), 0, 8, 301, 16);
        float[] x = SparseFixtures.values(rng, 0, 301);
        float[] first = new float[8];
        float[] later = new float[8];
        BlockCsrKernels.timesVector(w, x, 0, first, 0);
        for (int call = 0; call < 20_000; call++) {
            BlockCsrKernels.timesVector(w, x, 0, later, 0);
            for (int r = 0; r < 8; r++) {
                assertEquals(Float.floatToIntBits(first[r]), Float.floatToIntBits(later[r]),
                        "row " + r + " at call " + call);
            }
        }
    }

    @Test
    void wrongLengthsAreRejectedWithTheOperationAndTheSizes() {
        BlockCsrMatrix w = BlockCsrMatrix.fromDense(new float[20], 0, 2, 10, 8);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BlockCsrKernels.timesVector(w, new float[9], 0, new float[2], 0));
        assertTrue(e.getMessage().contains("BlockCsrKernels.timesVector") && e.getMessage().contains("x needs 10"),
                e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> BlockCsrKernels.timesBatchMinor(w, new float[30], 0, 3, new float[5], 0));
        assertThrows(IllegalArgumentException.class,
                () -> BlockCsrKernels.transposedTimesVector(w, new float[2], 1, new float[10], 0));
    }
}
