package dev.pare.compress.quantize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.pare.nn.Conv2d;
import dev.pare.nn.Conv2dOp;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import dev.pare.tensor.kernels.QuantizeKernels;
import org.junit.jupiter.api.Test;

class QuantizedConv2dTest {

    /** Oracle: the float convolution of the dequantized filters and (for static) the quantized input. */
    private static float[] oracle(Conv2d conv, QuantizedConv2d q, Tensor x, QuantParams input) {
        float[] w = conv.weight().toArray();
        float[] s = q.weightScales();
        int rows = conv.outChannels();
        int cols = w.length / rows;
        float[] wd = new float[w.length];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < cols; j++) {
                byte c = QuantizeKernels.quantizeOne(w[r * cols + j], s[r], 0, -127, 127);
                wd[r * cols + j] = c * s[r];
            }
        }
        float[] xd = x.toArray();
        if (input != null) {
            for (int i = 0; i < xd.length; i++) {
                xd[i] = input.roundTrip(xd[i]);
            }
        }
        try (var ignored = Tensor.noGrad()) {
            return Conv2dOp.conv2d(Tensor.fromArray(xd, x.shape()), Tensor.fromArray(wd, conv.weight().shape()),
                    conv.bias(), conv.stride(), conv.padding(), conv.dilation(), conv.groups()).toArray();
        }
    }

    @Test
    void weightOnlyEqualsTheConvolutionOfTheDequantizedFilters() {
        Conv2d conv = new Conv2d(3, 5, 3, 2, 1, new Rng(1));
        Tensor x = Tensor.randn(new Rng(2), 2, 3, 9, 7);
        QuantizedConv2d q = QuantizedConv2d.from(conv, QuantMode.WEIGHT_ONLY, Granularity.PER_CHANNEL, null);
        assertArrayEquals(oracle(conv, q, x, null), q.forward(x).toArray(), 1e-5f);
    }

    @Test
    void staticQuantizesTheInputWithTheCalibratedParameters() {
        Conv2d conv = new Conv2d(4, 6, 3, 1, 1, 1, 2, true, new Rng(3));
        Tensor x = Tensor.randn(new Rng(4), 1, 4, 6, 6);
        QuantParams input = new QuantParams(0.02f, -5);
        QuantizedConv2d q = QuantizedConv2d.from(conv, QuantMode.STATIC, Granularity.PER_TENSOR, input);
        assertArrayEquals(oracle(conv, q, x, input), q.forward(x).toArray(), 1e-5f);
    }

    @Test
    void staysCloseToTheFloatConvolution() {
        Conv2d conv = new Conv2d(2, 4, 3, new Rng(5));
        Tensor x = Tensor.rand(new Rng(6), 2, 2, 8, 8);
        float[] ref;
        try (var ignored = Tensor.noGrad()) {
            ref = conv.forward(x).toArray();
        }
        float[] y = QuantizedConv2d.from(conv, QuantMode.DYNAMIC, Granularity.PER_CHANNEL, null).forward(x).toArray();
        // 18 taps, each off by at most |w|·sx/2 + |x|·sw/2: a few hundredths at these magnitudes.
        for (int i = 0; i < y.length; i++) {
            assertEquals(ref[i], y[i], 0.03f, "element " + i);
        }
    }

    @Test
    void askingForGradientsIsAClearError() {
        QuantizedConv2d q = QuantizedConv2d.from(new Conv2d(1, 1, 1, new Rng(0)), QuantMode.WEIGHT_ONLY,
                Granularity.PER_CHANNEL, null);
        assertThrows(IllegalStateException.class, () -> q.forward(Tensor.zeros(1, 1, 2, 2).requiresGrad(true)));
    }
}
