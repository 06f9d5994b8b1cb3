package dev.pare.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.tensor.Rng;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * Reductions and axpy against their scalar twins. Sums and dots add in a different order, so
 * they are compared with a tolerance of 1e-6·n relative to the sum of magnitudes (the bound on
 * the rounding error of any summation order); max and axpy are exact.
 */
class ReduceKernelsProperties {

    @Provide
    Arbitrary<Integer> sizes() {
        return KernelSizes.sizes();
    }

    private static double absSum(float[] x, int o, int n) {
        double s = 0;
        for (int i = 0; i < n; i++) {
            s += Math.abs(x[o + i]);
        }
        return s;
    }

    @Property(tries = 200)
    void sumEqualsScalarTwin(@ForAll("sizes") int n, @ForAll @IntRange(min = 0, max = 4) int off, @ForAll long seed) {
        float[] x = KernelSizes.values(new Rng(seed), off, n, 10f);
        float expected = ReduceKernels.sumScalar(x, off, 1, n);
        float actual = ReduceKernels.sum(x, off, 1, n);
        double tol = 1e-6 * Math.max(1, n) * absSum(x, off, n) / Math.max(1, n) + 1e-6;
        assertTrue(Math.abs(expected - actual) <= tol,
                "sum n=" + n + " off=" + off + ": scalar twin " + expected + ", vector " + actual + ", tolerance " + tol);
    }

    @Property(tries = 200)
    void sumSquaredDeviationsEqualsScalarTwin(@ForAll("sizes") int n, @ForAll @IntRange(min = 0, max = 4) int off,
            @ForAll @IntRange(min = -3, max = 3) int mean, @ForAll long seed) {
        Rng rng = new Rng(seed);
        float[] x = KernelSizes.values(rng, off, n, 3f);
        float mu = mean * 0.7f;
        float expected = ReduceKernels.sumSquaredDeviationsScalar(x, off, n, mu);
        float actual = ReduceKernels.sumSquaredDeviations(x, off, n, mu);
        // Every term is non-negative, so the sum is its own magnitude; n float additions in any
        // order are within about n·2⁻²⁴ of it, relatively.
        double tol = 1e-7 * n * expected + 1e-6;
        assertTrue(Math.abs(expected - actual) <= tol, "sumSquaredDeviations n=" + n + " off=" + off + " mean=" + mu
                + ": scalar twin " + expected + ", vector " + actual + ", tolerance " + tol);
    }

    @Property(tries = 100)
    void dotRows4GivesEachRowTheBitsOfDot(@ForAll("sizes") int n, @ForAll @IntRange(min = 0, max = 4) int off,
                                         @ForAll @IntRange(min = 0, max = 5) int pad, @ForAll long seed) {
        Rng rng = new Rng(seed);
        int ldy = n + pad;
        float[] x = KernelSizes.values(rng, off, n, 1f);
        float[] y = KernelSizes.values(rng, 2, 4 * ldy, 1f);
        float[] out = new float[7];
        ReduceKernels.dotRows4(x, off, y, 2, ldy, n, out, 3, new float[ReduceKernels.DOT_ROWS4_SCRATCH]);
        for (int r = 0; r < 4; r++) {
            float expected = ReduceKernels.dot(x, off, 1, y, 2 + r * ldy, 1, n);
            assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(out[3 + r]),
                    "dotRows4 n=" + n + " row " + r + ": dot gives " + expected + ", dotRows4 " + out[3 + r]
                            + " (species " + VectorConfig.describe() + ")");
        }
    }

    @Property(tries = 200)
    void dotEqualsScalarTwin(@ForAll("sizes") int n, @ForAll @IntRange(min = 0, max = 4) int off, @ForAll long seed) {
        Rng rng = new Rng(seed);
        float[] x = KernelSizes.values(rng, off, n, 3f);
        float[] y = KernelSizes.values(rng, 1, n, 3f);
        float expected = ReduceKernels.dotScalar(x, off, 1, y, 1, 1, n);
        float actual = ReduceKernels.dot(x, off, 1, y, 1, 1, n);
        double mag = 0;
        for (int i = 0; i < n; i++) {
            mag += Math.abs(x[off + i] * y[1 + i]);
        }
        double tol = 1e-6 * mag + 1e-6;
        assertTrue(Math.abs(expected - actual) <= tol,
                "dot n=" + n + ": scalar twin " + expected + ", vector " + actual + ", tolerance " + tol);
    }

    @Property(tries = 200)
    void maxEqualsScalarTwinExactly(@ForAll("sizes") int n, @ForAll @IntRange(min = 0, max = 4) int off, @ForAll long seed) {
        float[] x = KernelSizes.values(new Rng(seed), off, n, 10f);
        assertEquals(ReduceKernels.maxScalar(x, off, 1, n), ReduceKernels.max(x, off, 1, n), 0f, "max n=" + n);
    }

    @Property(tries = 200)
    void axpyEqualsScalarTwinExactly(@ForAll("sizes") int n, @ForAll float alpha, @ForAll long seed) {
        Rng rng = new Rng(seed);
        float[] x = KernelSizes.values(rng, 2, n, 3f);
        float[] y1 = KernelSizes.values(rng, 1, n, 3f);
        float[] y2 = y1.clone();
        ReduceKernels.axpyScalar(alpha, x, 2, 1, y1, 1, 1, n);
        ReduceKernels.axpy(alpha, x, 2, 1, y2, 1, 1, n);
        for (int i = 0; i < y1.length; i++) {
            assertTrue(Float.compare(y1[i], y2[i]) == 0,
                    "axpy n=" + n + " alpha=" + alpha + " index " + i + ": scalar twin " + y1[i] + ", vector " + y2[i]);
        }
    }

    @Test
    void maxPropagatesNaNAndIsMinusInfinityWhenEmpty() {
        float[] x = new float[50];
        x[41] = Float.NaN;
        assertTrue(Float.isNaN(ReduceKernels.max(x, 0, 1, 50)));
        assertEquals(Float.NEGATIVE_INFINITY, ReduceKernels.max(x, 0, 1, 0));
        assertEquals(0f, ReduceKernels.sum(x, 0, 1, 0));
    }

    @Test
    void sumAndDotGiveTheSameBitsBeforeAndAfterTheJitWarmsUp() {
        // The first calls run interpreted, later ones C2-compiled; a lane reduction whose order
        // depended on the compiler would change the bits (see ReduceKernels.sumLanes).
        float[] x = KernelSizes.values(new Rng(5), 0, 1000, 1f);
        float firstSum = ReduceKernels.sum(x, 0, 1, 1000);
        float firstDot = ReduceKernels.dot(x, 0, 1, x, 0, 1, 1000);
        for (int i = 0; i < 30_000; i++) {
            assertEquals(firstSum, ReduceKernels.sum(x, 0, 1, 1000), 0f, "sum changed at call " + i);
            assertEquals(firstDot, ReduceKernels.dot(x, 0, 1, x, 0, 1, 1000), 0f, "dot changed at call " + i);
        }
    }
}
