package dev.pare.compress.stack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.compress.quantize.Granularity;
import dev.pare.compress.quantize.QuantMode;
import dev.pare.compress.quantize.QuantizedLinear;
import dev.pare.nn.Linear;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

class LowBitWeightsProperties {

    @Property(tries = 200)
    void bBitCodesFitTheirRangeAndDequantizeWithinHalfAStep(@ForAll @IntRange(min = 1, max = 20) int out,
                                                            @ForAll @IntRange(min = 1, max = 40) int in,
                                                            @ForAll @IntRange(min = 2, max = 8) int bits,
                                                            @ForAll boolean perChannel, @ForAll @LongRange long seed) {
        Linear linear = new Linear(in, out, new Rng(seed));
        Granularity g = perChannel ? Granularity.PER_CHANNEL : Granularity.PER_TENSOR;
        QuantizedLinear q8 = QuantizedLinear.from(linear, QuantMode.WEIGHT_ONLY, g, null);
        QuantizedLinear q = LowBitWeights.requantize(q8, linear.weight(), bits);
        float[] w = linear.weight().detach().contiguous().toArray();
        int max = BitPacking.maxCode(bits);
        float maxAbsAll = 0;
        for (float v : w) {
            maxAbsAll = Math.max(maxAbsAll, Math.abs(v));
        }
        for (int r = 0; r < out; r++) {
            float s = q.weightScales()[r];
            float rowMax = 0;
            for (int j = 0; j < in; j++) {
                rowMax = Math.max(rowMax, Math.abs(w[r * in + j]));
            }
            // The scale is max|w| / q: of the row per channel, of the whole weight per tensor.
            float expected = (perChannel ? rowMax : maxAbsAll) / max;
            assertTrue(Math.abs(s - expected) <= 1e-6f * expected + Float.MIN_NORMAL || expected == 0,
                    "scale " + s + " vs " + expected);
            for (int j = 0; j < in; j++) {
                int c = q.weightCodes()[r * in + j];
                assertTrue(c >= -max && c <= max, "code " + c + " outside ±" + max);
                float err = Math.abs(c * s - w[r * in + j]);
                assertTrue(err <= s / 2 * (1 + 1e-5f), "error " + err + " > scale/2 = " + s / 2);
            }
        }
    }

    @Example
    void eightBitsKeepsTheLayerAndOtherWidthsKeepItsSettings() {
        Linear linear = new Linear(7, 3, new Rng(1));
        QuantizedLinear q8 = QuantizedLinear.from(linear, QuantMode.DYNAMIC, Granularity.PER_CHANNEL, null);
        assertSame(q8, LowBitWeights.requantize(q8, linear.weight(), 8));
        QuantizedLinear q4 = LowBitWeights.requantize(q8, linear.weight(), 4);
        assertTrue(q4.mode() == QuantMode.DYNAMIC && q4.granularity() == Granularity.PER_CHANNEL);
        assertArrayEquals(q8.bias(), q4.bias());
    }

    @Example
    void aMismatchedFloatWeightOrBitWidthIsRefused() {
        Linear linear = new Linear(7, 3, new Rng(1));
        QuantizedLinear q8 = QuantizedLinear.from(linear, QuantMode.WEIGHT_ONLY, Granularity.PER_CHANNEL, null);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LowBitWeights.requantize(q8, Tensor.zeros(3, 8), 4));
        assertTrue(e.getMessage().contains("[3, 8]") && e.getMessage().contains("[3, 7]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LowBitWeights.requantize(q8, linear.weight(), 1));
        assertTrue(e.getMessage().contains("bit width 1"), e.getMessage());

        // A float model that still carries its pruning masks has weight_orig, not weight: say so.
        dev.pare.nn.Sequential floats = new dev.pare.nn.Sequential(new dev.pare.nn.Flatten(), new Linear(7, 3, new Rng(1)));
        dev.pare.compress.prune.MagnitudePruner.pruneLayer(floats, "1.weight", 0.5);
        dev.pare.nn.Sequential quantized = new dev.pare.nn.Sequential(new dev.pare.nn.Flatten(), q8);
        e = assertThrows(IllegalArgumentException.class, () -> LowBitWeights.requantizeAll(quantized, floats, 4));
        assertTrue(e.getMessage().contains("Mask.removeAll"), e.getMessage());
    }
}
