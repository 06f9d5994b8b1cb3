package dev.pare.compress.quantize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.nn.Conv2d;
import dev.pare.nn.Linear;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * {@link WeightQuantizer}, the one weight quantization both quantized layers use, and the
 * accessor rule of the package (accessors return copies). Expected codes are worked by hand:
 * w·127/max|w| rounded, away from any .5 so that the rounding mode cannot hide a mistake.
 */
class WeightQuantizerTest {
    private static final Tensor W = Tensor.fromArray(new float[] {0.3f, -1f, 0.25f, 0f}, 2, 2);

    @Test
    void perChannelGivesEachRowItsOwnScale() {
        WeightQuantizer.Codes c = WeightQuantizer.quantize(W, Granularity.PER_CHANNEL);
        assertArrayEquals(new float[] {1f / 127, 0.25f / 127}, c.scales());
        // 0.3·127 = 38.1; −1·127; 0.25 / (0.25/127) = 127; 0.
        assertArrayEquals(new byte[] {38, -127, 127, 0}, c.codes());
    }

    @Test
    void perTensorGivesEveryRowTheScaleOfTheWhole() {
        WeightQuantizer.Codes c = WeightQuantizer.quantize(W, Granularity.PER_TENSOR);
        assertArrayEquals(new float[] {1f / 127, 1f / 127}, c.scales());
        // 0.25·127 = 31.75 → 32.
        assertArrayEquals(new byte[] {38, -127, 32, 0}, c.codes());
    }

    @Test
    void fewerBitsGiveCodesWithinTheSmallerRange() {
        WeightQuantizer.Codes c = WeightQuantizer.quantize(W, Granularity.PER_CHANNEL, 7);
        assertArrayEquals(new float[] {1f / 7, 0.25f / 7}, c.scales(), 1e-7f);
        // 0.3·7 = 2.1 → 2.
        assertArrayEquals(new byte[] {2, -7, 7, 0}, c.codes());
    }

    @Test
    void aConvolutionsFiltersAreRowsOfTheirFlattenedSize() {
        Conv2d conv = new Conv2d(2, 3, 3, 1, 1, new Rng(4));
        WeightQuantizer.Codes c = WeightQuantizer.quantize(conv.weight(), Granularity.PER_CHANNEL);
        assertEquals(3, c.scales().length);
        assertEquals(3 * 2 * 3 * 3, c.codes().length);
        QuantizedConv2d q = QuantizedConv2d.from(conv, QuantMode.WEIGHT_ONLY, Granularity.PER_CHANNEL, null);
        assertArrayEquals(c.codes(), q.weightCodes());
        assertArrayEquals(c.scales(), q.weightScales());
    }

    @Test
    void badArgumentsAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> WeightQuantizer.quantize(W, Granularity.PER_CHANNEL, 128));
        assertTrue(e.getMessage().contains("128"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> WeightQuantizer.quantize(Tensor.fromArray(new float[] {1f, Float.NaN}, 1, 2), Granularity.PER_TENSOR));
        assertTrue(e.getMessage().contains("NaN"), e.getMessage());
    }

    @Test
    void accessorsReturnCopiesSoChangingOneLeavesTheLayerAlone() {
        Linear fc = new Linear(4, 3, new Rng(6));
        QuantizedLinear q = QuantizedLinear.from(fc, QuantMode.WEIGHT_ONLY, Granularity.PER_CHANNEL, null);
        Tensor x = Tensor.randn(new Rng(7), 2, 4);
        float[] before = q.forward(x).toArray();
        byte[] codes = q.weightCodes();
        float[] scales = q.weightScales();
        float[] bias = q.bias();
        assertNotSame(codes, q.weightCodes());
        java.util.Arrays.fill(codes, (byte) 0);
        java.util.Arrays.fill(scales, 5f);
        java.util.Arrays.fill(bias, 9f);
        assertArrayEquals(before, q.forward(x).toArray());

        QuantizedConv2d qc = QuantizedConv2d.from(new Conv2d(1, 2, 3, 1, 1, new Rng(8)), QuantMode.WEIGHT_ONLY,
                Granularity.PER_CHANNEL, null);
        assertNotSame(qc.weightCodes(), qc.weightCodes());
        assertNotSame(qc.weightScales(), qc.weightScales());
        assertNotSame(qc.bias(), qc.bias());
        assertNotSame(qc.weightShape(), qc.weightShape());
    }
}
