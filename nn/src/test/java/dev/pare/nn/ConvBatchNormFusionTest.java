package dev.pare.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import dev.pare.tensor.parallel.Parallel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A {@link Conv2d} followed by a {@link BatchNorm} (and a {@link ReLU}) in a {@link Sequential}
 * runs as one call in evaluation without a graph ({@link Conv2d#forwardBatchNorm}); the oracle is
 * the same layers called one after the other. Every convolution route is drawn: depthwise with
 * channels for whole vectors and with fewer, pointwise, a first layer with few channels, the
 * implicit product and the grouped one.
 */
@SuppressWarnings("try") // the no-grad scopes are used only for closing
class ConvBatchNormFusionTest {

    /** in, out, kernel, stride, padding, groups, and a name for the route it takes. */
    static java.util.stream.Stream<Arguments> routes() {
        return java.util.stream.Stream.of(
                Arguments.of(16, 16, 3, 2, 1, 16, "depthwise, channels last"),
                Arguments.of(33, 33, 3, 1, 1, 33, "depthwise, channels last with a tail"),
                Arguments.of(5, 5, 3, 1, 1, 5, "depthwise, phase planes"),
                Arguments.of(16, 24, 1, 1, 0, 1, "pointwise"),
                Arguments.of(1, 16, 3, 1, 1, 1, "few channels"),
                Arguments.of(6, 8, 3, 1, 1, 1, "implicit product"),
                Arguments.of(6, 8, 3, 2, 1, 2, "grouped"));
    }

    private static Sequential layers(int in, int out, int k, int stride, int padding, int groups, boolean bias,
                                     boolean affine, boolean relu, long seed) {
        Rng rng = new Rng(seed);
        Conv2d conv = new Conv2d(in, out, k, stride, padding, 1, groups, bias, rng);
        BatchNorm2d bn = new BatchNorm2d(out, 1e-5, 0.1, affine, true);
        try (var ignored = Tensor.noGrad()) {
            // Statistics and affine parameters away from 0 and 1, some γ negative, so that the ReLU bites.
            bn.runningMean().copyFrom(Tensor.randn(rng, out).mul(0.3f));
            bn.runningVar().copyFrom(Tensor.rand(rng, out).add(0.5f));
            if (affine) {
                bn.weight().copyFrom(Tensor.randn(rng, out));
                bn.bias().copyFrom(Tensor.randn(rng, out).mul(0.2f));
            }
        }
        Sequential s = relu ? new Sequential(conv, bn, new ReLU()) : new Sequential(conv, bn);
        s.eval();
        return s;
    }

    /** The oracle: the children one after the other, each with its own forward. */
    private static Tensor oneByOne(Sequential s, Tensor x) {
        Tensor y = x;
        for (Module m : s.modules()) {
            y = m.forward(y);
        }
        return y;
    }

    /** Equal bit patterns element by element (NaNs compared as NaN); shared with the other inference tests. */
    static void assertSameBits(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            assertEquals(Float.floatToIntBits(expected[i]), Float.floatToIntBits(actual[i]),
                    what + ": element " + i + ", expected " + expected[i] + ", got " + actual[i]);
        }
    }

    @ParameterizedTest(name = "{6}")
    @MethodSource("routes")
    void evaluationWithoutGraphEqualsTheLayersOneByOneBitForBit(int in, int out, int k, int stride, int padding,
                                                                int groups, String route) {
        int previous = Parallel.threads();
        try {
            for (int threads : new int[] {1, 2}) {
                Parallel.setThreads(threads);
                for (int variant = 0; variant < 8; variant++) {
                    boolean bias = (variant & 1) != 0;
                    boolean affine = (variant & 2) != 0;
                    boolean relu = (variant & 4) != 0;
                    Sequential s = layers(in, out, k, stride, padding, groups, bias, affine, relu, 7 + variant);
                    Tensor x = Tensor.randn(new Rng(100 + variant), 3, in, 9, 11);
                    String what = route + (bias ? ", conv bias" : "") + (affine ? ", affine" : "") + (relu ? ", ReLU" : "")
                            + ", " + threads + " thread(s)";
                    try (var ignored = Tensor.noGrad()) {
                        assertNotNull(((Conv2d) s.get(0)).forwardBatchNorm(x, (BatchNorm) s.get(1), relu),
                                what + ": the pair should run fused");
                        Tensor expected = oneByOne(s, x);
                        Tensor actual = s.forward(x);
                        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
                        assertSameBits(expected.toArray(), actual.toArray(), what);
                        if (relu) {
                            int zeros = 0;
                            for (float v : actual.toArray()) {
                                zeros += v == 0f ? 1 : 0;
                            }
                            assertTrue(zeros > 0 && zeros < actual.numel(), what + ": the ReLU should zero some outputs, not all");
                        }
                    }
                }
            }
        } finally {
            Parallel.setThreads(previous);
        }
    }

    @Test
    void withGradientsOnTheLayersRunUnfusedAndGradientsReachTheConvolution() {
        Sequential s = layers(16, 16, 3, 1, 1, 16, false, true, true, 3);
        Tensor x = Tensor.randn(new Rng(5), 2, 16, 7, 7).requiresGrad(true);
        Tensor y = s.forward(x);
        Tensor expected;
        try (var ignored = Tensor.noGrad()) {
            expected = oneByOne(s, x);
        }
        assertSameBits(expected.toArray(), y.toArray(), "forward with a graph");
        y.sum().backward();
        Conv2d conv = (Conv2d) s.get(0);
        assertNotNull(conv.weight().grad(), "the convolution's weight gradient");
        assertNotNull(x.grad(), "the input gradient");
    }

    @Test
    void inTrainingTheBatchNormUsesTheBatchStatisticsAsUnfused() {
        Sequential fused = layers(8, 8, 3, 1, 1, 8, false, true, true, 4);
        Sequential oracle = layers(8, 8, 3, 1, 1, 8, false, true, true, 4);
        fused.train();
        oracle.train();
        Tensor x = Tensor.randn(new Rng(6), 4, 8, 6, 6);
        try (var ignored = Tensor.noGrad()) {
            assertSameBits(oneByOne(oracle, x).toArray(), fused.forward(x).toArray(), "training forward");
        }
        BatchNorm bn = (BatchNorm) fused.get(1);
        assertSameBits(((BatchNorm) oracle.get(1)).runningMean().toArray(), bn.runningMean().toArray(),
                "running mean updated as unfused");
    }

    @Test
    void aBatchNormOfTheWrongWidthIsReportedByTheBatchNorm() {
        Sequential s = new Sequential(new Conv2d(3, 4, 3, new Rng(1)), new BatchNorm2d(5));
        s.eval();
        try (var ignored = Tensor.noGrad()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> s.forward(Tensor.randn(new Rng(2), 1, 3, 6, 6)));
            assertTrue(e.getMessage().contains("BatchNorm2d"), e.getMessage());
        }
    }
}
