package dev.pare.compress.quantize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.FloatRange;
import net.jqwik.api.constraints.IntRange;

class QuantParamsProperties {

    @Property
    void roundTripErrorIsAtMostHalfAScaleInsideTheRange(@ForAll @FloatRange(min = -100, max = 0) float lo,
                                                        @ForAll @FloatRange(min = 0.01f, max = 100) float width,
                                                        @ForAll @FloatRange(min = 0, max = 1) float where) {
        QuantParams p = QuantParams.affine(lo, lo + width);
        float x = p.min() + where * (p.max() - p.min());
        float err = Math.abs(p.roundTrip(x) - x);
        // s/2 plus one float rounding of the division and of the multiplication.
        assertTrue(err <= p.scale() / 2 * (1 + 1e-5f) + Math.ulp(x) * 2,
                () -> "x=" + x + " " + p + " error " + err);
    }

    @Property
    void valuesBeyondTheRangeSaturateToItsEnds(@ForAll @FloatRange(min = -50, max = 0) float lo,
                                               @ForAll @FloatRange(min = 0.01f, max = 50) float width,
                                               @ForAll @FloatRange(min = 0.01f, max = 1e6f) float beyond) {
        QuantParams p = QuantParams.affine(lo, lo + width);
        assertEquals(p.max(), p.roundTrip(p.max() + beyond * p.scale() + p.scale()));
        assertEquals(p.min(), p.roundTrip(p.min() - beyond * p.scale() - p.scale()));
    }

    @Property
    void theRealZeroIsAlwaysExact(@ForAll @FloatRange(min = -1e4f, max = 1e4f) float a,
                                  @ForAll @FloatRange(min = -1e4f, max = 1e4f) float b) {
        QuantParams p = QuantParams.affine(Math.min(a, b), Math.max(a, b));
        assertEquals(0f, p.roundTrip(0f));
    }

    @Property
    void perChannelScalesAreEachRowsMaxOver127(@ForAll @IntRange(min = 1, max = 9) int rows,
                                              @ForAll @IntRange(min = 1, max = 37) int cols,
                                              @ForAll @IntRange(min = 0, max = 1000) int seed) {
        java.util.Random r = new java.util.Random(seed);
        float[] w = new float[rows * cols];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) r.nextGaussian() * (1 + i / cols);
        }
        float[] s = QuantParams.weightScales(w, 0, rows, cols, Granularity.PER_CHANNEL);
        float[] t = QuantParams.weightScales(w, 0, rows, cols, Granularity.PER_TENSOR);
        float all = 0;
        for (int i = 0; i < rows; i++) {
            float m = 0;
            for (int j = 0; j < cols; j++) {
                m = Math.max(m, Math.abs(w[i * cols + j]));
            }
            assertEquals(m / 127f, s[i], 0f, "row " + i);
            all = Math.max(all, m);
        }
        for (float v : t) {
            assertEquals(all / 127f, v, 0f);
        }
    }

    @Example
    void tiesRoundHalfToEven() {
        QuantParams p = new QuantParams(1f, 0);
        assertEquals(2f, p.roundTrip(2.5f));
        assertEquals(4f, p.roundTrip(3.5f));
        assertEquals(-2f, p.roundTrip(-2.5f));
        assertEquals(0f, p.roundTrip(0.5f));
    }

    @Example
    void anAllZeroRangeGetsScaleOneAndStaysExactlyZero() {
        QuantParams p = QuantParams.affine(0f, 0f);
        assertEquals(new QuantParams(1f, -128), p);
        assertEquals(0f, p.roundTrip(0f));
        assertEquals(1f, QuantParams.symmetricScale(0f));
        assertArrayEquals(new float[] {1f, 2f / 127}, QuantParams.weightScales(new float[] {0, 0, 2, -1}, 0, 2, 2,
                Granularity.PER_CHANNEL));
    }

    @Example
    void aConstantTensorIsWidenedToContainZero() {
        QuantParams p = QuantParams.affine(3f, 3f);
        assertEquals(3f / 255, p.scale(), 1e-9f);
        assertEquals(-128, p.zeroPoint());
        assertEquals(3f, p.roundTrip(3f), p.scale() / 2);
        QuantParams n = QuantParams.affine(-3f, -3f);
        assertEquals(127, n.zeroPoint());
        assertEquals(-3f, n.roundTrip(-3f), n.scale() / 2);
    }

    @Example
    void aSubnormalRangeIsTreatedAsZero() {
        assertEquals(1f, QuantParams.affine(0f, Float.MIN_VALUE * 4).scale());
    }

    @Example
    void nonFiniteRangesAndWeightsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> QuantParams.affine(Float.NaN, 1f));
        assertThrows(IllegalArgumentException.class, () -> QuantParams.affine(0f, Float.POSITIVE_INFINITY));
        assertThrows(IllegalArgumentException.class, () -> QuantParams.affine(2f, 1f));
        assertThrows(IllegalArgumentException.class, () -> QuantParams.symmetricScale(Float.NaN));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> QuantParams.weightScales(new float[] {1, Float.NaN}, 0, 1, 2, Granularity.PER_CHANNEL));
        assertTrue(e.getMessage().contains("[0, 1]"), e.getMessage());
    }

    @Example
    void extremeFiniteRangesDoNotOverflow() {
        QuantParams p = QuantParams.affine(-3e38f, 3e38f);
        assertTrue(Float.isFinite(p.scale()));
        assertEquals(0f, p.roundTrip(0f));
    }
}
