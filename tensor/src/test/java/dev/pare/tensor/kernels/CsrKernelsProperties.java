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
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * The CSR kernels against two oracles: their scalar twin, and the dense product of the same
 * weights with the pruned ones as zeros (the scalar GEMM). Kernels that keep the twin's order
 * must match it bit for bit; the batch-1 product, which reorders its sums, must match within a
 * tolerance that grows with the row length.
 */
class CsrKernelsProperties {

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

    @Property(tries = 300)
    void timesVectorScalarTwinEqualsTheDenseMaskedProductExactly(
            @ForAll("dims") int rows, @ForAll("dims") int cols, @ForAll("sparsities") double sparsity,
            @ForAll @IntRange(max = 3) int off, @ForAll long seed) {
        Rng rng = new Rng(seed);
        float[] dense = SparseFixtures.pruned(rng, rows, cols, sparsity);
        float[] x = SparseFixtures.values(rng, off, cols);
        CsrMatrix w = CsrMatrix.fromDense(dense, 0, rows, cols);
        float[] y = new float[rows + 2];
        CsrKernels.timesVectorScalar(w, x, off, y, 2);
        // Same order, same unfused multiply-add, and the skipped terms are exact zeros.
        float[] expected = denseForward(dense, rows, cols, x, off, 1);
        for (int r = 0; r < rows; r++) {
            assertTrue(expected[r] == y[2 + r], "row " + r + " of " + shape(rows, cols, sparsity)
                    + ": dense " + expected[r] + ", CSR twin " + y[2 + r]);
        }
    }

    @Property(tries = 300)
    void timesVectorEqualsItsTwinAndTheDenseProductWithinRounding(
            @ForAll("dims") int rows, @ForAll("dims") int cols, @ForAll("sparsities") double sparsity,
            @ForAll @IntRange(max = 3) int off, @ForAll boolean wide, @ForAll long seed) {
        Rng rng = new Rng(seed);
        float[] dense = SparseFixtures.pruned(rng, rows, cols, sparsity);
        float[] x = SparseFixtures.values(rng, off, cols);
        CsrMatrix w = CsrMatrix.fromDense(dense, 0, rows, cols);
        if (wide) {
            w = SparseFixtures.widened(w);
        }
        float[] twin = new float[rows];
        float[] fast = new float[rows + 1];
        CsrKernels.timesVectorScalar(w, x, off, twin, 0);
        CsrKernels.timesVector(w, x, off, fast, 1);
        float[] expected = denseForward(dense, rows, cols, x, off, 1);
        float[] mag = denseForward(abs(dense), rows, cols, abs(x), off, 1);
        for (int r = 0; r < rows; r++) {
            double tol = tolerance(cols, mag[r]);
            String where = "row " + r + " of " + shape(rows, cols, sparsity) + (wide ? ", int indices" : "");
            assertTrue(Math.abs(twin[r] - fast[1 + r]) <= tol,
                    where + ": twin " + twin[r] + ", kernel " + fast[1 + r] + ", tolerance " + tol);
            assertTrue(Math.abs(expected[r] - fast[1 + r]) <= tol,
                    where + ": dense " + expected[r] + ", kernel " + fast[1 + r] + ", tolerance " + tol);
        }
    }

    @Property(tries = 300)
    void timesBatchMinorEqualsItsTwinBitForBitAndTheDenseProductWithinRounding(
            @ForAll("dims") int rows, @ForAll("dims") int cols, @ForAll("batches") int batch,
            @ForAll("sparsities") double sparsity, @ForAll @IntRange(max = 3) int off,
            @ForAll boolean wide, @ForAll long seed) {
        Rng rng = new Rng(seed);
        float[] dense = SparseFixtures.pruned(rng, rows, cols, sparsity);
        CsrMatrix w = CsrMatrix.fromDense(dense, 0, rows, cols);
        if (wide) {
            w = SparseFixtures.widened(w);
        }
        float[] x = SparseFixtures.values(rng, 0, batch * cols);
        float[] xT = new float[off + cols * batch];
        SparseLayout.transposeScalar(x, 0, batch, cols, xT, off);
        float[] twin = new float[rows * batch];
        float[] fast = new float[3 + rows * batch];
        CsrKernels.timesBatchMinorScalar(w, xT, off, batch, twin, 0);
        CsrKernels.timesBatchMinor(w, xT, off, batch, fast, 3);
        float[] expected = denseForward(dense, rows, cols, x, 0, batch);
        float[] mag = denseForward(abs(dense), rows, cols, abs(x), 0, batch);
        for (int r = 0; r < rows; r++) {
            for (int b = 0; b < batch; b++) {
                String where = "out[" + r + ", " + b + "] of " + shape(rows, cols, sparsity) + " batch " + batch
                        + (wide ? ", int indices" : "");
                float got = fast[3 + r * batch + b];
                assertEquals(Float.floatToIntBits(twin[r * batch + b]), Float.floatToIntBits(got),
                        where + ": twin " + twin[r * batch + b] + ", kernel " + got);
                double tol = tolerance(cols, mag[b * rows + r]);
                assertTrue(Math.abs(expected[b * rows + r] - got) <= tol,
                        where + ": dense " + expected[b * rows + r] + ", kernel " + got + ", tolerance " + tol);
            }
        }
    }

    @Test
    void timesBatchMinorGivesTheSameBitsOnOneAndTwoThreads() {
        Rng rng = new Rng(11);
        int rows = 300;
        int cols = 257;
        int batch = 67;
        CsrMatrix w = CsrMatrix.fromDense(SparseFixtures.pruned(rng, rows, cols, 0.5), 0, rows, cols);
        float[] xT = SparseFixtures.values(rng, 0, cols * batch);
        float[] one = new float[rows * batch];
        float[] two = new float[rows * batch];
        int before = Parallel.threads();
        try {
            Parallel.setThreads(1);
            CsrKernels.timesBatchMinor(w, xT, 0, batch, one, 0);
            Parallel.setThreads(2);
            CsrKernels.timesBatchMinor(w, xT, 0, batch, two, 0);
        } finally {
            Parallel.setThreads(before);
        }
        for (int i = 0; i < one.length; i++) {
            assertEquals(Float.floatToIntBits(one[i]), Float.floatToIntBits(two[i]), "element " + i);
        }
    }

    @Property(tries = 300)
    void transposedScatterEqualsTheDenseProductExactlyAndTheTransposedMatrixWithinRounding(
            @ForAll("dims") int rows, @ForAll("dims") int cols, @ForAll("sparsities") double sparsity,
            @ForAll @IntRange(max = 3) int off, @ForAll long seed) {
        Rng rng = new Rng(seed);
        float[] dense = SparseFixtures.pruned(rng, rows, cols, sparsity);
        float[] g = SparseFixtures.values(rng, off, rows);
        CsrMatrix w = CsrMatrix.fromDense(dense, 0, rows, cols);
        float[] scatter = new float[cols + 1];
        CsrKernels.transposedTimesVectorScalar(w, g, off, scatter, 1);
        float[] viaTranspose = new float[cols];
        CsrKernels.timesVector(w.transpose(), g, off, viaTranspose, 0);
        float[] expected = denseBackward(dense, rows, cols, g, off, 1);
        float[] mag = denseBackward(abs(dense), rows, cols, abs(g), off, 1);
        for (int c = 0; c < cols; c++) {
            String where = "dx[" + c + "] of " + shape(rows, cols, sparsity);
            assertTrue(expected[c] == scatter[1 + c], where + ": dense " + expected[c] + ", scatter " + scatter[1 + c]);
            double tol = tolerance(rows, mag[c]);
            assertTrue(Math.abs(expected[c] - viaTranspose[c]) <= tol,
                    where + ": dense " + expected[c] + ", timesVector(transpose) " + viaTranspose[c]);
        }
    }

    @Property(tries = 300)
    void transposedTimesBatchMinorEqualsItsTwinAndTheTransposedForwardBitForBit(
            @ForAll("dims") int rows, @ForAll("dims") int cols, @ForAll("batches") int batch,
            @ForAll("sparsities") double sparsity, @ForAll @IntRange(max = 3) int off, @ForAll long seed) {
        Rng rng = new Rng(seed);
        float[] dense = SparseFixtures.pruned(rng, rows, cols, sparsity);
        CsrMatrix w = CsrMatrix.fromDense(dense, 0, rows, cols);
        float[] g = SparseFixtures.values(rng, 0, batch * rows);
        float[] gT = new float[off + rows * batch];
        SparseLayout.transposeScalar(g, 0, batch, rows, gT, off);
        float[] twin = new float[cols * batch];
        float[] fast = new float[cols * batch + 2];
        float[] viaTranspose = new float[cols * batch];
        CsrKernels.transposedTimesBatchMinorScalar(w, gT, off, batch, twin, 0);
        CsrKernels.transposedTimesBatchMinor(w, gT, off, batch, fast, 2);
        CsrKernels.timesBatchMinor(w.transpose(), gT, off, batch, viaTranspose, 0);
        float[] expected = denseBackward(dense, rows, cols, g, 0, batch);
        float[] mag = denseBackward(abs(dense), rows, cols, abs(g), 0, batch);
        for (int c = 0; c < cols; c++) {
            for (int b = 0; b < batch; b++) {
                String where = "dxT[" + c + ", " + b + "] of " + shape(rows, cols, sparsity) + " batch " + batch;
                int i = c * batch + b;
                assertEquals(Float.floatToIntBits(twin[i]), Float.floatToIntBits(fast[2 + i]),
                        where + ": twin " + twin[i] + ", kernel " + fast[2 + i]);
                assertEquals(Float.floatToIntBits(twin[i]), Float.floatToIntBits(viaTranspose[i]),
                        where + ": twin " + twin[i] + ", timesBatchMinor(transpose) " + viaTranspose[i]);
                double tol = tolerance(rows, mag[b * cols + c]);
                assertTrue(Math.abs(expected[b * cols + c] - twin[i]) <= tol,
                        where + ": dense " + expected[b * cols + c] + ", twin " + twin[i] + ", tolerance " + tol);
            }
        }
    }

    @Property(tries = 200)
    void weightGradientIsTheDenseGradientAtTheStoredEntries(
            @ForAll("dims") int rows, @ForAll("dims") int cols, @ForAll("batches") int batch,
            @ForAll("sparsities") double sparsity, @ForAll long seed) {
        Rng rng = new Rng(seed);
        CsrMatrix w = CsrMatrix.fromDense(SparseFixtures.pruned(rng, rows, cols, sparsity), 0, rows, cols);
        float[] gT = SparseFixtures.values(rng, 0, rows * batch);
        float[] xT = SparseFixtures.values(rng, 1, cols * batch);
        // Dense oracle: dW = Gᵀ·X, i.e. dW[r, c] = Σ_b gT[r, b]·xT[c, b] (B stored transposed).
        float[] dW = new float[rows * cols];
        GemmScalar.gemm(false, true, rows, cols, batch, gT, 0, batch, xT, 1, batch, dW, 0, cols, false);
        float[] twin = new float[w.nonZeros()];
        float[] fast = new float[w.nonZeros()];
        CsrKernels.weightGradBatchMinorScalar(w, gT, 0, xT, 1, batch, twin, 0);
        CsrKernels.weightGradBatchMinor(w, gT, 0, xT, 1, batch, fast, 0);
        for (int r = 0; r < rows; r++) {
            for (int k = w.rowPtr()[r]; k < w.rowPtr()[r + 1]; k++) {
                int c = w.column(k);
                assertEquals(Float.floatToIntBits(dW[r * cols + c]), Float.floatToIntBits(twin[k]),
                        "twin dW[" + r + ", " + c + "]");
                double tol = tolerance(batch, batch);
                assertTrue(Math.abs(twin[k] - fast[k]) <= tol,
                        "dW[" + r + ", " + c + "] batch " + batch + ": twin " + twin[k] + ", kernel " + fast[k]);
            }
        }
    }

    @Test
    void layersWiderThan32768InputsUseIntIndicesAndTheSameKernels() {
        int rows = 3;
        int cols = 40_000;
        Rng rng = new Rng(3);
        float[] dense = SparseFixtures.pruned(rng, rows, cols, 0.99);
        dense[cols - 1] = 0.5f; // an entry past every 2-byte index
        CsrMatrix w = CsrMatrix.fromDense(dense, 0, rows, cols);
        assertTrue(!w.hasNarrowColumns(), "expected int indices for " + cols + " columns");
        float[] x = SparseFixtures.values(rng, 0, cols);
        float[] y = new float[rows];
        CsrKernels.timesVector(w, x, 0, y, 0);
        float[] expected = denseForward(dense, rows, cols, x, 0, 1);
        float[] mag = denseForward(abs(dense), rows, cols, abs(x), 0, 1);
        for (int r = 0; r < rows; r++) {
            assertTrue(Math.abs(expected[r] - y[r]) <= tolerance(cols, mag[r]), "row " + r);
        }
        int batch = 5;
        float[] xT = SparseFixtures.values(rng, 0, cols * batch);
        float[] twin = new float[rows * batch];
        float[] fast = new float[rows * batch];
        CsrKernels.timesBatchMinorScalar(w, xT, 0, batch, twin, 0);
        CsrKernels.timesBatchMinor(w, xT, 0, batch, fast, 0);
        for (int i = 0; i < twin.length; i++) {
            assertEquals(Float.floatToIntBits(twin[i]), Float.floatToIntBits(fast[i]), "element " + i);
        }
    }

    @Test
    void timesVectorGivesTheSameBitsBeforeAndAfterTheJitWarmsUp() {
        Rng rng = new Rng(9);
        CsrMatrix w = CsrMatrix.fromDense(SparseFixtures.pruned(rng, 8, 300, 0.5), 0, 8, 300);
        float[] x = SparseFixtures.values(rng, 0, 300);
        float[] first = new float[8];
        float[] later = new float[8];
        CsrKernels.timesVector(w, x, 0, first, 0);
        for (int call = 0; call < 20_000; call++) {
            CsrKernels.timesVector(w, x, 0, later, 0);
            for (int r = 0; r < 8; r++) {
                assertEquals(Float.floatToIntBits(first[r]), Float.floatToIntBits(later[r]),
                        "row " + r + " at call " + call);
            }
        }
    }

    @Test
    void wrongLengthsAreRejectedWithTheOperationAndTheSizes() {
        CsrMatrix w = CsrMatrix.fromDense(new float[] {1, 0, 2, 0, 0, 3}, 0, 2, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CsrKernels.timesVector(w, new float[2], 0, new float[2], 0));
        assertTrue(e.getMessage().contains("CsrKernels.timesVector") && e.getMessage().contains("x needs 3"),
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CsrKernels.timesVector(w, new float[3], 0, new float[2], 1));
        e = assertThrows(IllegalArgumentException.class,
                () -> CsrKernels.timesBatchMinor(w, new float[3 * 4 - 1], 0, 4, new float[8], 0));
        assertTrue(e.getMessage().contains("input [3, 4]"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> CsrKernels.timesBatchMinor(w, new float[12], 0, -1, new float[8], 0));
        assertThrows(IllegalArgumentException.class,
                () -> CsrKernels.transposedTimesBatchMinor(w, new float[8], 0, 4, new float[11], 0));
        assertThrows(IllegalArgumentException.class,
                () -> CsrKernels.weightGradBatchMinor(w, new float[8], 0, new float[12], 0, 4, new float[2], 0));
    }
}
