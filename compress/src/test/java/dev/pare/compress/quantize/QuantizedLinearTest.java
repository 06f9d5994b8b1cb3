package dev.pare.compress.quantize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.nn.Linear;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import dev.pare.tensor.kernels.Gemm;
import dev.pare.tensor.kernels.QuantizeKernels;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class QuantizedLinearTest {

    private static Linear linear(int in, int out, long seed) {
        return new Linear(in, out, new Rng(seed));
    }

    /** The doc's worked example (docs/int8-kernels.md and docs/quantization.md), by hand. */
    @Test
    void staticBatchOneComputesTheWorkedExample() {
        Linear fc = new Linear(4, 1, false, new Rng(0));
        System.arraycopy(new float[] {0.40f, -1.27f, 0.05f, 0.90f}, 0, fc.weight().storage(), fc.weight().offset(), 4);
        QuantizedLinear q = QuantizedLinear.from(fc, QuantMode.STATIC, Granularity.PER_CHANNEL, new QuantParams(0.01f, -128));
        assertArrayEquals(new byte[] {40, -127, 5, 90}, q.weightCodes());
        Tensor y = q.forward(Tensor.fromArray(new float[] {0f, 2f, 0.504f, 1.3f}, 1, 4));
        // 0.01·0.01·(−14474 − (−128)·8) = −1.345
        assertEquals(-1.345f, y.item(), 1e-6f);
    }

    @ParameterizedTest(name = "{0} {1}, batch {2}, {3}x{4}")
    @CsvSource({
        "WEIGHT_ONLY, PER_CHANNEL, 1, 13, 7", "WEIGHT_ONLY, PER_TENSOR, 5, 70, 33",
        "DYNAMIC, PER_CHANNEL, 1, 70, 33", "DYNAMIC, PER_TENSOR, 6, 13, 7",
        "STATIC, PER_CHANNEL, 1, 207, 65", "STATIC, PER_CHANNEL, 9, 207, 65", "STATIC, PER_TENSOR, 3, 31, 4",
        // A weight over 2^20 elements (K in five blocks, C in several column tiles).
        "STATIC, PER_CHANNEL, 2, 1024, 1025"})
    void matchesTheFloatLayerWithinTheBoundTheScalesImply(QuantMode mode, Granularity g, int batch, int in, int out) {
        Linear fc = linear(in, out, in * 31L + out);
        Tensor x = Tensor.randn(new Rng(batch), batch, in);
        float[] xd = x.toArray();
        QuantParams input = null;
        float sx = 0;
        if (mode != QuantMode.WEIGHT_ONLY) {
            Observer o = new MinMaxObserver();
            o.observe(x);
            input = o.params();
            sx = input.scale();
        }
        QuantizedLinear q = QuantizedLinear.from(fc, mode, g, input);
        float[] y = q.forward(x).toArray();
        float[] ref;
        try (var ignored = Tensor.noGrad()) {
            ref = fc.forward(x).toArray();
        }
        float[] w = fc.weight().toArray();
        float[] sw = q.weightScales();
        for (int b = 0; b < batch; b++) {
            if (mode == QuantMode.DYNAMIC) {
                // Dynamic: the range of this forward call's own input (the whole batch).
                sx = QuantParams.affine(min(xd), max(xd)).scale();
            }
            for (int r = 0; r < out; r++) {
                double bound = 0;
                for (int j = 0; j < in; j++) {
                    bound += Math.abs(w[r * in + j]) * sx / 2 + Math.abs(xd[b * in + j]) * sw[r] / 2 + sw[r] * sx / 4;
                }
                bound += 1e-5 * in;
                int i = b * out + r;
                assertTrue(Math.abs(y[i] - ref[i]) <= bound, "row " + b + " out " + r + ": " + y[i] + " vs " + ref[i]
                        + ", bound " + bound);
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"WEIGHT_ONLY", "DYNAMIC", "STATIC"})
    void aBatchOfOneRowGivesTheSameAsTheBatchedPath(QuantMode mode) {
        Linear fc = linear(50, 19, 3);
        Tensor x = Tensor.randn(new Rng(4), 1, 50);
        QuantParams input = mode == QuantMode.STATIC ? new QuantParams(0.03f, 3) : null;
        QuantizedLinear q = QuantizedLinear.from(fc, mode, Granularity.PER_CHANNEL, input);
        float[] one = q.forward(x).toArray();
        // The same row twice is a batch of 2: the int8-weight GEMM path; dynamic sees the same range.
        Tensor two = Tensor.fromArray(concat(x.toArray(), x.toArray()), 2, 50);
        float[] both = q.forward(two).toArray();
        for (int r = 0; r < 19; r++) {
            assertEquals(one[r], both[r], 1e-4f, "out " + r);
            assertEquals(one[r], both[19 + r], 1e-4f, "out " + r);
        }
    }

    @Test
    void leadingDimensionsAreKept() {
        QuantizedLinear q = QuantizedLinear.from(linear(8, 3, 1), QuantMode.WEIGHT_ONLY, Granularity.PER_CHANNEL, null);
        assertArrayEquals(new int[] {2, 5, 3}, q.forward(Tensor.randn(new Rng(0), 2, 5, 8)).shape());
    }

    @Test
    void perChannelScalesComeFromEachOutputRow() {
        Linear fc = linear(4, 2, 0);
        System.arraycopy(new float[] {0.9f, -2, 0.5f, 0, 0.1f, 0.2f, -0.3f, 0}, 0, fc.weight().storage(), fc.weight().offset(), 8);
        QuantizedLinear q = QuantizedLinear.from(fc, QuantMode.WEIGHT_ONLY, Granularity.PER_CHANNEL, null);
        assertArrayEquals(new float[] {2f / 127, 0.3f / 127}, q.weightScales());
        assertArrayEquals(new byte[] {57, -127, 32, 0, 42, 85, -127, 0}, q.weightCodes());
        QuantizedLinear t = QuantizedLinear.from(fc, QuantMode.WEIGHT_ONLY, Granularity.PER_TENSOR, null);
        assertArrayEquals(new float[] {2f / 127, 2f / 127}, t.weightScales());
    }

    @Test
    void askingForGradientsIsAClearError() {
        QuantizedLinear q = QuantizedLinear.from(linear(3, 2, 0), QuantMode.DYNAMIC, Granularity.PER_CHANNEL, null);
        Tensor x = Tensor.randn(new Rng(0), 1, 3).requiresGrad(true);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> q.forward(x));
        assertTrue(e.getMessage().contains("inference-only"), e.getMessage());
        try (var ignored = Tensor.noGrad()) {
            assertEquals(2, q.forward(x).numel());
        }
    }

    @ParameterizedTest(name = "{0}, batch {1}, {2}x{3}")
    @CsvSource({"WEIGHT_ONLY, 9, 65, 207", "DYNAMIC, 9, 65, 207", "STATIC, 9, 65, 207",
        "DYNAMIC, 256, 784, 256", "STATIC, 3, 1024, 1025"})
    void aBatchGivesTheBitsOfTheFp32GemmOnDequantizedCopies(QuantMode mode, int batch, int in, int out) {
        // The batched path converts the int8 weights (and, dynamic or static, rounds x to its
        // grid) while packing. This oracle is how the layer computed before that: float copies
        // made by the two-step quantize/dequantize kernels, then the fp32 GEMM, then the bias.
        Linear fc = linear(in, out, 7);
        Tensor x = Tensor.randn(new Rng(8), batch, in);
        float[] xd = x.toArray();
        QuantParams input = mode == QuantMode.STATIC ? new QuantParams(0.021f, -3) : null;
        QuantizedLinear q = QuantizedLinear.from(fc, mode, Granularity.PER_CHANNEL, input);
        float[] xHat = xd;
        if (mode != QuantMode.WEIGHT_ONLY) {
            QuantParams p = mode == QuantMode.STATIC ? input
                    : QuantParams.affine(Math.min(min(xd), 0f), Math.max(max(xd), 0f));
            byte[] codes = new byte[xd.length];
            QuantizeKernels.quantize(xd, 0, codes, 0, xd.length, p.scale(), p.zeroPoint());
            xHat = new float[xd.length];
            QuantizeKernels.dequantize(codes, 0, xHat, 0, xd.length, p.scale(), p.zeroPoint());
        }
        float[] wHat = new float[out * in];
        QuantizeKernels.dequantizeRows(q.weightCodes(), 0, wHat, 0, out, in, q.weightScales(), null);
        float[] expected = new float[batch * out];
        Gemm.gemm(false, true, batch, out, in, xHat, 0, in, wHat, 0, in, expected, 0, out, false);
        float[] bias = q.bias();
        for (int i = 0; i < expected.length; i++) {
            expected[i] += bias[i % out];
        }
        assertArrayEquals(expected, q.forward(x).toArray(), 0f, mode + " batch " + batch);
    }

    @Test
    void badInputsAreRejectedByName() {
        QuantizedLinear q = QuantizedLinear.from(linear(3, 2, 0), QuantMode.DYNAMIC, Granularity.PER_CHANNEL, null);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> q.forward(Tensor.zeros(1, 4)));
        assertTrue(e.getMessage().contains("last dimension must be 3"), e.getMessage());
        assertTrue(e.getMessage().startsWith(q.describe() + ": "), e.getMessage());
        assertEquals("QuantizedLinear(3 -> 2, dynamic)", q.describe());
        assertThrows(IllegalArgumentException.class,
                () -> q.forward(Tensor.fromArray(new float[] {1, Float.NaN, 0}, 1, 3)));
        assertThrows(IllegalArgumentException.class,
                () -> QuantizedLinear.from(linear(3, 2, 0), QuantMode.STATIC, Granularity.PER_CHANNEL, null));
    }

    @Test
    void aDynamicLayerRejectsNanOrInfinityAnywhereInTheBatch() {
        QuantizedLinear q = QuantizedLinear.from(linear(40, 3, 0), QuantMode.DYNAMIC, Granularity.PER_CHANNEL, null);
        for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
            for (int at : new int[] {0, 17, 5 * 40 - 1}) {   // first, inside a vector, last element (a tail)
                float[] x = Tensor.randn(new Rng(at), 5, 40).toArray();
                x[at] = bad;
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> q.forward(Tensor.fromArray(x, 5, 40)), bad + " at " + at);
                assertTrue(e.getMessage().contains("NaN or infinity"), e.getMessage());
            }
        }
    }

    @Test
    void anAllZeroInputGivesTheBiasExactly() {
        Linear fc = linear(6, 4, 2);
        QuantizedLinear q = QuantizedLinear.from(fc, QuantMode.DYNAMIC, Granularity.PER_CHANNEL, null);
        assertArrayEquals(fc.bias().toArray(), q.forward(Tensor.zeros(1, 6)).toArray(), 0f);
        assertArrayEquals(concat(fc.bias().toArray(), fc.bias().toArray()), q.forward(Tensor.zeros(2, 6)).toArray(), 0f);
    }

    private static float min(float[] v) {
        float m = Float.POSITIVE_INFINITY;
        for (float x : v) {
            m = Math.min(m, x);
        }
        return m;
    }

    private static float max(float[] v) {
        float m = Float.NEGATIVE_INFINITY;
        for (float x : v) {
            m = Math.max(m, x);
        }
        return m;
    }

    private static float[] concat(float[] a, float[] b) {
        float[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
