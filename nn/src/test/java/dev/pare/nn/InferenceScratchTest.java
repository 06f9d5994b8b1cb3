package dev.pare.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;

import dev.pare.tensor.GradMode;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import dev.pare.tensor.parallel.Parallel;
import org.junit.jupiter.api.Test;

/**
 * The no-graph shortcuts of the CNN layers: {@link ConvWorkspace}'s reused scratch in
 * {@link Conv2dOp}, the fused evaluation-mode {@link BatchNormOp#affine}, and max pooling
 * without winners. Each must give bit-for-bit what the recording path gives, and reused
 * buffers must never show through one call's output into another's.
 */
@SuppressWarnings("try") // the scopes are used only for closing
class InferenceScratchTest {

    /** The same forward with a graph recorded (fresh buffers everywhere, the reference). */
    private static float[] recorded(Module m, Tensor x) {
        Tensor xg = x.detach().requiresGrad(true);
        return m.forward(xg).toArray();
    }

    private static float[] unrecorded(Module m, Tensor x) {
        try (GradMode.Scope ignored = Tensor.noGrad()) {
            return m.forward(x).toArray();
        }
    }

    @Test
    void convolutionWithoutGraphEqualsTheRecordedOneBitForBit() {
        Rng rng = new Rng(3);
        Conv2d conv = new Conv2d(3, 5, 3, 1, 1, rng);
        Tensor x = Tensor.randn(rng, 4, 3, 9, 7);
        assertArrayEquals(recorded(conv, x), unrecorded(conv, x));
    }

    @Test
    void consecutiveOutputsDoNotShareTheScratchBuffers() {
        Rng rng = new Rng(5);
        Conv2d conv = new Conv2d(2, 4, 3, 1, 1, rng);
        Tensor a = Tensor.randn(rng, 3, 2, 8, 8);
        Tensor b = Tensor.randn(rng, 3, 2, 8, 8);
        float[] expectA = recorded(conv, a);
        float[] expectB = recorded(conv, b);
        try (GradMode.Scope ignored = Tensor.noGrad()) {
            Tensor ya = conv.forward(a);
            Tensor yb = conv.forward(b);
            assertNotSame(ya.storage(), yb.storage());
            assertArrayEquals(expectA, ya.toArray(), "the first output after a second call");
            assertArrayEquals(expectB, yb.toArray());
            // The same input again: the same bits, whatever the scratch held before.
            assertArrayEquals(expectA, conv.forward(a).toArray());
        }
    }

    @Test
    void scratchLeftLargerByABiggerBatchGivesTheSameResults() {
        Rng rng = new Rng(8);
        Conv2d conv = new Conv2d(3, 6, 3, 2, 1, rng);
        Tensor big = Tensor.randn(rng, 9, 3, 11, 10);
        Tensor small = Tensor.randn(rng, 1, 3, 5, 6);   // padding zeros must be rewritten, not left over
        float[] expectSmall = recorded(conv, small);
        float[] expectBig = recorded(conv, big);
        assertArrayEquals(expectBig, unrecorded(conv, big));
        assertArrayEquals(expectSmall, unrecorded(conv, small));
        assertArrayEquals(expectBig, unrecorded(conv, big));
    }

    @Test
    void trainingStepAfterInferenceGivesTheSameGradients() {
        float[][] grads = new float[2][];
        for (int run = 0; run < 2; run++) {
            Rng rng = new Rng(21);
            Conv2d conv = new Conv2d(2, 3, 3, 1, 1, rng);
            Tensor x = Tensor.randn(rng, 2, 2, 6, 6);
            if (run == 1) {
                // Fill this thread's scratch with something else first.
                unrecorded(conv, Tensor.randn(new Rng(99), 5, 2, 9, 9));
            }
            Tensor xg = x.requiresGrad(true);
            Tensor y = conv.forward(xg);
            y.mul(y).sum().backward();
            float[] gx = xg.grad().toArray();
            float[] gw = conv.weight().grad().toArray();
            float[] all = java.util.Arrays.copyOf(gx, gx.length + gw.length);
            System.arraycopy(gw, 0, all, gx.length, gw.length);
            grads[run] = all;
        }
        assertArrayEquals(grads[0], grads[1]);
    }

    /**
     * The trap {@link Tensor#willRecord} exists for: an input that needs no gradient, a weight
     * that does. The op is recorded (for dW), so its patch matrix must be its own, not the
     * scratch the next call overwrites. Grouped, because that is the convolution with a patch
     * matrix (ungrouped ones pack patches from the saved input).
     */
    @Test
    void aWeightGradientIsRightEvenWhenOnlyTheWeightRequiresGradAndTheScratchIsReused() {
        Rng rng = new Rng(34);
        Conv2d conv = new Conv2d(4, 6, 3, 1, 1, 1, 2, true, rng);
        Tensor x = Tensor.randn(rng, 2, 4, 6, 6);
        Tensor alone = conv.forward(x);
        alone.mul(alone).sum().backward();
        float[] expected = conv.weight().grad().toArray();
        conv.zeroGrad();

        Tensor y = conv.forward(x);
        // Another call between forward and backward: under noGrad it writes the scratch.
        unrecorded(conv, Tensor.randn(new Rng(99), 2, 4, 6, 6));
        y.mul(y).sum().backward();
        assertArrayEquals(expected, conv.weight().grad().toArray());
    }

    @Test
    void smallCnnInferenceIsIdenticalForOneAndTwoThreadsAndRepeatedCalls() {
        int before = Parallel.threads();
        try {
            float[][] runs = new float[3][];
            for (int t = 1; t <= 2; t++) {
                Parallel.setThreads(t);
                Rng rng = new Rng(13);
                Sequential cnn = new Sequential(
                        new Conv2d(1, 4, 3, 1, 1, rng), new BatchNorm2d(4), new ReLU(), new MaxPool2d(2),
                        new Conv2d(4, 6, 3, 1, 1, rng), new BatchNorm2d(6), new ReLU(), new MaxPool2d(2));
                Tensor x = Tensor.randn(rng, 6, 1, 12, 12);
                cnn.forward(x);            // training mode: moves the running statistics
                cnn.eval();
                runs[t - 1] = unrecorded(cnn, x);
                if (t == 2) {
                    runs[2] = unrecorded(cnn, x);
                    assertArrayEquals(recorded(cnn, x), runs[2], "recorded vs unrecorded");
                }
            }
            assertArrayEquals(runs[0], runs[1], "1 vs 2 threads");
            assertArrayEquals(runs[1], runs[2], "repeated call");
        } finally {
            Parallel.setThreads(before);
        }
    }

    @Test
    void fusedEvaluationBatchNormEqualsTheTensorOpsBitForBit() {
        Rng rng = new Rng(4);
        BatchNorm2d bn2 = new BatchNorm2d(3);
        BatchNorm1d bn1 = new BatchNorm1d(5);
        BatchNorm2d plain = new BatchNorm2d(3, 1e-3, 0.3, false, true);   // no γ, β
        for (int i = 0; i < 3; i++) {
            bn2.forward(Tensor.randn(rng, 4, 3, 5, 5).mul(3f).add(1f));
            bn1.forward(Tensor.randn(rng, 7, 5).add(-2f));
            plain.forward(Tensor.randn(rng, 4, 3, 5, 5).mul(0.2f));
        }
        Init.uniform(bn2.weight(), -2f, 2f, rng);
        Init.uniform(bn2.bias(), -2f, 2f, rng);
        bn2.eval();
        bn1.eval();
        plain.eval();
        Tensor x4 = Tensor.randn(rng, 3, 3, 4, 6);
        Tensor x2 = Tensor.randn(rng, 6, 5);
        assertArrayEquals(recorded(bn2, x4), unrecorded(bn2, x4));
        assertArrayEquals(recorded(bn1, x2), unrecorded(bn1, x2));
        assertArrayEquals(recorded(plain, x4), unrecorded(plain, x4));
        // A non-contiguous input is read through its strides.
        Tensor t = x4.transpose(2, 3);
        assertArrayEquals(recorded(bn2, t), unrecorded(bn2, t));
    }

    @Test
    void maxPoolWithoutGraphEqualsTheRecordedOne() {
        float nan = Float.NaN;
        float inf = Float.NEGATIVE_INFINITY;
        // Windows with ties, a NaN in each position, and all −∞; odd sizes drop the last row/column.
        float[] v = {
            1, 1, nan, 0, 2, 5, 9,
            1, 1, 3, 4, nan, 1, 9,
            inf, inf, 2, 2, 0, 0, 9,
            inf, inf, nan, nan, 0, -1, 9,
            7, 7, 7, 7, 7, 7, 7};
        Tensor x = Tensor.fromArray(v, 1, 1, 5, 7);
        MaxPool2d pool = new MaxPool2d(2);
        assertArrayEquals(new float[] {1, nan, nan, inf, nan, 0}, unrecorded(pool, x));
        assertArrayEquals(recorded(pool, x), unrecorded(pool, x));
        // Winners (backward): first maximum in row-major order, first NaN.
        Tensor xg = x.detach().requiresGrad(true);
        pool.forward(xg).sum().backward();
        float[] g = xg.grad().toArray();
        int[] winners = {0, 2, 11, 14, 23, 18};
        float total = 0;
        for (int w : winners) {
            assertEquals(1f, g[w], 0f, "gradient at " + w);
        }
        for (float gi : g) {
            total += gi;
        }
        assertEquals(winners.length, total, 0f);
    }
}
