package dev.pare.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import org.junit.jupiter.api.Test;

class BatchNormTest {

    @Test
    void trainingOutputHasZeroMeanAndUnitVariancePerChannel() {
        BatchNorm2d bn = new BatchNorm2d(3);
        Tensor x = Tensor.randn(new Rng(1), 8, 3, 5, 5).mul(4f).add(3f);
        Tensor y = bn.forward(x);
        int[] dims = {0, 2, 3};
        float[] mean = y.mean(dims, false).toArray();
        float[] var = y.square().mean(dims, false).toArray();
        for (int c = 0; c < 3; c++) {
            assertEquals(0f, mean[c], 1e-5f);
            assertEquals(1f, var[c], 1e-3f);   // ε = 1e-5 against a variance of 16
        }
    }

    @Test
    void runningStatisticsFollowTheMomentumRuleWithUnbiasedVariance() {
        BatchNorm1d bn = new BatchNorm1d(1, 1e-5, 0.5, true, true);
        bn.forward(Tensor.fromArray(new float[] {1, 2, 3, 6}, 4, 1));
        // batch mean 3, unbiased variance ((4 + 1 + 0 + 9) / 3) = 14/3
        assertEquals(0.5f * 0 + 0.5f * 3f, bn.runningMean().item(), 1e-6f);
        assertEquals(0.5f * 1 + 0.5f * 14f / 3f, bn.runningVar().item(), 1e-5f);
        assertEquals(1, bn.numBatchesTracked());
    }

    @Test
    void evaluationUsesRunningStatisticsAndIsPerSample() {
        BatchNorm2d bn = new BatchNorm2d(2);
        for (int i = 0; i < 3; i++) {
            bn.forward(Tensor.randn(new Rng(i), 4, 2, 3, 3).add(2f));
        }
        float[] rm = bn.runningMean().toArray();
        float[] rv = bn.runningVar().toArray();
        bn.eval();
        Tensor x = Tensor.randn(new Rng(9), 2, 2, 2, 2);
        float[] y = bn.forward(x).toArray();
        float[] xv = x.toArray();
        for (int i = 0; i < xv.length; i++) {
            int c = (i / 4) % 2;
            assertEquals((xv[i] - rm[c]) / (float) Math.sqrt(rv[c] + 1e-5), y[i], 1e-5f);
        }
        // One sample alone gives the same answer as inside the batch.
        assertArrayEquals(java.util.Arrays.copyOf(y, 8), bn.forward(x.narrow(0, 0, 1)).toArray(), 1e-7f);
        assertEquals(3, bn.numBatchesTracked());
    }

    @Test
    void evaluationWithoutAGraphGivesTheBitsOfTheAutogradFormula() {
        // Planes of 13×13 floats: whole vectors and a scalar tail at every width.
        BatchNorm2d bn = new BatchNorm2d(3);
        for (int i = 0; i < 2; i++) {
            bn.forward(Tensor.randn(new Rng(20 + i), 4, 3, 13, 13).mul(1.7f).add(0.3f));
        }
        bn.eval();
        Tensor x = Tensor.randn(new Rng(23), 2, 3, 13, 13);
        float[] fused;
        try (var ignored = Tensor.noGrad()) {
            fused = bn.forward(x).toArray();
        }
        // An input that requires grad takes the autograd path: x.sub(μ).div(s).mul(γ).add(β).
        float[] graph = bn.forward(x.detach().requiresGrad(true)).toArray();
        for (int i = 0; i < graph.length; i++) {
            assertEquals(Float.floatToRawIntBits(graph[i]), Float.floatToRawIntBits(fused[i]),
                    "element " + i + ": autograd " + graph[i] + ", one pass " + fused[i]);
        }
    }

    @Test
    void withoutRunningStatsEvaluationStillNormalisesWithBatchStatistics() {
        BatchNorm2d bn = new BatchNorm2d(2, 1e-5, 0.1, false, false);
        assertTrue(bn.stateDict().isEmpty());
        assertNull(bn.weight());
        bn.eval();
        Tensor y = bn.forward(Tensor.randn(new Rng(3), 4, 2, 3, 3).mul(5f));
        assertEquals(0f, y.mean().item(), 1e-5f);
    }

    @Test
    void trainingOnOneValuePerChannelIsRejected() {
        BatchNorm1d bn = new BatchNorm1d(3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> bn.forward(Tensor.ones(1, 3)));
        assertTrue(e.getMessage().startsWith("BatchNorm1d(3, eps=1.0E-5, momentum=0.1, affine=true, "
                + "track_running_stats=true): input of shape [1, 3]: training needs more than 1 value"), e.getMessage());
    }

    @Test
    void wrongChannelCountNamesLayerAndShape() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new BatchNorm2d(16).forward(Tensor.zeros(2, 8, 4, 4)));
        assertEquals("BatchNorm2d(16): input of shape [2, 8, 4, 4]: expected [N, 16, H, W]", e.getMessage());
    }

    @Test
    void trainingStepIsBitIdenticalForOneAndTwoThreads() {
        // Large enough that two threads take a share of the channels each (a task is at least
        // Parallel.MIN_FLOATS_PER_TASK floats): 7 × 7 planes summed in blocks of several
        // samples, and 28 × 28 planes one sample at a time.
        trainingStepIsBitIdenticalForOneAndTwoThreads(256, 12, 7);
        trainingStepIsBitIdenticalForOneAndTwoThreads(16, 6, 28);
    }

    private static void trainingStepIsBitIdenticalForOneAndTwoThreads(int n, int c, int side) {
        int before = dev.pare.tensor.parallel.Parallel.threads();
        float[][] results = new float[2][];
        try {
            for (int t = 1; t <= 2; t++) {
                dev.pare.tensor.parallel.Parallel.setThreads(t);
                BatchNorm2d bn = new BatchNorm2d(c);
                Tensor x = Tensor.randn(new Rng(4), n, c, side, side).requiresGrad(true);
                Tensor y = bn.forward(x);
                y.mul(y).mul(x).sum().backward();
                float[] a = y.toArray();
                float[] g = x.grad().toArray();
                float[] r = java.util.Arrays.copyOf(a, a.length + g.length + 2 * c);
                System.arraycopy(g, 0, r, a.length, g.length);
                System.arraycopy(bn.runningVar().toArray(), 0, r, a.length + g.length, c);
                System.arraycopy(bn.weight().grad().toArray(), 0, r, a.length + g.length + c, c);
                results[t - 1] = r;
            }
        } finally {
            dev.pare.tensor.parallel.Parallel.setThreads(before);
        }
        assertArrayEquals(results[0], results[1]);
    }

    @Test
    void resetParametersRestoresTheInitialState() {
        BatchNorm2d bn = new BatchNorm2d(2);
        bn.forward(Tensor.randn(new Rng(1), 4, 2, 3, 3).add(5f));
        Init.constant(bn.weight(), 3f);
        bn.resetParameters();
        assertArrayEquals(new float[] {0, 0}, bn.runningMean().toArray());
        assertArrayEquals(new float[] {1, 1}, bn.runningVar().toArray());
        assertArrayEquals(new float[] {1, 1}, bn.weight().toArray());
        assertEquals(0, bn.numBatchesTracked());
    }
}
