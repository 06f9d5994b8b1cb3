package dev.pare.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** Laws of {@link Conv2d} over randomly drawn geometries, with the direct loops of {@link Conv2dTest} as oracle. */
@SuppressWarnings("try") // the no-grad scope is used only for closing
class Conv2dProperties {

    @Property(tries = 60)
    void convolutionEqualsTheDirectSumForAnyGeometry(
            @ForAll @IntRange(min = 1, max = 3) int groups,
            @ForAll @IntRange(min = 1, max = 2) int inPerGroup,
            @ForAll @IntRange(min = 1, max = 3) int outPerGroup,
            @ForAll @IntRange(min = 1, max = 4) int k,
            @ForAll @IntRange(min = 1, max = 3) int stride,
            @ForAll @IntRange(min = 0, max = 2) int padding,
            @ForAll @IntRange(min = 1, max = 3) int dilation,
            @ForAll @IntRange(min = 1, max = 9) int h,
            @ForAll @IntRange(min = 1, max = 9) int w,
            @ForAll boolean bias,
            @ForAll long seed) {
        int span = dilation * (k - 1) + 1;
        Assume.that(h + 2 * padding >= span && w + 2 * padding >= span);
        Conv2dTest.Config cfg = new Conv2dTest.Config(groups * inPerGroup, groups * outPerGroup, k, stride, padding,
                dilation, groups, bias, h, w);
        Rng rng = new Rng(seed);
        Conv2d conv = new Conv2d(cfg.c(), cfg.o(), k, stride, padding, dilation, groups, bias, rng);
        Tensor x = Tensor.randn(rng, 2, cfg.c(), h, w).requiresGrad(true);
        Pass pass = checkedPass(cfg, 2, conv, x, rng);
        assertArrayEquals(new int[] {2, cfg.o(), cfg.oh(), cfg.ow()}, pass.y().shape());
        double[][] expected = pass.expected();
        Conv2dTest.assertClose(cfg + " dx", expected[0], x.grad().toArray());
        Conv2dTest.assertClose(cfg + " dW", expected[1], conv.weight().grad().toArray());
    }

    /**
     * A depthwise convolution's two routes: channels last ({@code DepthwiseChannelsLast}, taken
     * when the channels fill a vector) and phase planes ({@link DepthwiseConvOp#convPhasePlanes},
     * forced here for any channel count). Their outputs are the same bits, with a graph or without;
     * the gradients of each match the direct loops; and the default route gives the same bits on
     * 1 and 2 threads. Channel counts around 8 and 16 lanes, batches that split the channels-last
     * route's weight-gradient groups unevenly, any geometry, with a bias or not.
     */
    @Property(tries = 60)
    void depthwiseRoutesAgreeWithTheDirectSumsAndIgnoreTheThreadCount(
            @ForAll @IntRange(min = 1, max = 40) int c,
            @ForAll @IntRange(min = 1, max = 5) int k,
            @ForAll @IntRange(min = 1, max = 3) int stride,
            @ForAll @IntRange(min = 0, max = 2) int padding,
            @ForAll @IntRange(min = 1, max = 2) int dilation,
            @ForAll @IntRange(min = 1, max = 15) int h,
            @ForAll @IntRange(min = 1, max = 15) int w,
            @ForAll @IntRange(min = 1, max = 7) int n,
            @ForAll boolean bias,
            @ForAll long seed) {
        int span = dilation * (k - 1) + 1;
        Assume.that(h + 2 * padding >= span && w + 2 * padding >= span);
        Conv2dTest.Config cfg = new Conv2dTest.Config(c, c, k, stride, padding, dilation, c, bias, h, w);
        Im2Col.Geometry geometry = new Im2Col.Geometry(n, c, h, w, k, k, stride, stride, padding, padding, dilation,
                dilation);
        assertSameOnOneAndTwoThreads(cfg + " n=" + n, () -> {
            Rng rng = new Rng(seed);
            Conv2d conv = new Conv2d(c, c, k, stride, padding, dilation, c, bias, rng);
            Tensor x = Tensor.randn(rng, n, c, h, w).requiresGrad(true);
            Tensor g = Tensor.randn(rng, n, c, cfg.oh(), cfg.ow());
            float[] wv = conv.weight().toArray();
            float[] bv = bias ? conv.bias().toArray() : null;
            double[][] expected = Conv2dTest.directBackward(cfg, n, x.toArray(), wv, g.toArray());
            float[] inference;
            try (var ignored = Tensor.noGrad()) {
                inference = conv.forward(x).toArray();
            }
            float[] defaultRoute = null;
            for (boolean planes : new boolean[] {false, true}) {
                String what = cfg + " n=" + n + (planes ? ", phase planes" : ", default route");
                x.setGrad(null);
                conv.zeroGrad();
                Tensor y = planes
                        ? DepthwiseConvOp.convPhasePlanes(geometry, x, conv.weight(), conv.bias(), null)
                        : conv.forward(x);
                ConvBatchNormFusionTest.assertSameBits(inference, y.toArray(), what + ": output");
                Conv2dTest.assertClose(what + " forward", Conv2dTest.directForward(cfg, n, x.toArray(), wv, bv),
                        y.toArray());
                y.backward(g);
                Conv2dTest.assertClose(what + " dx", expected[0], x.grad().toArray());
                assertCloseForSums(what + " dW", expected[1], conv.weight().grad().toArray(),
                        n * cfg.oh() * cfg.ow());
                if (bias) {
                    assertCloseForSums(what + " db", expected[2], conv.bias().grad().toArray(),
                            n * cfg.oh() * cfg.ow());
                }
                if (!planes) {
                    defaultRoute = concat(y.toArray(), x.grad().toArray(), conv.weight().grad().toArray(),
                            bias ? conv.bias().grad().toArray() : new float[0]);
                }
            }
            return defaultRoute;
        });
    }

    /** Runs {@code body} on 1 thread, then on 2, and asserts the two results are the same bits. */
    /** A forward pass checked against the direct loops, then a backward pass from {@code g}: what the checks of the backward pass need. */
    private record Pass(Tensor y, Tensor g, double[][] expected) {}

    /**
     * {@code conv} on {@code x}, its output compared with the direct loops; then its backward pass
     * from a random output gradient drawn from {@code rng}, with the direct loops' gradients for
     * that output gradient ({@link Conv2dTest#directBackward}'s dx and dW) in {@code expected}.
     */
    private static Pass checkedPass(Conv2dTest.Config cfg, int n, Conv2d conv, Tensor x, Rng rng) {
        Tensor y = conv.forward(x);
        float[] wv = conv.weight().toArray();
        float[] bv = cfg.bias() ? conv.bias().toArray() : null;
        Conv2dTest.assertClose(cfg + " forward", Conv2dTest.directForward(cfg, n, x.toArray(), wv, bv), y.toArray());
        Tensor g = Tensor.randn(rng, y.shape());
        y.backward(g);
        return new Pass(y, g, Conv2dTest.directBackward(cfg, n, x.toArray(), wv, g.toArray()));
    }

    private static void assertSameOnOneAndTwoThreads(String what, java.util.function.Supplier<float[]> body) {
        float[][] results = new float[2][];
        int before = dev.pare.tensor.parallel.Parallel.threads();
        try {
            for (int threads = 1; threads <= 2; threads++) {
                dev.pare.tensor.parallel.Parallel.setThreads(threads);
                results[threads - 1] = body.get();
            }
        } finally {
            dev.pare.tensor.parallel.Parallel.setThreads(before);
        }
        assertArrayEquals(results[0], results[1], what + ": 1 and 2 threads differ");
    }

    /** The arrays one after the other. */
    private static float[] concat(float[]... parts) {
        int length = 0;
        for (float[] p : parts) {
            length += p.length;
        }
        float[] all = new float[length];
        int at = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }

    /**
     * The pointwise route (1×1 kernel, stride 1, no padding, one group), which the random
     * geometries above rarely draw: against the direct loops, with a bias or not, for awkward
     * channel counts and plane sizes, on input views that are not contiguous (a channel slice),
     * and bit for bit the same on 1 and 2 threads. Both input-gradient routes are drawn: one
     * product per sample, and, with fewer pixels than output channels, one product over the batch
     * ({@code Conv2dOp.batchedInputGradient}).
     */
    @Property(tries = 40)
    void pointwiseConvolutionEqualsTheDirectSumAndIgnoresTheThreadCount(
            @ForAll @IntRange(min = 1, max = 19) int c,
            @ForAll @IntRange(min = 1, max = 21) int o,
            @ForAll @IntRange(min = 1, max = 9) int h,
            @ForAll @IntRange(min = 1, max = 9) int w,
            @ForAll @IntRange(min = 1, max = 5) int n,
            @ForAll boolean bias, @ForAll boolean sliced, @ForAll long seed) {
        Conv2dTest.Config cfg = new Conv2dTest.Config(c, o, 1, 1, 0, 1, 1, bias, h, w);
        assertSameOnOneAndTwoThreads(cfg + " n=" + n, () -> {
            Rng rng = new Rng(seed);
            Conv2d conv = new Conv2d(c, o, 1, 1, 0, 1, 1, bias, rng);
            Tensor full = Tensor.randn(rng, n, c + (sliced ? 2 : 0), h, w);
            Tensor x = (sliced ? full.narrow(1, 1, c) : full).detach().requiresGrad(true);
            Pass pass = checkedPass(cfg, n, conv, x, rng);
            Tensor y = pass.y();
            double[][] expected = pass.expected();
            Conv2dTest.assertClose(cfg + " dx", expected[0], x.grad().toArray());
            // Each dW element sums n·h·w products in float: the tolerance grows with that count.
            assertCloseForSums(cfg + " dW", expected[1], conv.weight().grad().toArray(), n * h * w);
            float[] dw = conv.weight().grad().toArray();
            return concat(y.toArray(), x.grad().toArray(), dw);
        });
    }

    /**
     * A first layer (few channels: the direct few-channel route for C·k² ≤ 27, the GEMM routes
     * beyond), its input with or without a gradient: output, dx, dW and db against the direct
     * loops for any stride, padding and dilation, and bit for bit the same on 1 and 2 threads.
     */
    @Property(tries = 40)
    void firstLayerConvolutionEqualsTheDirectSumAndIgnoresTheThreadCount(
            @ForAll @IntRange(min = 1, max = 4) int c,
            @ForAll @IntRange(min = 1, max = 7) int o,
            @ForAll @IntRange(min = 1, max = 4) int k,
            @ForAll @IntRange(min = 1, max = 3) int stride,
            @ForAll @IntRange(min = 0, max = 2) int padding,
            @ForAll @IntRange(min = 1, max = 2) int dilation,
            @ForAll @IntRange(min = 1, max = 11) int h,
            @ForAll @IntRange(min = 1, max = 11) int w,
            @ForAll @IntRange(min = 1, max = 10) int n,
            @ForAll boolean bias, @ForAll boolean inputGrad, @ForAll long seed) {
        int span = dilation * (k - 1) + 1;
        Assume.that(h + 2 * padding >= span && w + 2 * padding >= span);
        Conv2dTest.Config cfg = new Conv2dTest.Config(c, o, k, stride, padding, dilation, 1, bias, h, w);
        assertSameOnOneAndTwoThreads(cfg + " n=" + n, () -> {
            Rng rng = new Rng(seed);
            Conv2d conv = new Conv2d(c, o, k, stride, padding, dilation, 1, bias, rng);
            Tensor x = Tensor.randn(rng, n, c, h, w).requiresGrad(inputGrad);
            Pass pass = checkedPass(cfg, n, conv, x, rng);
            Tensor y = pass.y();
            Tensor g = pass.g();
            double[][] expected = pass.expected();
            // dW sums n·OH·OW products per element, up to two thousand here: its float error
            // grows with the square root of that, beyond assertClose's fixed 1e-5.
            assertCloseForSums(cfg + " dW", expected[1], conv.weight().grad().toArray(),
                    n * y.size(2) * y.size(3));
            if (inputGrad) {
                Conv2dTest.assertClose(cfg + " dx", expected[0], x.grad().toArray());
            }
            float[] db = new float[0];
            if (bias) {
                db = conv.bias().grad().toArray();
                float[] gv = g.toArray();
                int pix = y.size(2) * y.size(3);
                for (int oc = 0; oc < o; oc++) {
                    double sum = 0;
                    for (int s = 0; s < n; s++) {
                        for (int q = 0; q < pix; q++) {
                            sum += gv[(s * o + oc) * pix + q];
                        }
                    }
                    org.junit.jupiter.api.Assertions.assertEquals(sum, db[oc], 1e-4 * (1 + Math.abs(sum)),
                            cfg + " db[" + oc + "]");
                }
            }
            return concat(y.toArray(), conv.weight().grad().toArray(), db);
        });
    }

    /** Like {@link Conv2dTest#assertClose}, with the tolerance grown by √terms / 8 for sums of many terms. */
    private static void assertCloseForSums(String what, double[] expected, float[] actual, int terms) {
        assertEquals(expected.length, actual.length, what + ": length");
        double scale = Math.max(1, Math.sqrt(terms) / 8);
        for (int i = 0; i < expected.length; i++) {
            double tol = (1e-5 + 1e-5 * Math.abs(expected[i])) * scale;
            assertTrue(Math.abs(expected[i] - actual[i]) <= tol, what + ": element " + i + ": expected "
                    + expected[i] + ", got " + actual[i] + " (tolerance " + tol + " for " + terms + " terms)");
        }
    }

    @Property(tries = 30)
    void stateDictRoundTripGivesIdenticalOutputs(@ForAll long seedA, @ForAll long seedB) {
        Sequential a = new Sequential(new Conv2d(2, 3, 3, 1, 1, new Rng(seedA)), new BatchNorm2d(3), new ReLU());
        Sequential b = new Sequential(new Conv2d(2, 3, 3, 1, 1, new Rng(seedB)), new BatchNorm2d(3), new ReLU());
        a.forward(Tensor.randn(new Rng(seedA ^ seedB), 3, 2, 4, 4));
        b.loadStateDict(a.stateDict(), true);
        a.eval();
        b.eval();
        Tensor x = Tensor.randn(new Rng(seedB), 2, 2, 5, 5);
        assertArrayEquals(a.forward(x).toArray(), b.forward(x).toArray());
    }
}
