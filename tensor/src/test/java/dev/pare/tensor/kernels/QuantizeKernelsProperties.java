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
import net.jqwik.api.constraints.FloatRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Scale;
import org.junit.jupiter.api.Test;

/**
 * Quantize and dequantize: vector kernels equal their scalar twins exactly; the round trip is
 * within half a scale inside the range and saturates outside it; ties round to even.
 */
class QuantizeKernelsProperties {

    @Provide
    Arbitrary<Integer> sizes() {
        return Int8Inputs.sizes();
    }

    /** Floats spread over ±(range·scale·1.5), so some saturate, plus the special values. */
    private static float[] floats(Rng rng, int off, int n, float scale) {
        float[] x = KernelSizes.values(rng, off, n, 200f * scale);
        float[] specials = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -0f, 0.5f * scale,
            -0.5f * scale, 1.5f * scale, 2.5f * scale, Float.MAX_VALUE, -Float.MAX_VALUE, Float.MIN_VALUE};
        for (int k = 0; k < n / 5; k++) {
            x[off + rng.nextInt(n)] = specials[rng.nextInt(specials.length)];
        }
        return x;
    }

    @Property(tries = 300)
    void quantizeEqualsScalarTwinExactly(@ForAll("sizes") int n, @ForAll @IntRange(min = 0, max = 5) int xo,
                                         @ForAll @IntRange(min = 0, max = 5) int qo,
                                         @ForAll @FloatRange(min = 1e-4f, max = 10f) @Scale(6) float scale,
                                         @ForAll @IntRange(min = -128, max = 127) int zeroPoint,
                                         @ForAll boolean symmetric, @ForAll long seed) {
        float[] x = floats(new Rng(seed), xo, n, scale);
        int zp = symmetric ? 0 : zeroPoint;
        int qmin = symmetric ? QuantizeKernels.QMIN_SYMMETRIC : QuantizeKernels.QMIN;
        byte[] expected = new byte[qo + n + 2];
        byte[] actual = new byte[qo + n + 2];
        QuantizeKernels.quantizeScalar(x, xo, expected, qo, n, scale, zp, qmin, QuantizeKernels.QMAX);
        QuantizeKernels.quantize(x, xo, actual, qo, n, scale, zp, qmin, QuantizeKernels.QMAX);
        for (int i = 0; i < expected.length; i++) {
            int k = i - qo;
            assertEquals(expected[i], actual[i], "quantize n=" + n + " index " + k + " input "
                    + (k >= 0 && k < n ? x[xo + k] : "padding") + " scale " + scale + " zp " + zp + Int8Inputs.species());
        }
    }

    @Property(tries = 300)
    void dequantizeEqualsScalarTwinExactly(@ForAll("sizes") int n, @ForAll @IntRange(min = 0, max = 5) int qo,
                                           @ForAll @FloatRange(min = 1e-4f, max = 10f) @Scale(6) float scale,
                                           @ForAll @IntRange(min = -128, max = 127) int zeroPoint, @ForAll long seed) {
        byte[] q = Int8Inputs.bytes(new Rng(seed), Int8Inputs.Fill.RANDOM, qo, n);
        float[] expected = new float[n + 3];
        float[] actual = new float[n + 3];
        QuantizeKernels.dequantizeScalar(q, qo, expected, 2, n, scale, zeroPoint);
        QuantizeKernels.dequantize(q, qo, actual, 2, n, scale, zeroPoint);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(actual[i]),
                    "dequantize n=" + n + " index " + (i - 2) + ": " + expected[i] + " vs " + actual[i] + Int8Inputs.species());
        }
    }

    @Property(tries = 300)
    void fakeQuantizeEqualsQuantizeThenDequantizeBitForBit(
            @ForAll("sizes") int n, @ForAll @IntRange(min = 0, max = 5) int xo,
            @ForAll @FloatRange(min = 1e-4f, max = 10f) @Scale(6) float scale,
            @ForAll @IntRange(min = -128, max = 127) int zeroPoint, @ForAll boolean inPlace, @ForAll long seed) {
        float[] x = floats(new Rng(seed), xo, n, scale);
        // Independent oracle: the two-step kernels through an int8 array.
        byte[] q = new byte[n];
        QuantizeKernels.quantize(x, xo, q, 0, n, scale, zeroPoint);
        float[] twoSteps = new float[n];
        QuantizeKernels.dequantize(q, 0, twoSteps, 0, n, scale, zeroPoint);
        float[] scalar = new float[n];
        QuantizeKernels.fakeQuantizeScalar(x, xo, scalar, 0, n, scale, zeroPoint);
        float[] vector;
        int vo;
        if (inPlace) {
            vector = x.clone();
            vo = xo;
            QuantizeKernels.fakeQuantize(vector, xo, vector, xo, n, scale, zeroPoint);
        } else {
            vector = new float[n + 2];
            vo = 1;
            QuantizeKernels.fakeQuantize(x, xo, vector, vo, n, scale, zeroPoint);
            assertEquals(0f, vector[0], "wrote before out");
            assertEquals(0f, vector[n + 1], "wrote past out");
        }
        for (int i = 0; i < n; i++) {
            String where = "fakeQuantize n=" + n + " index " + i + " input " + x[xo + i] + " scale " + scale
                    + " zp " + zeroPoint + (inPlace ? " in place" : "") + Int8Inputs.species();
            assertEquals(Float.floatToRawIntBits(twoSteps[i]), Float.floatToRawIntBits(scalar[i]), "scalar twin, " + where);
            assertEquals(Float.floatToRawIntBits(twoSteps[i]), Float.floatToRawIntBits(vector[vo + i]),
                    "vector kernel " + vector[vo + i] + " vs " + twoSteps[i] + ", " + where);
        }
    }

    /** The usual awkward sizes, and runs around and beyond the wide path's threshold. */
    @Provide
    Arbitrary<Integer> rangeSizes() {
        return Arbitraries.oneOf(Int8Inputs.sizes(), Arbitraries.of(QuantizeKernels.WIDE_RANGE - 1,
                QuantizeKernels.WIDE_RANGE, QuantizeKernels.WIDE_RANGE + 1, QuantizeKernels.WIDE_RANGE + 63, 70_001));
    }

    @Property(tries = 300)
    void rangeWithZeroEqualsItsTwinAndTheDefinitionExactly(@ForAll("rangeSizes") int n,
                                                          @ForAll @IntRange(min = 0, max = 5) int xo,
                                                          @ForAll boolean specials, @ForAll long seed) {
        Rng rng = new Rng(seed);
        float[] x = specials ? floats(rng, xo, n, 0.1f) : KernelSizes.values(rng, xo, n, 7f);
        // Independent definition: the smallest and largest value together with 0, or NaN twice
        // when anything is NaN or infinite.
        double lo = 0;
        double hi = 0;
        boolean finite = true;
        for (int i = 0; i < n; i++) {
            float v = x[xo + i];
            finite &= Float.isFinite(v);
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        float[] twin = new float[2];
        float[] vector = new float[2];
        QuantizeKernels.rangeWithZeroScalar(x, xo, n, twin);
        QuantizeKernels.rangeWithZero(x, xo, n, vector);
        String where = "rangeWithZero n=" + n + (specials ? " with specials" : "") + Int8Inputs.species();
        assertEquals(finite ? (float) lo : Float.NaN, twin[0], 0f, "twin lo, " + where);
        assertEquals(finite ? (float) hi : Float.NaN, twin[1], 0f, "twin hi, " + where);
        assertEquals(twin[0], vector[0], 0f, "kernel lo, " + where);
        assertEquals(twin[1], vector[1], 0f, "kernel hi, " + where);
    }

    @Property(tries = 300)
    void roundTripIsWithinHalfAScaleInsideTheRangeAndSaturatesOutside(
            @ForAll("sizes") int n, @ForAll @FloatRange(min = 1e-3f, max = 10f) @Scale(6) float scale,
            @ForAll @IntRange(min = -128, max = 127) int zeroPoint, @ForAll long seed) {
        float[] x = KernelSizes.values(new Rng(seed), 0, n, 200f * scale);
        byte[] q = new byte[n];
        float[] back = new float[n];
        QuantizeKernels.quantize(x, 0, q, 0, n, scale, zeroPoint);
        QuantizeKernels.dequantize(q, 0, back, 0, n, scale, zeroPoint);
        // The representable interval, extended by half a scale at each end: inside it the error
        // is at most scale/2 (plus the float rounding of x/scale and of (q − zp)·scale).
        float lo = (QuantizeKernels.QMIN - zeroPoint) * scale;
        float hi = (QuantizeKernels.QMAX - zeroPoint) * scale;
        for (int i = 0; i < n; i++) {
            if (x[i] >= lo - scale / 2 && x[i] <= hi + scale / 2) {
                double err = Math.abs((double) back[i] - x[i]);
                double slack = 2 * Math.ulp(Math.max(Math.abs(x[i]), Math.abs(back[i]))) + 1e-6 * scale;
                assertTrue(err <= scale / 2.0 + slack, "x=" + x[i] + " q=" + q[i] + " back=" + back[i]
                        + " error " + err + " > scale/2 = " + scale / 2);
            } else {
                int expected = x[i] > hi ? QuantizeKernels.QMAX : QuantizeKernels.QMIN;
                assertEquals(expected, q[i], "x=" + x[i] + " beyond [" + lo + ", " + hi + "] must saturate");
            }
        }
    }

    @Test
    void tiesRoundToEvenInTheVectorLoopAndTheTail() {
        // Scale 1 and zero point 0: q = rint(x). 37 values so that both the vector loop and the
        // scalar tail see every tie.
        float[] ties = {2.5f, 3.5f, -2.5f, -3.5f, 0.5f, -0.5f, 1.5f, -1.5f, 126.5f, -127.5f, 2.4999998f, 2.5000002f};
        byte[] expected = {2, 4, -2, -4, 0, 0, 2, -2, 126, -128, 2, 3};
        int n = 37;
        float[] x = new float[n];
        byte[] want = new byte[n];
        for (int i = 0; i < n; i++) {
            x[i] = ties[i % ties.length];
            want[i] = expected[i % ties.length];
        }
        byte[] vector = new byte[n];
        byte[] scalar = new byte[n];
        QuantizeKernels.quantize(x, 0, vector, 0, n, 1f, 0);
        QuantizeKernels.quantizeScalar(x, 0, scalar, 0, n, 1f, 0, QuantizeKernels.QMIN, QuantizeKernels.QMAX);
        assertArrayEquals(want, vector, "vector kernel" + Int8Inputs.species());
        assertArrayEquals(want, scalar, "scalar twin");
    }

    @Test
    void tiesRoundToEvenBeforeTheZeroPointIsAdded() {
        // rint(2.5) + 3 = 5, not rint(5.5) = 6: the zero point is an integer offset, applied after.
        float[] x = new float[20];
        java.util.Arrays.fill(x, 0.25f);   // 0.25 / 0.1 = 2.5 in exact arithmetic, but not in float
        byte[] q = new byte[20];
        QuantizeKernels.quantize(x, 0, q, 0, 20, 0.5f, 3);   // 0.25 / 0.5 = 0.5 exactly → 0 → 3
        for (byte b : q) {
            assertEquals(3, b);
        }
        java.util.Arrays.fill(x, 1.25f);   // 1.25 / 0.5 = 2.5 exactly → 2 → 5
        QuantizeKernels.quantize(x, 0, q, 0, 20, 0.5f, 3);
        for (byte b : q) {
            assertEquals(5, b);
        }
    }

    @Test
    void quantizeStaysExactOnceTheJitHasCompiledIt() {
        // Enough calls for C2 to compile the vector loop (the properties mostly run it interpreted).
        Rng rng = new Rng(5);
        int n = 207;
        float[] x = floats(rng, 0, n, 0.05f);
        byte[] expected = new byte[n];
        byte[] actual = new byte[n];
        for (int call = 0; call < 20_000; call++) {
            x[rng.nextInt(n)] = (rng.nextFloat() * 2 - 1) * 20f;
            int zp = call % 256 - 128;
            QuantizeKernels.quantizeScalar(x, 0, expected, 0, n, 0.05f, zp, -128, 127);
            QuantizeKernels.quantize(x, 0, actual, 0, n, 0.05f, zp);
            assertArrayEquals(expected, actual, "call " + call);
        }
    }

    @Test
    void symmetricQuantizationNeverProducesMinus128() {
        float[] x = {-1000f, -127.5f, -127.4f, Float.NEGATIVE_INFINITY, -1e30f, -126.5f, 127.5f, 0f,
            -1000f, -1000f, -1000f, -1000f, -1000f, -1000f, -1000f, -1000f, -1000f};
        byte[] q = new byte[x.length];
        QuantizeKernels.quantizeSymmetric(x, 0, q, 0, x.length, 1f);
        byte[] want = {-127, -127, -127, -127, -127, -126, 127, 0, -127, -127, -127, -127, -127, -127, -127, -127, -127};
        assertArrayEquals(want, q);
    }

    @Test
    void nanQuantizesToTheZeroPoint() {
        float[] x = new float[33];
        java.util.Arrays.fill(x, Float.NaN);
        byte[] q = new byte[33];
        QuantizeKernels.quantize(x, 0, q, 0, 33, 0.1f, -7);
        for (byte b : q) {
            assertEquals(-7, b);
        }
    }

    @Property(tries = 50)
    void perRowVariantsApplyEachRowsOwnParameters(@ForAll @IntRange(min = 0, max = 9) int rows,
                                                  @ForAll("sizes") int cols, @ForAll long seed) {
        Rng rng = new Rng(seed);
        float[] x = KernelSizes.values(rng, 1, rows * cols, 5f);
        float[] scales = new float[rows];
        int[] zps = new int[rows];
        for (int r = 0; r < rows; r++) {
            scales[r] = 0.01f + rng.nextFloat() * 0.1f;
            zps[r] = rng.nextInt(256) - 128;
        }
        byte[] q = new byte[rows * cols];
        byte[] qs = new byte[rows * cols];
        QuantizeKernels.quantizeRows(x, 1, q, 0, rows, cols, scales, zps);
        QuantizeKernels.quantizeRowsSymmetric(x, 1, qs, 0, rows, cols, scales);
        float[] back = new float[rows * cols];
        QuantizeKernels.dequantizeRows(q, 0, back, 0, rows, cols, scales, zps);
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < cols; j++) {
                int i = r * cols + j;
                assertEquals(QuantizeKernels.quantizeOne(x[1 + i], scales[r], zps[r], -128, 127), q[i], "row " + r);
                assertEquals(QuantizeKernels.quantizeOne(x[1 + i], scales[r], 0, -127, 127), qs[i], "symmetric row " + r);
                assertEquals((q[i] - zps[r]) * scales[r], back[i], 0f, "dequantized row " + r);
            }
        }
    }

    @Test
    void badParametersAreRejectedWithTheirValues() {
        float[] x = new float[4];
        byte[] q = new byte[4];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> QuantizeKernels.quantize(x, 0, q, 0, 4, 0f, 0));
        assertEquals("quantize: scale must be positive and finite, got 0.0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> QuantizeKernels.quantize(x, 0, q, 0, 4, 1f, 200));
        assertEquals("quantize: zero point 200 is outside the range [-128, 127]", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> QuantizeKernels.quantize(x, 2, q, 0, 4, 1f, 0));
        assertEquals("quantize: x needs 4 elements from offset 2 but has length 4", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> QuantizeKernels.quantizeRows(x, 0, q, 0, 2, 2, new float[1], new int[2]));
        assertEquals("quantizeRows: 2 rows but 1 scales and 2 zero points", e.getMessage());
    }
}
