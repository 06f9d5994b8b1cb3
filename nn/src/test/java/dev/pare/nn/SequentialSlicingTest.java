package dev.pare.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import dev.pare.tensor.parallel.Parallel;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A {@link Sequential} without a graph runs its leading per-sample children slice by slice of
 * the batch: the result must be the whole batch's, bit for bit, whatever the batch size (slices
 * of uneven length) and thread count; and children whose output for a sample depends on the rest
 * of the batch (a batch norm in training) must stop the slicing.
 */
@SuppressWarnings("try") // the no-grad scopes are used only for closing
class SequentialSlicingTest {

    /** A MobileNet-style chain on 28 × 28 inputs: the stem's 16 planes make slices of a few dozen samples. */
    private static Sequential mobileNetLike(Rng rng) {
        Sequential block = new Sequential(
                new Conv2d(16, 16, 3, 2, 1, 1, 16, false, rng), new BatchNorm2d(16), new ReLU(),
                new Conv2d(16, 32, 1, 1, 0, 1, 1, false, rng), new BatchNorm2d(32), new ReLU());
        return new Sequential(
                new Conv2d(1, 16, 3, 1, 1, rng), new BatchNorm2d(16), new ReLU(), block,
                new GlobalAvgPool2d(), new Flatten(), new Dropout(0.5, 3L), new Linear(32, 10, rng));
    }

    /** The small CNN's shape: convolutions through the patch routes, max pooling, then linear layers. */
    private static Sequential smallCnnLike(Rng rng) {
        return new Sequential(
                new Conv2d(1, 8, 3, 1, 1, rng), new BatchNorm2d(8), new ReLU(), new MaxPool2d(2),
                new Conv2d(8, 16, 3, 1, 1, rng), new BatchNorm2d(16), new ReLU(), new MaxPool2d(2),
                new Flatten(), new Linear(16 * 7 * 7, 32, rng), new ReLU(), new Dropout(0.25, 5L),
                new Linear(32, 10, rng));
    }

    private static void warmStatistics(Sequential model, Rng rng) {
        try (var ignored = Tensor.noGrad()) {
            model.train();
            model.forward(Tensor.randn(rng, 8, 1, 28, 28));   // running statistics away from 0 and 1
        }
        model.eval();
    }

    @Test
    void slicedInferenceGivesTheWholeBatchsBitsForAnyBatchAndThreadCount() {
        int previous = Parallel.threads();
        try {
            for (boolean mobile : new boolean[] {true, false}) {
                for (int n : new int[] {16, 37, 101}) {
                    float[] first = null;
                    for (int threads : new int[] {1, 2}) {
                        Parallel.setThreads(threads);
                        Rng rng = new Rng(7);
                        Sequential model = mobile ? mobileNetLike(rng) : smallCnnLike(rng);
                        warmStatistics(model, rng);
                        Tensor x = Tensor.randn(new Rng(n), n, 1, 28, 28);
                        // The oracle: the forward with gradients on records a graph and runs each
                        // layer on the whole batch.
                        float[] expected = model.forward(x).toArray();
                        float[] sliced;
                        try (var ignored = Tensor.noGrad()) {
                            sliced = model.forward(x).toArray();
                        }
                        String what = (mobile ? "MobileNet-like" : "small-CNN-like") + ", batch " + n + ", "
                                + threads + " thread(s)";
                        ConvBatchNormFusionTest.assertSameBits(expected, sliced, what);
                        if (first == null) {
                            first = sliced;
                        } else {
                            ConvBatchNormFusionTest.assertSameBits(first, sliced, what + " against 1 thread");
                        }
                    }
                }
            }
        } finally {
            Parallel.setThreads(previous);
        }
    }

    @Test
    void aBatchNormInTrainingUsesTheWholeBatchsStatisticsWithoutAGraph() {
        // In training the batch norm normalises by the statistics of the whole batch: slices
        // would each use their own. Two identical models, one run with a graph, one without.
        Sequential recorded = smallCnnLike(new Rng(9));
        Sequential inferred = smallCnnLike(new Rng(9));
        Tensor x = Tensor.randn(new Rng(10), 40, 1, 28, 28);
        float[] expected = recorded.forward(x).toArray();   // both in training mode: fresh modules
        float[] actual;
        try (var ignored = Tensor.noGrad()) {
            // Dropout in training draws in order over the batch too: the two models' generators
            // start from the same seed.
            actual = inferred.forward(x).toArray();
        }
        ConvBatchNormFusionTest.assertSameBits(expected, actual, "training-mode output without a graph");
        BatchNorm2d a = (BatchNorm2d) recorded.get(1);
        BatchNorm2d b = (BatchNorm2d) inferred.get(1);
        assertArrayEquals(a.runningMean().toArray(), b.runningMean().toArray(),
                "running mean after one batch");
    }

    @Test
    void anInputTheChainCannotTakeIsReportedWithItsWholeShape() {
        Sequential model = mobileNetLike(new Rng(12));
        model.eval();
        Tensor wrong = Tensor.randn(new Rng(13), 20, 3, 28, 28);   // the stem takes 1 channel
        IllegalArgumentException e;
        try (var ignored = Tensor.noGrad()) {
            e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> model.forward(wrong));
        }
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("[20, 3, 28, 28]"), e.getMessage());
    }

    @Test
    void thePrefixEndsAtTheFirstChildThatIsNotPerSample() {
        Rng rng = new Rng(11);
        Sequential cnn = smallCnnLike(rng);
        cnn.eval();
        assertEquals(9, Sequential.sampleWisePrefix(cnn.modules()), "up to the Flatten, before the first Linear");
        cnn.train();
        assertEquals(0, Sequential.sampleWisePrefix(cnn.modules()),
                "a batch norm in training stops it after one convolution: not worth slicing");
        assertEquals(0, Sequential.sampleWisePrefix(List.of(new ReLU(), new Flatten())), "no convolution");
        Sequential nested = mobileNetLike(rng);
        nested.eval();
        assertEquals(7, Sequential.sampleWisePrefix(nested.modules()),
                "the nested block counts as one child; up to the evaluation dropout, before the Linear");
    }
}
