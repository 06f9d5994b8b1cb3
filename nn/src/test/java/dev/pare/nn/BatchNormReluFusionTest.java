package dev.pare.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * A {@link BatchNorm} followed by a {@link ReLU} in a {@link Sequential} runs fused
 * ({@link BatchNorm#forwardRelu}); the oracle is the two modules called one after the other.
 */
@SuppressWarnings("try") // the no-grad scopes are used only for closing
class BatchNormReluFusionTest {

    /** Two batch norms with the same non-trivial γ and β: one for the fused path, one for the oracle. */
    private static BatchNorm2d[] twins(int channels) {
        BatchNorm2d[] bn = {new BatchNorm2d(channels), new BatchNorm2d(channels)};
        Tensor gamma = Tensor.randn(new Rng(11), channels).mul(0.5f).add(1f);
        Tensor beta = Tensor.randn(new Rng(12), channels).mul(0.3f);
        try (var ignored = Tensor.noGrad()) {
            for (BatchNorm2d b : bn) {
                b.weight().copyFrom(gamma);
                b.bias().copyFrom(beta);
            }
        }
        return bn;
    }

    private static void assertSameValues(float[] expected, float[] actual, String what) {
        // Equal values; a zero's sign may differ where the oracle's ReLU gradient g·0 is −0.
        assertArrayEquals(expected, actual, 0f, what);
    }

    @Test
    void trainingForwardAndEveryGradientEqualTheTwoModules() {
        BatchNorm2d[] bn = twins(5);
        Sequential fused = new Sequential(bn[0], new ReLU());
        Tensor x = Tensor.randn(new Rng(3), 6, 5, 7, 7).mul(2f).add(0.5f);
        Tensor g = Tensor.randn(new Rng(4), 6, 5, 7, 7);

        Tensor xf = Tensor.fromArray(x.toArray(), x.shape()).requiresGrad(true);
        Tensor yf = fused.forward(xf);
        yf.mul(g).sum().backward();

        Tensor xo = Tensor.fromArray(x.toArray(), x.shape()).requiresGrad(true);
        Tensor yo = new ReLU().forward(bn[1].forward(xo));
        yo.mul(g).sum().backward();

        assertArrayEquals(yo.toArray(), yf.toArray(), "forward");
        assertSameValues(xo.grad().toArray(), xf.grad().toArray(), "dx");
        assertSameValues(bn[1].weight().grad().toArray(), bn[0].weight().grad().toArray(), "dγ");
        assertSameValues(bn[1].bias().grad().toArray(), bn[0].bias().grad().toArray(), "dβ");
        assertArrayEquals(bn[1].runningMean().toArray(), bn[0].runningMean().toArray(), "running mean");
        assertArrayEquals(bn[1].runningVar().toArray(), bn[0].runningVar().toArray(), "running variance");
        int zeros = 0;
        for (float v : yf.toArray()) {
            zeros += v == 0f ? 1 : 0;
        }
        assertTrue(zeros > 100 && zeros < yf.numel() - 100, "the ReLU must cut part of the output: " + zeros + " zeros");
    }

    @Test
    void evaluationForwardEqualsTheTwoModulesBitForBit() {
        BatchNorm2d[] bn = twins(3);
        for (BatchNorm2d b : bn) {
            b.forward(Tensor.randn(new Rng(5), 4, 3, 6, 6).add(1f)); // running statistics
            b.eval();
        }
        Sequential fused = new Sequential(bn[0], new ReLU());
        Tensor x = Tensor.randn(new Rng(6), 2, 3, 6, 6);
        float[] expected = new ReLU().forward(bn[1].forward(x)).toArray();
        float[] actual = fused.forward(x).toArray();
        for (int i = 0; i < expected.length; i++) {
            assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(actual[i]), "index " + i);
        }
    }

    @Test
    void aNaNInTheInputStaysNaNThroughTheFusedReluAsThroughTheModule() {
        BatchNorm2d[] bn = twins(2);
        for (BatchNorm2d b : bn) {
            b.forward(Tensor.randn(new Rng(7), 4, 2, 3, 3));
            b.eval();
        }
        float[] v = Tensor.randn(new Rng(8), 1, 2, 3, 3).toArray();
        v[4] = Float.NaN;
        Tensor x = Tensor.fromArray(v, 1, 2, 3, 3);
        float[] fused = new Sequential(bn[0], new ReLU()).forward(x).toArray();
        assertTrue(Float.isNaN(fused[4]), "a diverged activation must not be hidden as 0: " + fused[4]);
        assertTrue(Float.isNaN(new ReLU().forward(bn[1].forward(x)).toArray()[4]));
    }
}
