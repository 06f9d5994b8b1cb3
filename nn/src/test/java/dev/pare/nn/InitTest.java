package dev.pare.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * The initialisers' variances against their formulas. With 100,000 samples the sample variance
 * is within about 1% of the true one (relative standard error √(2/n) ≈ 0.45% for a normal), so a
 * 3% tolerance catches a wrong constant (the smallest confusion, √2 in a std, is 41%).
 */
class InitTest {

    private static double variance(Tensor t) {
        float[] v = t.toArray();
        double s = 0;
        double s2 = 0;
        for (float x : v) {
            s += x;
            s2 += (double) x * x;
        }
        double m = s / v.length;
        return s2 / v.length - m * m;
    }

    private static double maxAbs(Tensor t) {
        double m = 0;
        for (float x : t.toArray()) {
            m = Math.max(m, Math.abs(x));
        }
        return m;
    }

    @Test
    void fansOfLinearAndConvWeights() {
        assertEquals(784, Init.fanIn(Tensor.zeros(256, 784)));
        assertEquals(256, Init.fanOut(Tensor.zeros(256, 784)));
        assertEquals(16 * 9, Init.fanIn(Tensor.zeros(32, 16, 3, 3)));
        assertEquals(32 * 9, Init.fanOut(Tensor.zeros(32, 16, 3, 3)));
        assertThrows(IllegalArgumentException.class, () -> Init.fanIn(Tensor.zeros(5)));
    }

    @Test
    void kaimingUniformHasVarianceTwoOverFanInForRelu() {
        Tensor w = Init.kaimingUniform(Tensor.zeros(400, 250), 0, Init.FanMode.FAN_IN, new Rng(1));
        assertEquals(2.0 / 250, variance(w), 0.03 * 2.0 / 250);
        assertTrue(maxAbs(w) <= Math.sqrt(6.0 / 250));
    }

    @Test
    void kaimingNormalFanOutUsesTheOutputFan() {
        Tensor w = Init.kaimingNormal(Tensor.zeros(100, 40, 5, 5), 0, Init.FanMode.FAN_OUT, new Rng(2));
        double expected = 2.0 / (100 * 25);
        assertEquals(expected, variance(w), 0.03 * expected);
    }

    @Test
    void xavierVariancesAreTwoOverFanInPlusFanOut() {
        double expected = 2.0 / (300 + 500);
        assertEquals(expected, variance(Init.xavierUniform(Tensor.zeros(500, 300), 1.0, new Rng(3))), 0.03 * expected);
        assertEquals(expected, variance(Init.xavierNormal(Tensor.zeros(500, 300), 1.0, new Rng(4))), 0.03 * expected);
    }

    @Test
    void pytorchDefaultEqualsKaimingUniformWithASqrtFive() {
        // Same Rng stream, same bound: the two must give identical tensors.
        Tensor a = Init.pytorchDefault(Tensor.zeros(64, 144), 144, new Rng(5));
        Tensor b = Init.kaimingUniform(Tensor.zeros(64, 144), Math.sqrt(5), Init.FanMode.FAN_IN, new Rng(5));
        assertArrayEquals(a.toArray(), b.toArray(), 1e-7f);
        assertEquals(1.0 / (3 * 144), variance(a), 0.03 / (3 * 144));
    }

    @Test
    void initialisingAParameterNeedsNoNoGradScope() {
        Tensor p = Tensor.zeros(3, 4).requiresGrad(true);
        Init.xavierUniform(p, 1.0, new Rng(6));
        assertTrue(maxAbs(p) > 0);
        assertTrue(p.requiresGrad());
    }

    @Test
    void leakyReluGainForCommonSlopes() {
        assertEquals(Math.sqrt(2), Init.leakyReluGain(0), 1e-12);
        assertEquals(1.0, Init.leakyReluGain(1), 1e-12);
        assertEquals(Math.sqrt(1.0 / 3), Init.leakyReluGain(Math.sqrt(5)), 1e-12);
    }
}
