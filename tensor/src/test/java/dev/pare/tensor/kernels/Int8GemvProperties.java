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
 * The int8×int8 → int32 kernels equal their scalar twins exactly (integers, no tolerance), at
 * awkward sizes and offsets and with inputs saturated at −128/127 to prove nothing overflows;
 * the scalar twin itself is checked against a long-valued oracle.
 */
class Int8GemvProperties {

    @Provide
    Arbitrary<Integer> sizes() {
        return Int8Inputs.sizes();
    }

    @Provide
    Arbitrary<Integer> rowCounts() {
        return Arbitraries.of(0, 1, 3, 4, 5, 7, 8, 9);
    }

    @Property(tries = 300)
    void dotEqualsScalarTwinAndLongOracleExactly(@ForAll("sizes") int n, @ForAll Fill fa, @ForAll Fill fb,
                                                 @ForAll @IntRange(min = 0, max = 5) int ao,
                                                 @ForAll @IntRange(min = 0, max = 5) int bo, @ForAll long seed) {
        Rng rng = new Rng(seed);
        byte[] a = Int8Inputs.bytes(rng, fa, ao, n);
        byte[] b = Int8Inputs.bytes(rng, fb, bo, n);
        long oracle = Int8Inputs.longDot(a, ao, b, bo, n);
        int twin = Int8Gemv.dotScalar(a, ao, b, bo, n);
        int vector = Int8Gemv.dot(a, ao, b, bo, n);
        assertEquals(oracle, twin, "scalar twin vs long oracle, n=" + n);
        assertEquals(twin, vector, "dot n=" + n + " " + fa + "·" + fb + " offsets " + ao + "," + bo + Int8Inputs.species());
    }

    @Test
    void dotOfLongestExactLengthAtTheWorstCaseIsExact() {
        // 131071 · (−128)·(−128) = 2147467264: just under 2^31, the largest sum the bound allows.
        int n = Int8Gemv.MAX_K;
        byte[] a = Int8Inputs.bytes(new Rng(1), Fill.ALL_MIN, 0, n);
        assertEquals(2147467264, Int8Gemv.dot(a, 0, a, 0, n));
        byte[] b = Int8Inputs.bytes(new Rng(2), Fill.ALL_MAX, 0, n);
        assertEquals(-128L * 127 * n, Int8Gemv.dot(a, 0, b, 0, n));
    }

    @Test
    void kernelsStayExactOnceTheJitHasCompiledThem() {
        // Properties run only a few hundred calls, mostly interpreted; the Vector API's
        // interpreted and C2-compiled forms are different code (see ReduceKernels.sumLanes for a
        // case where they disagree). Twenty thousand calls get the kernels compiled by C2.
        Rng rng = new Rng(11);
        int rows = 5;
        int cols = 207;
        byte[] w = Int8Inputs.bytes(rng, Fill.RANDOM, 0, rows * cols);
        byte[] x = Int8Inputs.bytes(rng, Fill.RANDOM, 0, cols);
        int[] expected = new int[rows];
        int[] actual = new int[rows];
        for (int call = 0; call < 20_000; call++) {
            int i = rng.nextInt(w.length);
            w[i] = (byte) (call % 3 == 0 ? -128 : rng.nextInt(256) - 128);
            Int8Gemv.gemvInt32Scalar(w, 0, rows, cols, x, 0, expected, 0);
            Int8Gemv.gemvInt32(Int8GemvWeights.pack(w, 0, rows, cols), x, 0, actual, 0);
            assertEquals(expected[0], Int8Gemv.dot(w, 0, x, 0, cols), "dot, call " + call);
            for (int r = 0; r < rows; r++) {
                assertEquals(expected[r], actual[r], "gemvInt32 row " + r + ", call " + call);
            }
        }
    }

    @Test
    void aProductLargeEnoughToSplitOverThreadsGivesTheScalarTwinsRowsOnAnyThreadCount() {
        int rows = Int8Inputs.SPLIT_ROWS;
        int cols = Int8Inputs.SPLIT_COLS;
        Rng rng = new Rng(5);
        byte[] w = Int8Inputs.bytes(rng, Fill.RANDOM, 1, rows * cols);
        byte[] x = Int8Inputs.bytes(rng, Fill.EXTREMES, 2, cols);
        int[] expected = new int[rows + 1];
        Int8Gemv.gemvInt32Scalar(w, 1, rows, cols, x, 2, expected, 1);
        Int8GemvWeights packed = Int8GemvWeights.pack(w, 1, rows, cols);
        for (int t : new int[] {1, 2, 3}) {
            int[] actual = Int8Inputs.onThreads(t, () -> {
                int[] acc = new int[rows + 1];
                Int8Gemv.gemvInt32(packed, x, 2, acc, 1);
                return acc;
            });
            assertArrayEquals(expected, actual, "gemvInt32 [" + rows + ", " + cols + "] on " + t + " threads");
        }
    }

    @Test
    void dotBeyondTheExactLengthIsRejected() {
        byte[] a = new byte[Int8Gemv.MAX_K + 1];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Int8Gemv.dot(a, 0, a, 0, a.length));
        assertTrue(e.getMessage().contains("131072"), e.getMessage());
    }

    @Property(tries = 200)
    void gemvInt32EqualsScalarTwinExactly(@ForAll("rowCounts") int rows, @ForAll("sizes") int cols,
                                          @ForAll Fill fw, @ForAll Fill fx,
                                          @ForAll @IntRange(min = 0, max = 5) int wo,
                                          @ForAll @IntRange(min = 0, max = 5) int xo, @ForAll long seed) {
        Rng rng = new Rng(seed);
        byte[] w = Int8Inputs.bytes(rng, fw, wo, rows * cols);
        byte[] x = Int8Inputs.bytes(rng, fx, xo, cols);
        int[] expected = new int[rows + 2];
        int[] actual = new int[rows + 2];
        Int8Gemv.gemvInt32Scalar(w, wo, rows, cols, x, xo, expected, 1);
        Int8Gemv.gemvInt32(Int8GemvWeights.pack(w, wo, rows, cols), x, xo, actual, 1);
        for (int r = 0; r < expected.length; r++) {
            assertEquals(expected[r], actual[r], "gemvInt32 [" + rows + ", " + cols + "] " + fw + "·" + fx
                    + " row " + (r - 1) + Int8Inputs.species());
        }
    }

    @Property(tries = 200)
    void gemvEqualsScalarTwinBitForBit(@ForAll("rowCounts") int rows, @ForAll("sizes") int cols, @ForAll Fill fw,
                                       @ForAll @IntRange(min = -128, max = 127) int xZero, @ForAll long seed) {
        Rng rng = new Rng(seed);
        byte[] w = Int8Inputs.bytes(rng, fw, 0, rows * cols);
        byte[] x = Int8Inputs.bytes(rng, Fill.RANDOM, 3, cols);
        float[] wScales = new float[rows];
        for (int r = 0; r < rows; r++) {
            wScales[r] = 0.001f + rng.nextFloat() * 0.1f;
        }
        int[] rowSums = new int[rows];
        Int8Gemv.rowSums(w, 0, rows, cols, rowSums, 0);
        float xScale = 0.02f + rng.nextFloat();
        float[] expected = new float[rows + 1];
        float[] actual = new float[rows + 1];
        Int8Gemv.gemvScalar(w, 0, rows, cols, wScales, rowSums, x, 3, xScale, xZero, expected, 1);
        Int8Gemv.gemv(Int8GemvWeights.pack(w, 0, rows, cols), wScales, x, 3, xScale, xZero, actual, 1, new int[rows]);
        for (int r = 0; r < expected.length; r++) {
            assertEquals(Float.floatToRawIntBits(expected[r]), Float.floatToRawIntBits(actual[r]),
                    "gemv [" + rows + ", " + cols + "] zx=" + xZero + " row " + (r - 1) + ": scalar twin "
                    + expected[r] + ", vector " + actual[r] + Int8Inputs.species());
        }
    }

    @Property(tries = 50)
    void zeroPointCorrectionEqualsDotWithShiftedActivations(@ForAll("sizes") int cols,
                                                            @ForAll @IntRange(min = -128, max = 127) int xZero,
                                                            @ForAll long seed) {
        // Σ w·(x − zx) computed directly in long, against acc − zx·rowSum: the correction term.
        Rng rng = new Rng(seed);
        int rows = 5;
        byte[] w = Int8Inputs.bytes(rng, Fill.EXTREMES, 0, rows * cols);
        byte[] x = Int8Inputs.bytes(rng, Fill.RANDOM, 0, cols);
        int[] acc = new int[rows];
        int[] sums = new int[rows];
        Int8Gemv.gemvInt32(Int8GemvWeights.pack(w, 0, rows, cols), x, 0, acc, 0);
        Int8Gemv.rowSums(w, 0, rows, cols, sums, 0);
        for (int r = 0; r < rows; r++) {
            long direct = 0;
            for (int j = 0; j < cols; j++) {
                direct += (long) w[r * cols + j] * (x[j] - xZero);
            }
            assertEquals(direct, (long) acc[r] - (long) xZero * sums[r], "row " + r + " cols " + cols);
        }
    }

    @Test
    void quantizedGemvApproximatesTheFloatProduct() {
        // End to end: quantize a random layer and input, compare with the fp32 product. The error
        // bound: each term w·x is off by at most |w|·sx/2 + |x|·sw/2 + sw·sx/4.
        Rng rng = new Rng(7);
        int rows = 37;
        int cols = 300;
        float[] wf = new float[rows * cols];
        float[] xf = new float[cols];
        for (int i = 0; i < wf.length; i++) {
            wf[i] = (rng.nextFloat() * 2 - 1) * 0.5f;
        }
        for (int j = 0; j < cols; j++) {
            xf[j] = rng.nextFloat() * 3f;   // ReLU-like, non-negative: an asymmetric range
        }
        float[] sw = new float[rows];
        for (int r = 0; r < rows; r++) {
            float max = 0;
            for (int j = 0; j < cols; j++) {
                max = Math.max(max, Math.abs(wf[r * cols + j]));
            }
            sw[r] = max / 127f;
        }
        float sx = 3f / 255f;
        int zx = -128;
        byte[] wq = new byte[wf.length];
        byte[] xq = new byte[cols];
        QuantizeKernels.quantizeRowsSymmetric(wf, 0, wq, 0, rows, cols, sw);
        QuantizeKernels.quantize(xf, 0, xq, 0, cols, sx, zx);
        int[] sums = new int[rows];
        Int8Gemv.rowSums(wq, 0, rows, cols, sums, 0);
        float[] y = new float[rows];
        Int8Gemv.gemv(Int8GemvWeights.pack(wq, 0, rows, cols), sw, xq, 0, sx, zx, y, 0, new int[rows]);
        for (int r = 0; r < rows; r++) {
            double exact = 0;
            double bound = 0;
            for (int j = 0; j < cols; j++) {
                exact += (double) wf[r * cols + j] * xf[j];
                bound += Math.abs(wf[r * cols + j]) * sx / 2 + Math.abs(xf[j]) * sw[r] / 2 + sw[r] * sx / 4;
            }
            assertTrue(Math.abs(y[r] - exact) <= bound * 1.001 + 1e-5,
                    "row " + r + ": int8 " + y[r] + ", fp " + exact + ", bound " + bound);
        }
    }

    @Test
    void gemvWithABiasEqualsTheScalarTwinPlusTheBiasBitForBitOnAnyThreadCount() {
        int rows = Int8Inputs.SPLIT_ROWS;
        int cols = Int8Inputs.SPLIT_COLS;
        Rng rng = new Rng(11);
        byte[] w = Int8Inputs.bytes(rng, Fill.RANDOM, 0, rows * cols);
        byte[] x = Int8Inputs.bytes(rng, Fill.RANDOM, 0, cols);
        float[] wScales = new float[rows];
        float[] bias = new float[rows];
        for (int r = 0; r < rows; r++) {
            wScales[r] = 0.001f + rng.nextFloat() * 0.1f;
            bias[r] = rng.nextFloat() * 4 - 2;
        }
        int[] rowSums = new int[rows];
        Int8Gemv.rowSums(w, 0, rows, cols, rowSums, 0);
        float[] expected = new float[rows];
        Int8Gemv.gemvScalar(w, 0, rows, cols, wScales, rowSums, x, 0, 0.05f, -7, expected, 0);
        for (int r = 0; r < rows; r++) {
            expected[r] += bias[r];
        }
        Int8GemvWeights packed = Int8GemvWeights.pack(w, 0, rows, cols);
        for (int t = 1; t <= 3; t++) {
            float[] actual = Int8Inputs.onThreads(t, () -> {
                float[] y = new float[rows + 1];
                Int8Gemv.gemv(packed, wScales, x, 0, 0.05f, -7, bias, y, 1, new int[rows]);
                return y;
            });
            assertEquals(0f, actual[0], "wrote before y");
            for (int r = 0; r < rows; r++) {
                assertEquals(Float.floatToRawIntBits(expected[r]), Float.floatToRawIntBits(actual[r + 1]),
                        "gemv with bias, " + t + " threads, row " + r + ": twin + bias " + expected[r] + ", kernel "
                        + actual[r + 1] + Int8Inputs.species());
            }
        }
    }

    @Test
    void badShapesAreRejectedWithTheirNames() {
        byte[] w = new byte[10];
        byte[] x = new byte[4];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Int8GemvWeights.pack(w, 0, 3, 4));
        assertTrue(e.getMessage().startsWith("Int8GemvWeights.pack: w needs 12"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Int8GemvWeights.pack(w, 0, -1, 4));
        assertTrue(e.getMessage().contains("negative shape [-1, 4]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Int8GemvWeights.pack(w, 0, 0, Int8Gemv.MAX_K + 1));
        assertTrue(e.getMessage().contains("131072 columns"), e.getMessage());
        Int8GemvWeights packed = Int8GemvWeights.pack(w, 0, 2, 4);
        e = assertThrows(IllegalArgumentException.class,
                () -> Int8Gemv.gemvInt32(packed, new byte[3], 0, new int[2], 0));
        assertTrue(e.getMessage().startsWith("gemvInt32: x needs 4"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Int8Gemv.gemvInt32(packed, x, 0, new int[2], 1));
        assertTrue(e.getMessage().startsWith("gemvInt32: acc needs 2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Int8Gemv.gemv(packed, new float[1], x, 0, 1f, 0, new float[2], 0, new int[2]));
        assertTrue(e.getMessage().contains("1 scales"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Int8Gemv.gemv(packed, new float[2], x, 0, 1f, 0, new float[1], new float[2], 0, new int[2]));
        assertTrue(e.getMessage().contains("1 biases"), e.getMessage());
        IndexOutOfBoundsException o = assertThrows(IndexOutOfBoundsException.class, () -> packed.code(2, 0));
        assertTrue(o.getMessage().contains("(2, 0) outside [2, 4]"), o.getMessage());
        o = assertThrows(IndexOutOfBoundsException.class, () -> packed.rowSum(-1));
        assertTrue(o.getMessage().contains("rowSum(-1) outside [0, 2)"), o.getMessage());
    }

    @Property(tries = 100)
    void packingKeepsEveryCodeAndRowSum(@ForAll("rowCounts") int rows, @ForAll("sizes") int cols, @ForAll Fill fill,
                                        @ForAll @IntRange(min = 0, max = 5) int wo, @ForAll long seed) {
        byte[] w = Int8Inputs.bytes(new Rng(seed), fill, wo, rows * cols);
        Int8GemvWeights packed = Int8GemvWeights.pack(w, wo, rows, cols);
        int[] sums = new int[rows];
        Int8Gemv.rowSums(w, wo, rows, cols, sums, 0);
        assertEquals(rows, packed.rows());
        assertEquals(cols, packed.cols());
        for (int r = 0; r < rows; r++) {
            assertEquals(sums[r], packed.rowSum(r), "row sum " + r);
            for (int j = 0; j < cols; j++) {
                assertEquals(w[wo + r * cols + j], packed.code(r, j), "code (" + r + ", " + j + ")");
            }
        }
    }

    @Test
    void gemvOfLongestExactLengthAtTheWorstCaseIsExact() {
        // The extremes of the packed arithmetic, over the longest row allowed: codes 127 make
        // both products of every lane 255·255, the most a 16-bit half can hold; codes −128 make
        // them 0 and leave the whole answer to the offsets' corrections.
        int n = Int8Gemv.MAX_K;
        byte[] min = Int8Inputs.bytes(new Rng(1), Fill.ALL_MIN, 0, 5 * n);
        byte[] max = Int8Inputs.bytes(new Rng(2), Fill.ALL_MAX, 0, 5 * n);
        long[][] cases = {{-128, -128, 2147467264L}, {-128, 127, -128L * 127 * n}, {127, 127, 127L * 127 * n}};
        int[] acc = new int[5];
        for (long[] c : cases) {
            byte[] w = c[0] < 0 ? min : max;
            byte[] x = c[1] < 0 ? min : max;
            Int8Gemv.gemvInt32(Int8GemvWeights.pack(w, 0, 5, n), x, 0, acc, 0);
            for (int r = 0; r < 5; r++) {
                assertEquals(c[2], acc[r], c[0] + "·" + c[1] + " summed " + n + " times, row " + r);
            }
        }
    }
}
