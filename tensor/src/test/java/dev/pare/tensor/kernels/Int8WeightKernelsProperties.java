package dev.pare.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.tensor.Rng;
import dev.pare.tensor.kernels.Int8Inputs.Fill;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * The weight-only int8 matrix-vector kernel (int8 weights, float activations) against its scalar
 * twin ({@link Int8WeightGemm}, for batches, is in {@link Int8WeightGemmProperties}).
 * Their float sums are added in another order, so they agree within 1e-6 of the sum of the
 * magnitudes of the terms; with small-integer activations every partial sum is an exact
 * integer, and then they must agree exactly (a wrong index or a lost tail cannot hide there).
 */
class Int8WeightKernelsProperties {

    @Provide
    Arbitrary<Integer> sizes() {
        return Int8Inputs.sizes();
    }

    @Provide
    Arbitrary<Integer> rowCounts() {
        return Arbitraries.of(0, 1, 3, 4, 5, 7, 8, 9);
    }

    private static float[] scales(Rng rng, int rows) {
        float[] s = new float[rows];
        for (int r = 0; r < rows; r++) {
            s[r] = 0.001f + rng.nextFloat() * 0.05f;
        }
        return s;
    }

    /** Activations in [-3, 3), or small integers in [-4, 4] when {@code integers}. */
    private static float[] activations(Rng rng, int off, int n, boolean integers) {
        float[] x = KernelSizes.values(rng, off, n, 3f);
        if (integers) {
            for (int i = 0; i < x.length; i++) {
                x[i] = rng.nextInt(9) - 4;
            }
        }
        return x;
    }

    private static double magnitude(byte[] w, int wo, float[] x, int xo, int n) {
        double m = 0;
        for (int j = 0; j < n; j++) {
            m += Math.abs(w[wo + j] * x[xo + j]);
        }
        return m;
    }

    @Property(tries = 200)
    void gemvEqualsScalarTwin(@ForAll("rowCounts") int rows, @ForAll("sizes") int cols, @ForAll Fill fw,
                              @ForAll boolean integers, @ForAll @IntRange(min = 0, max = 5) int wo,
                              @ForAll @IntRange(min = 0, max = 5) int xo, @ForAll long seed) {
        Rng rng = new Rng(seed);
        byte[] w = Int8Inputs.bytes(rng, fw, wo, rows * cols);
        float[] x = activations(rng, xo, cols, integers);
        float[] s = integers ? new float[rows] : scales(rng, rows);
        if (integers) {
            java.util.Arrays.fill(s, 1f);
        }
        float[] expected = new float[rows + 2];
        float[] actual = new float[rows + 2];
        Int8WeightGemv.gemvScalar(w, wo, rows, cols, s, x, xo, expected, 1);
        Int8WeightGemv.gemv(w, wo, rows, cols, s, x, xo, actual, 1);
        for (int r = 0; r < rows; r++) {
            double tol = integers ? 0 : 1e-6 * s[r] * magnitude(w, wo + r * cols, x, xo, cols);
            assertTrue(Math.abs(expected[r + 1] - actual[r + 1]) <= tol,
                    "int8 weight gemv [" + rows + ", " + cols + "] " + fw + (integers ? " integer x" : "") + " row " + r
                    + ": scalar twin " + expected[r + 1] + ", vector " + actual[r + 1] + ", tolerance " + tol
                    + Int8Inputs.species());
        }
        assertEquals(0f, actual[0], "wrote before y");
        assertEquals(0f, actual[rows + 1], "wrote past y");
    }

    @Test
    void aProductLargeEnoughToSplitOverThreadsGivesTheSameBitsOnAnyThreadCount() {
        int rows = Int8Inputs.SPLIT_ROWS;
        int cols = Int8Inputs.SPLIT_COLS;
        Rng rng = new Rng(6);
        byte[] w = Int8Inputs.bytes(rng, Fill.RANDOM, 1, rows * cols);
        float[] x = activations(rng, 2, cols, false);
        float[] s = scales(rng, rows);
        float[] twin = new float[rows];
        Int8WeightGemv.gemvScalar(w, 1, rows, cols, s, x, 2, twin, 0);
        float[][] byThreads = new float[4][];
        for (int t = 1; t <= 3; t++) {
            byThreads[t] = Int8Inputs.onThreads(t, () -> {
                float[] y = new float[rows];
                Int8WeightGemv.gemv(w, 1, rows, cols, s, x, 2, y, 0);
                return y;
            });
        }
        for (int r = 0; r < rows; r++) {
            double tol = 1e-6 * s[r] * magnitude(w, 1 + r * cols, x, 2, cols);
            assertTrue(Math.abs(twin[r] - byThreads[1][r]) <= tol, "row " + r + ": scalar twin " + twin[r]
                    + ", vector " + byThreads[1][r] + ", tolerance " + tol + Int8Inputs.species());
        }
        for (int t = 2; t <= 3; t++) {
            assertArrayEquals(byThreads[1], byThreads[t], "int8 weight gemv [" + rows + ", " + cols
                    + "]: bits differ between 1 and " + t + " threads");
        }
    }

    @Test
    void gemvWithABiasEqualsGemvThenTheBiasBitForBitOnAnyThreadCount() {
        int rows = Int8Inputs.SPLIT_ROWS;
        int cols = Int8Inputs.SPLIT_COLS;
        Rng rng = new Rng(12);
        byte[] w = Int8Inputs.bytes(rng, Fill.RANDOM, 0, rows * cols);
        float[] x = activations(rng, 0, cols, false);
        float[] s = scales(rng, rows);
        float[] bias = new float[rows];
        for (int r = 0; r < rows; r++) {
            bias[r] = rng.nextFloat() * 4 - 2;
        }
        float[] expected = Int8Inputs.onThreads(1, () -> {
            float[] y = new float[rows];
            Int8WeightGemv.gemv(w, 0, rows, cols, s, x, 0, y, 0);
            return y;
        });
        for (int r = 0; r < rows; r++) {
            expected[r] += bias[r];
        }
        for (int t = 1; t <= 3; t++) {
            float[] actual = Int8Inputs.onThreads(t, () -> {
                float[] y = new float[rows];
                Int8WeightGemv.gemv(w, 0, rows, cols, s, x, 0, bias, y, 0);
                return y;
            });
            assertArrayEquals(expected, actual, "int8 weight gemv with bias on " + t + " threads: bits differ from"
                    + " gemv then + bias");
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Int8WeightGemv.gemv(w, 0, rows, cols, s, x, 0, new float[3], new float[rows], 0));
        assertEquals("int8 weight gemv: " + rows + " rows but 3 biases", e.getMessage());
    }

    @Test
    void badShapesAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Int8WeightGemv.gemv(new byte[5], 0, 2, 3, new float[2], new float[3], 0, new float[2], 0));
        assertEquals("int8 weight gemv: w needs 6 elements from offset 0 but has length 5", e.getMessage());
    }
}
