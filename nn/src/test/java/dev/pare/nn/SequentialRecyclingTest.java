package dev.pare.nn;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import dev.pare.tensor.parallel.Parallel;
import org.junit.jupiter.api.Test;

/**
 * A {@link Sequential} run without a graph recycles its intermediate outputs' arrays
 * ({@code ForwardArrays}); nothing anyone can still see may change. The test runs poison every
 * handed-out array with NaN, so an op that took an array and left part of it unwritten, or an
 * array recycled while still held, shows as NaN or as a changed value.
 */
@SuppressWarnings("try") // the no-grad scopes are used only for closing
class SequentialRecyclingTest {

    /** A MobileNet-style chain: stem, one depthwise-separable block, pooling, flatten, dropout, linear. */
    private static Sequential mobileNetLike(Rng rng) {
        Sequential block = new Sequential(
                new Conv2d(16, 16, 3, 2, 1, 1, 16, false, rng), new BatchNorm2d(16), new ReLU(),
                new Conv2d(16, 24, 1, 1, 0, 1, 1, false, rng), new BatchNorm2d(24), new ReLU());
        Sequential model = new Sequential(
                new Conv2d(1, 16, 3, 1, 1, rng), new BatchNorm2d(16), new ReLU(), block,
                new GlobalAvgPool2d(), new Flatten(), new Dropout(0.5, 3L), new Linear(24, 10, rng));
        try (var ignored = Tensor.noGrad()) {
            model.train();
            model.forward(Tensor.randn(rng, 8, 1, 12, 12));   // running statistics away from 0 and 1
        }
        model.eval();
        return model;
    }

    @Test
    void repeatedInferenceGivesTheRecordedForwardsValuesAndLeavesEarlierOutputsAlone() {
        int previous = Parallel.threads();
        try {
            for (int threads : new int[] {1, 2}) {
                Parallel.setThreads(threads);
                Sequential model = mobileNetLike(new Rng(1));
                Tensor x1 = Tensor.randn(new Rng(2), 6, 1, 12, 12);
                Tensor x2 = Tensor.randn(new Rng(3), 6, 1, 12, 12);
                // The oracle: the same forward with gradients on, which records a graph and recycles nothing.
                float[] expected1 = model.forward(x1).toArray();
                float[] expected2 = model.forward(x2).toArray();
                try (var ignored = Tensor.noGrad()) {
                    Tensor y1 = model.forward(x1);
                    float[] y1Then = y1.toArray();
                    Tensor y2 = model.forward(x2);
                    Tensor y1Again = model.forward(x1);
                    String at = threads + " thread(s)";
                    ConvBatchNormFusionTest.assertSameBits(expected1, y1Then, "first inference, " + at);
                    ConvBatchNormFusionTest.assertSameBits(expected2, y2.toArray(), "second inference, " + at);
                    ConvBatchNormFusionTest.assertSameBits(expected1, y1Again.toArray(), "third inference, " + at);
                    ConvBatchNormFusionTest.assertSameBits(y1Then, y1.toArray(), "the first output after two more inferences, " + at);
                }
            }
        } finally {
            Parallel.setThreads(previous);
        }
    }

    /** A user's layer that keeps its input, as an activation probe would. */
    private static final class Probe extends Module {
        Tensor seen;

        @Override
        public Tensor forward(Tensor input) {
            seen = input;
            return input;
        }
    }

    @Test
    void aLayerThatKeepsItsInputKeepsItIntact() {
        Rng rng = new Rng(4);
        Probe probe = new Probe();
        // Every activation has the same length and comes from a route that takes pooled arrays
        // (pointwise and depthwise convolutions), so a wrongly recycled array would be handed to a
        // later layer. The probe passes its input on, as such probes do.
        Sequential model = new Sequential(
                new Conv2d(4, 4, 1, 1, 0, 1, 1, false, rng), new BatchNorm2d(4), new ReLU(), probe,
                new Conv2d(4, 4, 3, 1, 1, 1, 4, false, rng), new BatchNorm2d(4), new ReLU(),
                new Conv2d(4, 4, 1, 1, 0, 1, 1, false, rng), new BatchNorm2d(4),
                new Conv2d(4, 4, 1, 1, 0, 1, 1, false, rng));
        model.eval();
        Tensor x = Tensor.randn(rng, 3, 4, 9, 9);
        float[] probed;
        try (var ignored = Tensor.noGrad()) {
            Tensor h = x;
            for (int i = 0; i < 3; i++) {
                h = model.get(i).forward(h);
            }
            probed = h.toArray();
            model.forward(x);
            model.forward(x);
        }
        ConvBatchNormFusionTest.assertSameBits(probed, probe.seen.toArray(), "the probe's tensor after two inferences");
    }

    @Test
    void onlyTheLibrarysLayersAndChainsOfThemCountAsKeepingNoInput() {
        Rng rng = new Rng(5);
        assertTrue(Sequential.keepsNoInput(mobileNetLike(rng)));
        assertFalse(Sequential.keepsNoInput(new Probe()));
        assertFalse(Sequential.keepsNoInput(new Sequential(new ReLU(), new Sequential(new Probe()))));
    }
}
