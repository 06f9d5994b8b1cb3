package dev.pare.tensor.kernels;

import static dev.pare.tensor.kernels.SparseFixtures.shape;
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
 * The row-major sparse products, {@code CsrKernels.timesRowMajor} and
 * {@code BlockCsrKernels.timesRowMajor}: Y = X·Wᵀ + b with X and Y batch-major. Each must give
 * its scalar twin's bits exactly (chunks of 64 samples, 16-row tiles and their transposes change
 * no sum), and the twin must equal the batch-minor twin transposed, plus the bias.
 */
class RowMajorBatchProperties {

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
    void csrRowMajorEqualsItsTwinAndTheBatchMinorTwinTransposedPlusBias(
            @ForAll("dims") int rows, @ForAll("dims") int cols, @ForAll("batches") int batch,
            @ForAll("sparsities") double sparsity, @ForAll @IntRange(max = 3) int off,
            @ForAll boolean withBias, @ForAll boolean wide, @ForAll long seed) {
        Rng rng = new Rng(seed);
        CsrMatrix w = CsrMatrix.fromDense(SparseFixtures.pruned(rng, rows, cols, sparsity), 0, rows, cols);
        if (wide) {
            w = SparseFixtures.widened(w);
        }
        float[] x = SparseFixtures.values(rng, off, batch * cols);
        float[] bias = withBias ? SparseFixtures.values(rng, off, rows) : null;
        float[] twin = new float[rows * batch];
        float[] fast = new float[off + rows * batch + 3];
        CsrKernels.timesRowMajorScalar(w, x, off, batch, bias, off, twin, 0);
        CsrKernels.timesRowMajor(w, x, off, batch, bias, off, fast, off);

        float[] xT = new float[cols * batch];
        SparseLayout.transposeScalar(x, off, batch, cols, xT, 0);
        float[] yT = new float[rows * batch];
        CsrKernels.timesBatchMinorScalar(w, xT, 0, batch, yT, 0);
        String what = shape(rows, cols, sparsity) + " batch " + batch + (withBias ? ", bias" : "")
                + (wide ? ", int indices" : "");
        assertSameBits(twin, fast, off, yT, bias, off, rows, batch, what);
    }

    @Property(tries = 300)
    void blockCsrRowMajorEqualsItsTwinAndTheBatchMinorTwinTransposedPlusBias(
            @ForAll("dims") int rows, @ForAll("dims") int cols, @ForAll("batches") int batch,
            @ForAll("sparsities") double sparsity, @ForAll boolean sixteen, @ForAll @IntRange(max = 3) int off,
            @ForAll boolean withBias, @ForAll long seed) {
        Rng rng = new Rng(seed);
        int bw = sixteen ? 16 : 8;
        BlockCsrMatrix w = BlockCsrMatrix.fromDense(SparseFixtures.blockPruned(rng, rows, cols, bw, sparsity),
                0, rows, cols, bw);
        float[] x = SparseFixtures.values(rng, off, batch * cols);
        float[] bias = withBias ? SparseFixtures.values(rng, off, rows) : null;
        float[] twin = new float[rows * batch];
        float[] fast = new float[off + rows * batch + 3];
        BlockCsrKernels.timesRowMajorScalar(w, x, off, batch, bias, off, twin, 0);
        BlockCsrKernels.timesRowMajor(w, x, off, batch, bias, off, fast, off);

        float[] xT = new float[cols * batch];
        SparseLayout.transposeScalar(x, off, batch, cols, xT, 0);
        float[] yT = new float[rows * batch];
        BlockCsrKernels.timesBatchMinorScalar(w, xT, 0, batch, yT, 0);
        String what = shape(rows, cols, sparsity) + " 1x" + bw + " batch " + batch + (withBias ? ", bias" : "");
        assertSameBits(twin, fast, off, yT, bias, off, rows, batch, what);
    }

    @Test
    void rowMajorProductsGiveTheSameBitsOnOneAndTwoThreads() {
        Rng rng = new Rng(5);
        int rows = 301;
        int cols = 257;
        int batch = 150;
        CsrMatrix w = CsrMatrix.fromDense(SparseFixtures.pruned(rng, rows, cols, 0.5), 0, rows, cols);
        BlockCsrMatrix blocks = BlockCsrMatrix.fromDense(SparseFixtures.blockPruned(rng, rows, cols, 16, 0.5),
                0, rows, cols, 16);
        float[] x = SparseFixtures.values(rng, 0, batch * cols);
        float[] bias = SparseFixtures.values(rng, 0, rows);
        float[][] out = new float[4][rows * batch];
        int before = Parallel.threads();
        try {
            for (int t = 1; t <= 2; t++) {
                Parallel.setThreads(t);
                CsrKernels.timesRowMajor(w, x, 0, batch, bias, 0, out[t - 1], 0);
                BlockCsrKernels.timesRowMajor(blocks, x, 0, batch, bias, 0, out[t + 1], 0);
            }
        } finally {
            Parallel.setThreads(before);
        }
        for (int i = 0; i < rows * batch; i++) {
            assertEquals(Float.floatToIntBits(out[0][i]), Float.floatToIntBits(out[1][i]), "CSR element " + i);
            assertEquals(Float.floatToIntBits(out[2][i]), Float.floatToIntBits(out[3][i]), "block element " + i);
        }
    }

    @Test
    void wrongLengthsAreRejectedWithTheOperationAndTheSizes() {
        CsrMatrix w = CsrMatrix.fromDense(new float[] {1, 0, 2, 0, 0, 3}, 0, 2, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CsrKernels.timesRowMajor(w, new float[3 * 4 - 1], 0, 4, null, 0, new float[8], 0));
        assertTrue(e.getMessage().contains("CsrKernels.timesRowMajor") && e.getMessage().contains("x [4, 3]"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> CsrKernels.timesRowMajor(w, new float[12], 0, 4, null, 0, new float[7], 0));
        assertTrue(e.getMessage().contains("y [4, 2]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> CsrKernels.timesRowMajor(w, new float[12], 0, 4, new float[1], 0, new float[8], 0));
        assertTrue(e.getMessage().contains("bias needs 2"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> CsrKernels.timesRowMajor(w, new float[12], 0, -1, null, 0, new float[8], 0));
        BlockCsrMatrix b = BlockCsrMatrix.fromDense(new float[] {1, 0, 2, 0, 0, 3}, 0, 2, 3, 8);
        e = assertThrows(IllegalArgumentException.class,
                () -> BlockCsrKernels.timesRowMajor(b, new float[12], 1, 4, null, 0, new float[8], 0));
        assertTrue(e.getMessage().contains("BlockCsrKernels.timesRowMajor"), e.getMessage());
    }

    /** fast (at offset fo) == twin bit for bit, and twin[n, r] == yT[r, n] (+ bias[bo + r]) exactly. */
    private static void assertSameBits(float[] twin, float[] fast, int fo, float[] yT, float[] bias, int bo,
                                       int rows, int batch, String what) {
        for (int n = 0; n < batch; n++) {
            for (int r = 0; r < rows; r++) {
                float t = twin[n * rows + r];
                float f = fast[fo + n * rows + r];
                String where = "y[" + n + ", " + r + "] of " + what;
                assertEquals(Float.floatToIntBits(t), Float.floatToIntBits(f), where + ": twin " + t + ", kernel " + f);
                float expected = bias == null ? yT[r * batch + n] : yT[r * batch + n] + bias[bo + r];
                assertEquals(Float.floatToIntBits(expected), Float.floatToIntBits(t),
                        where + ": batch-minor twin + bias " + expected + ", row-major twin " + t);
            }
        }
    }
}
