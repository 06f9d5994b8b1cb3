package dev.pare.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import dev.pare.tensor.parallel.Parallel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link Conv2d} against the definition: a direct convolution written as nested scalar loops in
 * this test (double accumulators), and its hand-derived backward, also as loops. Covers every
 * combination of stride, padding, dilation, groups and bias on odd, non-square sizes.
 */
class Conv2dTest {

    /** One configuration: channels in/out, kernel, stride, padding, dilation, groups, bias, H, W. */
    record Config(int c, int o, int k, int s, int p, int d, int g, boolean bias, int h, int w) {
        @Override
        public String toString() {
            return "C=" + c + " O=" + o + " k=" + k + " s=" + s + " p=" + p + " d=" + d + " g=" + g + " bias=" + bias
                    + " " + h + "x" + w;
        }

        int oh() {
            return (h + 2 * p - d * (k - 1) - 1) / s + 1;
        }

        int ow() {
            return (w + 2 * p - d * (k - 1) - 1) / s + 1;
        }
    }

    static Stream<Arguments> configs() {
        List<Arguments> out = new ArrayList<>();
        for (int s : new int[] {1, 2}) {
            for (int p : new int[] {0, 1, 2}) {
                for (int d : new int[] {1, 2}) {
                    for (String groups : new String[] {"1", "2", "depthwise"}) {
                        for (boolean bias : new boolean[] {true, false}) {
                            int c = 4;
                            int g = groups.equals("1") ? 1 : groups.equals("2") ? 2 : c;
                            int o = groups.equals("depthwise") ? c : 6;
                            out.add(Arguments.of(new Config(c, o, 3, s, p, d, g, bias, 7, 9)));
                        }
                    }
                }
            }
        }
        // Odd kernels and shapes beyond 3×3: 1×1 (pointwise), 5×5, a kernel as large as the input.
        out.add(Arguments.of(new Config(3, 5, 1, 1, 0, 1, 1, true, 5, 6)));
        out.add(Arguments.of(new Config(3, 2, 5, 2, 2, 1, 1, true, 11, 8)));
        out.add(Arguments.of(new Config(2, 3, 5, 1, 0, 1, 1, false, 5, 5)));
        out.add(Arguments.of(new Config(6, 9, 3, 3, 1, 1, 3, true, 10, 13)));
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void forwardAndBackwardMatchDirectLoops(Config cfg) {
        Rng rng = new Rng(cfg.hashCode());
        int n = 3;
        Conv2d conv = new Conv2d(cfg.c, cfg.o, cfg.k, cfg.s, cfg.p, cfg.d, cfg.g, cfg.bias, rng);
        Tensor x = Tensor.randn(rng, n, cfg.c, cfg.h, cfg.w).requiresGrad(true);
        Tensor y = conv.forward(x);
        assertArrayEquals(new int[] {n, cfg.o, cfg.oh(), cfg.ow()}, y.shape(), cfg.toString());

        float[] w = conv.weight().toArray();
        float[] b = cfg.bias ? conv.bias().toArray() : null;
        double[] expected = directForward(cfg, n, x.toArray(), w, b);
        assertClose(cfg + " forward", expected, y.toArray());

        Tensor gOut = Tensor.randn(rng, y.shape());
        y.backward(gOut);
        double[][] grads = directBackward(cfg, n, x.toArray(), w, gOut.toArray());
        assertClose(cfg + " dx", grads[0], x.grad().toArray());
        assertClose(cfg + " dW", grads[1], conv.weight().grad().toArray());
        if (cfg.bias) {
            assertClose(cfg + " db", grads[2], conv.bias().grad().toArray());
        } else {
            assertEquals(null, conv.bias());
        }
    }

    /** out[n,o,y,x] = b[o] + Σ_{c in group, i, j} W[o,c,i,j]·x[n, g·Cg + c, y·s − p + i·d, x·s − p + j·d]. */
    static double[] directForward(Config cfg, int n, float[] x, float[] w, float[] b) {
        int cg = cfg.c / cfg.g;
        int og = cfg.o / cfg.g;
        int oh = cfg.oh();
        int ow = cfg.ow();
        double[] out = new double[n * cfg.o * oh * ow];
        for (int s = 0; s < n; s++) {
            for (int o = 0; o < cfg.o; o++) {
                int grp = o / og;
                for (int y = 0; y < oh; y++) {
                    for (int xx = 0; xx < ow; xx++) {
                        double acc = b == null ? 0 : b[o];
                        for (int c = 0; c < cg; c++) {
                            int ci = grp * cg + c;
                            for (int i = 0; i < cfg.k; i++) {
                                for (int j = 0; j < cfg.k; j++) {
                                    int ih = y * cfg.s - cfg.p + i * cfg.d;
                                    int iw = xx * cfg.s - cfg.p + j * cfg.d;
                                    if (ih >= 0 && ih < cfg.h && iw >= 0 && iw < cfg.w) {
                                        acc += (double) w[((o * cg + c) * cfg.k + i) * cfg.k + j]
                                                * x[((s * cfg.c + ci) * cfg.h + ih) * cfg.w + iw];
                                    }
                                }
                            }
                        }
                        out[((s * cfg.o + o) * oh + y) * ow + xx] = acc;
                    }
                }
            }
        }
        return out;
    }

    /**
     * The chain rule applied to each term of the forward sum: the term W·x contributes g·W to dx
     * and g·x to dW; the bias contributes g to db.
     */
    static double[][] directBackward(Config cfg, int n, float[] x, float[] w, float[] g) {
        int cg = cfg.c / cfg.g;
        int og = cfg.o / cfg.g;
        int oh = cfg.oh();
        int ow = cfg.ow();
        double[] dx = new double[x.length];
        double[] dw = new double[w.length];
        double[] db = new double[cfg.o];
        for (int s = 0; s < n; s++) {
            for (int o = 0; o < cfg.o; o++) {
                int grp = o / og;
                for (int y = 0; y < oh; y++) {
                    for (int xx = 0; xx < ow; xx++) {
                        double go = g[((s * cfg.o + o) * oh + y) * ow + xx];
                        db[o] += go;
                        for (int c = 0; c < cg; c++) {
                            int ci = grp * cg + c;
                            for (int i = 0; i < cfg.k; i++) {
                                for (int j = 0; j < cfg.k; j++) {
                                    int ih = y * cfg.s - cfg.p + i * cfg.d;
                                    int iw = xx * cfg.s - cfg.p + j * cfg.d;
                                    if (ih >= 0 && ih < cfg.h && iw >= 0 && iw < cfg.w) {
                                        int wi = ((o * cg + c) * cfg.k + i) * cfg.k + j;
                                        int xi = ((s * cfg.c + ci) * cfg.h + ih) * cfg.w + iw;
                                        dx[xi] += go * w[wi];
                                        dw[wi] += go * x[xi];
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return new double[][] {dx, dw, db};
    }

    static void assertClose(String what, double[] expected, float[] actual) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            double tol = 1e-5 + 1e-5 * Math.abs(expected[i]);
            if (!(Math.abs(expected[i] - actual[i]) <= tol)) {
                fail(what + ": element " + i + ": expected " + expected[i] + ", got " + actual[i]);
            }
        }
    }

    @Test
    void finiteDifferencesAgreeWithBackwardForAStridedDilatedGroupedConv() {
        Rng rng = new Rng(7);
        Conv2d conv = new Conv2d(4, 6, 3, 2, 1, 2, 2, true, rng);
        Tensor x = Tensor.randn(rng, 2, 4, 7, 8).requiresGrad(true);
        GradCheck.assertGradientsMatch("conv2d", in -> conv.forward(in[0]), x, conv.weight(), conv.bias());
    }

    @Test
    void readsNonContiguousInputThroughItsStrides() {
        Rng rng = new Rng(3);
        Conv2d conv = new Conv2d(3, 4, 3, 1, 1, rng);
        Tensor base = Tensor.randn(rng, 2, 6, 5, 3);                 // [N, W, H, C]
        Tensor x = base.permute(0, 3, 2, 1);                         // [N, C, H, W], strided
        Tensor fromView = conv.forward(x);
        Tensor fromCopy = conv.forward(x.contiguous());
        assertArrayEquals(fromCopy.toArray(), fromView.toArray());
    }

    @Test
    void gradientOfNonContiguousUpstreamIsReadCorrectly() {
        Rng rng = new Rng(4);
        Conv2d conv = new Conv2d(2, 3, 3, 1, 1, rng);
        Tensor x = Tensor.randn(rng, 2, 2, 4, 5).requiresGrad(true);
        // A transposed consumer sends a non-contiguous gradient back into the convolution.
        GradCheck.assertGradientsMatch("conv2d then transpose", in -> conv.forward(in[0]).transpose(2, 3).mul(2f), x, conv.weight());
    }

    @ParameterizedTest(name = "groups={0}")
    @org.junit.jupiter.params.provider.ValueSource(ints = {1, 8})
    void resultsAreBitIdenticalForOneAndTwoThreads(int groups) {
        int before = Parallel.threads();
        try {
            float[][] runs = new float[2][];
            float[][] grads = new float[2][];
            for (int t = 1; t <= 2; t++) {
                Parallel.setThreads(t);
                Rng rng = new Rng(11);
                int in = groups == 1 ? 3 : 8;   // groups 8 with 8 channels: the depthwise path
                Conv2d conv = new Conv2d(in, 8, 3, 1, 1, 1, groups, true, rng);
                Tensor x = Tensor.randn(rng, 16, in, 12, 12).requiresGrad(true);
                Tensor y = conv.forward(x);
                y.mul(y).sum().backward();
                runs[t - 1] = y.toArray();
                float[] gx = x.grad().toArray();
                float[] gw = conv.weight().grad().toArray();
                grads[t - 1] = concat(concat(gx, gw), conv.bias().grad().toArray());
            }
            assertArrayEquals(runs[0], runs[1]);
            assertArrayEquals(grads[0], grads[1]);
        } finally {
            Parallel.setThreads(before);
        }
    }

    private static float[] concat(float[] a, float[] b) {
        float[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    @Test
    void depthwiseSeparableBlockHasTheExpectedParameterCount() {
        Rng rng = new Rng(5);
        Sequential block = new Sequential(
                new Conv2d(32, 32, 3, 1, 1, 1, 32, false, rng),   // depthwise: 32·1·3·3
                new Conv2d(32, 64, 1, 1, 0, 1, 1, false, rng));   // pointwise: 64·32
        assertEquals(32 * 9 + 64 * 32, block.numParameters());
        Tensor y = block.forward(Tensor.randn(rng, 2, 32, 8, 8));
        assertArrayEquals(new int[] {2, 64, 8, 8}, y.shape());
    }

    @Test
    void wrongChannelCountNamesLayerAndShape() {
        Conv2d conv = new Conv2d(3, 8, 3, new Rng(1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> conv.forward(Tensor.zeros(2, 1, 28, 28)));
        assertEquals("Conv2d(3 -> 8, kernel_size=3): input of shape [2, 1, 28, 28]: expected [N, 3, H, W]", e.getMessage());
    }

    @Test
    void inputSmallerThanKernelIsRejected() {
        Conv2d conv = new Conv2d(1, 1, 5, new Rng(1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> conv.forward(Tensor.zeros(1, 1, 4, 9)));
        assertTrue(e.getMessage().startsWith("Conv2d(1 -> 1, kernel_size=5): input of shape [1, 1, 4, 9]"), e.getMessage());
    }

    @Test
    void channelsNotDivisibleByGroupsAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Conv2d(6, 4, 3, 1, 0, 1, 4, true, new Rng(1)));
        assertTrue(e.getMessage().contains("divisible by groups 4"), e.getMessage());
    }

    @Test
    void batchTooLargeToUnfoldIsRejectedBeforeAllocating() {
        // An expanded view: 4096 images of 256×256 described by one stored float. Unfolded for a
        // 3×3 kernel that is 2.4·10⁹ values, past the largest Java array.
        Tensor huge = Tensor.zeros(1, 1, 1, 1).expand(4096, 1, 256, 256);
        Conv2d conv = new Conv2d(1, 2, 3, 1, 1, new Rng(1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> conv.forward(huge));
        assertTrue(e.getMessage().startsWith("conv2d: input [4096, 1, 256, 256] needs a buffer of 2415919104 floats"),
                e.getMessage());
    }

    @Test
    void outputTooLargeForAnArrayIsRejected() {
        Tensor huge = Tensor.zeros(1, 1, 1, 1).expand(1024, 1, 512, 512);
        Conv2d conv = new Conv2d(1, 16, 1, new Rng(1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> conv.forward(huge));
        assertTrue(e.getMessage().contains("the output [1024, 16, 512, 512] has more elements than a Java array holds"),
                e.getMessage());
    }

    @Test
    void functionalFormChecksWeightAgainstInput() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Conv2dOp.conv2d(Tensor.zeros(1, 4, 5, 5), Tensor.zeros(2, 3, 3, 3), null, 1, 0, 1, 1));
        assertTrue(e.getMessage().startsWith("conv2d: input [1, 4, 5, 5], weight [2, 3, 3, 3], groups=1"), e.getMessage());
    }
}
