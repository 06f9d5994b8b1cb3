package dev.pare.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.pare.tensor.Rng;
import dev.pare.tensor.kernels.Int8Inputs.Fill;
import dev.pare.tensor.parallel.Parallel;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * {@link Int8WeightGemm}, the packed GEMM with int8 weights converted while packing, against two
 * oracles:
 * <ul>
 *   <li>its scalar twins (dequantize everything, then {@link GemmScalar}), within the float
 *       rounding of two sums of K products added in different orders: 2·(K + 2)·u·Σ|x̂·ŵ|,
 *       exactly when the inputs are small integers with unit scales;</li>
 *   <li>the fp32 {@link Gemm} on dequantized float copies, <em>bit for bit</em> whenever that
 *       takes its packed path: the packing is the only difference, and it must produce the same
 *       floats.</li>
 * </ul>
 * Sizes are the awkward ones of {@link GemmProperties} (not multiples of the 6×2·LANES tile), K
 * across the KC blocks, N across the NC panels, with and without rounding the activations.
 */
class Int8WeightGemmProperties {

    @Provide
    Arbitrary<Integer> awkward() {
        return Arbitraries.of(1, 2, 3, 5, 6, 7, 8, 9, 13, 16, 17, 31, 32, 33, 37, 63, 64, 65, 97, 127, 128, 129, 257);
    }

    @Property(tries = 100, edgeCases = EdgeCasesMode.MIXIN)
    void matchesTheScalarTwinAtAwkwardSizes(@ForAll("awkward") int m, @ForAll("awkward") int n,
                                           @ForAll("awkward") int k, @ForAll boolean quantizeX,
                                           @ForAll boolean accumulate, @ForAll @IntRange(max = 3) int pad,
                                           @ForAll long seed) {
        new Case(m, n, k, quantizeX, accumulate, pad, false, seed).checkAgainstScalarTwin();
    }

    @Property(tries = 40)
    void isExactWithSmallIntegersAndUnitScales(@ForAll("awkward") int m, @ForAll("awkward") int n,
                                              @ForAll @IntRange(min = 1, max = 600) int k,
                                              @ForAll boolean accumulate, @ForAll long seed) {
        // Every partial sum is an integer below 2^24, so any summation order gives the same float.
        new Case(m, n, k, false, accumulate, 1, true, seed).checkAgainstScalarTwin();
    }

    @Property(tries = 60)
    void equalsTheFp32GemmOnDequantizedCopiesBitForBit(@ForAll("awkward") int m, @ForAll("awkward") int n,
                                                       @ForAll @IntRange(min = 1, max = 700) int k,
                                                       @ForAll boolean quantizeX, @ForAll boolean accumulate,
                                                       @ForAll long seed) {
        new Case(m, n, k, quantizeX, accumulate, 2, false, seed).checkAgainstFp32Gemm();
    }

    @Property(tries = 12)
    void matchesBothOraclesWhenKSpansSeveralBlocks(@ForAll @IntRange(min = 1, max = 400) int beyond,
                                                   @ForAll("awkward") int m, @ForAll boolean quantizeX,
                                                   @ForAll boolean accumulate, @ForAll long seed) {
        int k = GemmBlocking.DEFAULT.kc() + beyond;
        Case c = new Case(m, 67, k, quantizeX, accumulate, 1, false, seed);
        assertTrue(GemmBlocking.DEFAULT.kBlock(k) < k, "K=" + k + " must span several KC blocks");
        c.checkAgainstScalarTwin();
        c.checkAgainstFp32Gemm();
    }

    @Example
    void matchesBothOraclesWhenNSpansSeveralColumnPanels() {
        for (boolean quantizeX : new boolean[] {false, true}) {
            Case c = new Case(7, GemmBlocking.DEFAULT.nc() + 37, 19, quantizeX, false, 1, false, 5);
            c.checkAgainstScalarTwin();
            c.checkAgainstFp32Gemm();
        }
    }

    @Example
    void matchesBothOraclesAtTheMlpLayerShape() {
        // Batch 256 through the MLP's first layer: out 256, in 784.
        Case c = new Case(256, 256, 784, true, false, 0, false, 6);
        c.checkAgainstScalarTwin();
        c.checkAgainstFp32Gemm();
    }

    @Property(tries = 30)
    void givesTheSameBitsForAnyThreadCount(@ForAll("awkward") int m, @ForAll("awkward") int n,
                                           @ForAll @IntRange(min = 1, max = 600) int k,
                                           @ForAll boolean quantizeX, @ForAll boolean accumulate,
                                           @ForAll long seed) {
        Case c = new Case(m, n, k, quantizeX, accumulate, 1, false, seed);
        int before = Parallel.threads();
        try {
            Parallel.setThreads(1);
            float[] reference = c.runKernel();
            for (int t : new int[] {2, 3}) {
                Parallel.setThreads(t);
                assertArrayEquals(reference, c.runKernel(), c + ": bits differ between 1 and " + t + " threads");
            }
        } finally {
            Parallel.setThreads(before);
        }
    }

    @Property(tries = 30)
    void anEpilogueGivesTheBitsOfTheProductThenTheBiasAndRelu(@ForAll("awkward") int m, @ForAll("awkward") int n,
                                                              @ForAll @IntRange(min = 1, max = 600) int k,
                                                              @ForAll boolean quantizeX, @ForAll boolean accumulate,
                                                              @ForAll boolean relu, @ForAll long seed) {
        // Oracle: the plain kernel, then x + bias and x < 0 ? 0 : x element by element.
        Case c = new Case(m, n, k, quantizeX, accumulate, 1, false, seed);
        Rng rng = new Rng(seed + 1);
        float[] bias = new float[n + 2];
        for (int j = 0; j < bias.length; j++) {
            bias[j] = rng.nextFloat() * 2 - 1;
        }
        float[] expected = c.runKernel();
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                int idx = c.co + i * c.ldc + j;
                float v = expected[idx] + bias[2 + j];
                expected[idx] = relu && v < 0f ? 0f : v;
            }
        }
        float[] actual = c.c0.clone();
        GemmEpilogue e = new GemmEpilogue(bias, 2, relu);
        if (quantizeX) {
            Int8WeightGemm.gemmQuantizedInput(m, n, k, c.x, c.xo, c.ldx, c.xScale, c.xZeroPoint, c.w, c.wo, c.scales,
                    actual, c.co, c.ldc, accumulate, e);
        } else {
            Int8WeightGemm.gemm(m, n, k, c.x, c.xo, c.ldx, c.w, c.wo, c.scales, actual, c.co, c.ldc, accumulate, e);
        }
        for (int idx = 0; idx < expected.length; idx++) {
            if (Float.floatToRawIntBits(expected[idx]) != Float.floatToRawIntBits(actual[idx])) {
                int rel = idx - c.co;
                fail(c + (relu ? ", bias and ReLU" : ", bias") + ": at C[" + rel / c.ldc + ", " + rel % c.ldc
                        + "] the product then the epilogue gives " + expected[idx] + ", the kernel " + actual[idx]
                        + Int8Inputs.species());
            }
        }
    }

    @Example
    void packingBuffersAreReusedAcrossShapesWithoutStaleValues() {
        // A large call grows the per-thread packing buffers; smaller ones after it must not read
        // what is left in them. Integer inputs: the results are exact.
        long seed = 3;
        for (int[] shape : new int[][] {{2, 130, 300}, {3, 7, 11}, {1, 64, 500}, {9, 1, 2}}) {
            new Case(shape[0], shape[1], shape[2], false, false, 0, true, seed++).checkAgainstScalarTwin();
        }
    }

    @Example
    void emptyProductsStoreZerosOrLeaveCUnchanged() {
        float[] c = {5f, 6f, 7f, 8f};
        Int8WeightGemm.gemm(2, 2, 0, new float[0], 0, 0, new byte[0], 0, new float[2], c, 0, 2, true);
        assertArrayEquals(new float[] {5f, 6f, 7f, 8f}, c);
        Int8WeightGemm.gemm(2, 2, 0, new float[0], 0, 0, new byte[0], 0, new float[2], c, 0, 2, false);
        assertArrayEquals(new float[4], c);
        Int8WeightGemm.gemm(0, 2, 3, new float[0], 0, 3, new byte[6], 0, new float[2], c, 0, 2, false);
    }

    @Example
    void badArgumentsAreRejectedWithTheirValues() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Int8WeightGemm.gemm(2, 3, 4, new float[8], 0, 4, new byte[12], 0, new float[3], new float[5], 0, 3, false));
        assertEquals("int8 weight gemm: c needs 6 elements from offset 0 but has length 5", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Int8WeightGemm.gemm(2, 3, 4, new float[8], 0, 4, new byte[12], 0, new float[2], new float[6], 0, 3, false));
        assertEquals("int8 weight gemm: 3 rows but 2 scales", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Int8WeightGemm.gemmQuantizedInput(2, 3, 4, new float[8], 0, 4, 0f, 0, new byte[12], 0,
                        new float[3], new float[6], 0, 3, false));
        assertEquals("int8 weight gemm: scale must be positive and finite, got 0.0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Int8WeightGemm.gemmQuantizedInput(2, 3, 4, new float[8], 0, 4, 0.1f, 128, new byte[12], 0,
                        new float[3], new float[6], 0, 3, false));
        assertEquals("int8 weight gemm: zero point 128 is outside the range [-128, 127]", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Int8WeightGemm.gemm(2, 3, 4, new float[8], 0, 4, new byte[12], 0, new float[3], new float[6], 0, 3,
                        false, new GemmEpilogue(new float[2], 0, false)));
        assertEquals("gemm: bias of length 2 at offset 0 does not cover n=3 columns", e.getMessage());
    }

    /** One product: X [m, k] at an offset with a padded leading dimension, W [n, k] int8, C [m, n] padded. */
    private static final class Case {
        final int m;
        final int n;
        final int k;
        final boolean quantizeX;
        final boolean accumulate;
        final int xo;
        final int ldx;
        final int wo;
        final int co;
        final int ldc;
        final float[] x;
        final byte[] w;
        final float[] scales;
        final float xScale;
        final int xZeroPoint;
        final float[] c0;

        Case(int m, int n, int k, boolean quantizeX, boolean accumulate, int pad, boolean integers, long seed) {
            this.m = m;
            this.n = n;
            this.k = k;
            this.quantizeX = quantizeX;
            this.accumulate = accumulate;
            Rng rng = new Rng(seed);
            xo = pad;
            ldx = k + pad;
            wo = 2 * pad;
            co = 3 * pad;
            ldc = n + pad;
            x = new float[xo + m * ldx + pad];
            for (int i = 0; i < x.length; i++) {
                x[i] = integers ? rng.nextInt(9) - 4 : (rng.nextFloat() * 2 - 1) * 3;
            }
            w = Int8Inputs.bytes(rng, integers ? Fill.EXTREMES : Fill.RANDOM, wo, n * k);
            scales = new float[n];
            for (int j = 0; j < n; j++) {
                scales[j] = integers ? 1f : 0.001f + rng.nextFloat() * 0.05f;
            }
            // A grid a little narrower than the data (so some values saturate), off centre.
            xScale = 5f / 255;
            xZeroPoint = rng.nextInt(41) - 20;
            c0 = new float[co + m * ldc + pad];
            for (int i = 0; i < c0.length; i++) {
                c0[i] = integers ? rng.nextInt(7) - 3 : rng.nextFloat() * 2 - 1;
            }
        }

        float[] runKernel() {
            float[] c = c0.clone();
            if (quantizeX) {
                Int8WeightGemm.gemmQuantizedInput(m, n, k, x, xo, ldx, xScale, xZeroPoint, w, wo, scales,
                        c, co, ldc, accumulate);
            } else {
                Int8WeightGemm.gemm(m, n, k, x, xo, ldx, w, wo, scales, c, co, ldc, accumulate);
            }
            return c;
        }

        /** X̂ [m, k], dense: X, or X rounded to its grid by the scalar twin. */
        float[] xHat() {
            float[] xf = new float[m * k];
            for (int i = 0; i < m; i++) {
                if (quantizeX) {
                    QuantizeKernels.fakeQuantizeScalar(x, xo + i * ldx, xf, i * k, k, xScale, xZeroPoint);
                } else {
                    System.arraycopy(x, xo + i * ldx, xf, i * k, k);
                }
            }
            return xf;
        }

        float[] wHat() {
            float[] wf = new float[n * k];
            QuantizeKernels.dequantizeRows(w, wo, wf, 0, n, k, scales, null);
            return wf;
        }

        void checkAgainstScalarTwin() {
            float[] fast = runKernel();
            float[] slow = c0.clone();
            if (quantizeX) {
                Int8WeightGemm.gemmQuantizedInputScalar(m, n, k, x, xo, ldx, xScale, xZeroPoint, w, wo, scales,
                        slow, co, ldc, accumulate);
            } else {
                Int8WeightGemm.gemmScalar(m, n, k, x, xo, ldx, w, wo, scales, slow, co, ldc, accumulate);
            }
            float[] xf = xHat();
            float[] wf = wHat();
            double u = Math.ulp(1f) / 2;
            for (int idx = 0; idx < fast.length; idx++) {
                int rel = idx - co;
                int i = rel / ldc;
                int j = rel % ldc;
                boolean inside = rel >= 0 && i < m && j < n;
                if (!inside) {
                    if (Float.floatToRawIntBits(fast[idx]) != Float.floatToRawIntBits(c0[idx])) {
                        fail(this + ": wrote outside C at array index " + idx);
                    }
                    continue;
                }
                double s = accumulate ? Math.abs(c0[idx]) : 0;
                for (int p = 0; p < k; p++) {
                    s += Math.abs((double) xf[i * k + p] * wf[j * k + p]);
                }
                double tol = 2 * (k + 2) * u * s + Float.MIN_NORMAL;
                float diff = Math.abs(fast[idx] - slow[idx]);
                if (!(diff <= tol) && fast[idx] != slow[idx]) {
                    fail(this + ": C[" + i + ", " + j + "] scalar twin " + slow[idx] + ", kernel " + fast[idx]
                            + " (difference " + diff + ", tolerance " + tol + ")" + Int8Inputs.species());
                }
            }
        }

        void checkAgainstFp32Gemm() {
            float[] fast = runKernel();
            float[] fp32 = c0.clone();
            Gemm.gemm(false, true, m, n, k, xHat(), 0, k, wHat(), 0, k, fp32, co, ldc, accumulate);
            boolean packedPath = m > 1 && n > 1 && (long) m * n * k > GemmBlocking.DIRECT_MAX_WORK;
            if (!packedPath) {
                return;   // Gemm used its direct path: another summation order, checked by the twin.
            }
            for (int idx = 0; idx < fast.length; idx++) {
                if (Float.floatToRawIntBits(fast[idx]) != Float.floatToRawIntBits(fp32[idx])) {
                    int rel = idx - co;
                    fail(this + ": at C[" + rel / ldc + ", " + rel % ldc + "] the fp32 GEMM on dequantized copies gives "
                            + fp32[idx] + ", the int8-weight GEMM " + fast[idx] + Int8Inputs.species());
                }
            }
        }

        @Override
        public String toString() {
            return "int8 weight gemm(m=" + m + ", n=" + n + ", k=" + k + (quantizeX ? ", x on grid scale " + xScale
                    + " zp " + xZeroPoint : "") + ", ldx=" + ldx + ", ldc=" + ldc + ", offsets " + xo + "/" + wo + "/"
                    + co + ", accumulate=" + accumulate + ")";
        }
    }
}
