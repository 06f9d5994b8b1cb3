package dev.pare.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The worked example of docs/int8-kernels.md, number for number. */
class Int8ArithmeticExamples {

    @Test
    void workedExampleOfOneQuantizedRow() {
        float[] w = {0.40f, -1.27f, 0.05f, 0.90f};
        float sw = 1.27f / 127f;                       // symmetric: max|w| / 127 = 0.01
        byte[] wq = new byte[4];
        QuantizeKernels.quantizeSymmetric(w, 0, wq, 0, 4, sw);
        assertArrayEquals(new byte[] {40, -127, 5, 90}, wq);

        float[] x = {0.0f, 2.0f, 0.504f, 1.3f};        // after a ReLU: all ≥ 0
        float sx = 2.55f / 255f;                       // [0, 2.55] onto 255 steps: 0.01
        int zx = -128;                                 // the real 0 lands on −128
        byte[] xq = new byte[4];
        QuantizeKernels.quantize(x, 0, xq, 0, 4, sx, zx);
        assertArrayEquals(new byte[] {-128, 72, -78, 2}, xq);

        assertEquals(-14474, Int8Gemv.dot(wq, 0, xq, 0, 4));   // 40·−128 − 127·72 + 5·−78 + 90·2
        int[] rowSum = new int[1];
        Int8Gemv.rowSums(wq, 0, 1, 4, rowSum, 0);
        assertEquals(8, rowSum[0]);                             // 40 − 127 + 5 + 90
        float[] y = new float[1];
        Int8Gemv.gemv(Int8GemvWeights.pack(wq, 0, 1, 4), new float[] {sw}, xq, 0, sx, zx, y, 0, new int[1]);
        // sw·sx·(−14474 − (−128)·8) = 0.0001·(−13450); the float product is −1.3448.
        assertEquals(-1.345f, y[0], 1e-6f);
    }

    @Test
    void roundingIsHalfToEven() {
        float[] x = {0.625f, 0.875f, -0.625f};          // /0.25 → 2.5, 3.5, −2.5 exactly
        byte[] q = new byte[3];
        QuantizeKernels.quantize(x, 0, q, 0, 3, 0.25f, 0);
        assertArrayEquals(new byte[] {2, 4, -2}, q);
    }
}
