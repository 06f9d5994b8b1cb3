package dev.pare.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.pare.nn.optim.SGD;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Linear's inference path (bias and ReLU fused into the matrix multiply, the transposed weight
 * packed once and kept) against its recorded path, which packs nothing and applies the bias and
 * ReLU as separate tensor operations: the same bits, for every batch size, and never a stale pack,
 * whatever changed the weight in between.
 */
class LinearInferenceTest {

    private static Sequential mlp(Rng rng) {
        return new Sequential(new Flatten(), new Linear(67, 40, rng), new ReLU(), new Linear(40, 33, rng),
                new ReLU(), new Linear(33, 10, rng));
    }

    /** The recorded path: parameters require gradients, so nothing is fused or kept. */
    private static float[] recorded(Module model, Tensor x) {
        return model.forward(x).toArray();
    }

    @SuppressWarnings("try")
    private static float[] inference(Module model, Tensor x) {
        try (var ignored = Tensor.noGrad()) {
            return model.forward(x).toArray();
        }
    }

    @Test
    void inferenceGivesTheBitsOfTheRecordedPathAtEveryBatchSize() {
        Sequential model = mlp(new Rng(1));
        for (int batch : new int[] {1, 2, 3, 7, 64, 257}) {
            Tensor x = Tensor.randn(new Rng(batch), batch, 1, 67);
            float[] expected = recorded(model, x);
            assertArrayEquals(expected, inference(model, x), "batch " + batch);
            // Twice: the second call runs on the kept pack.
            assertArrayEquals(expected, inference(model, x), "batch " + batch + ", second call");
        }
    }

    @Test
    void inferenceTakesLeadingDimensionsAndNonContiguousInputs() {
        Linear fc = new Linear(13, 9, new Rng(4));
        Tensor x = Tensor.randn(new Rng(5), 13, 6).t();      // [6, 13], column-major
        assertArrayEquals(fc.forward(x).toArray(), inferenceOf(fc, x));
        Tensor x3 = Tensor.randn(new Rng(6), 2, 5, 13);
        assertArrayEquals(fc.forward(x3).toArray(), inferenceOf(fc, x3));
        Tensor x1 = Tensor.randn(new Rng(7), 13);
        assertArrayEquals(fc.forward(x1).toArray(), inferenceOf(fc, x1));
        Linear noBias = new Linear(13, 9, false, new Rng(8));
        assertArrayEquals(noBias.forward(x3).toArray(), inferenceOf(noBias, x3));
    }

    @SuppressWarnings("try")
    private static float[] inferenceOf(Linear fc, Tensor x) {
        try (var ignored = Tensor.noGrad()) {
            return fc.forward(x).toArray();
        }
    }

    @Test
    void sequentialFusesOnlyALinearFollowedByAReLU() {
        Rng rng = new Rng(2);
        Linear a = new Linear(20, 30, rng);
        Linear b = new Linear(30, 30, rng);
        Sequential model = new Sequential(a, b, new ReLU(), new GELU(), new Linear(30, 5, rng));
        Tensor x = Tensor.randn(new Rng(3), 9, 20);
        float[] byHand;
        try (var ignored = Tensor.noGrad()) {
            byHand = ((Linear) model.get(4)).forward(b.forward(a.forward(x)).relu().gelu()).toArray();
        }
        assertArrayEquals(byHand, inference(model, x));
        assertArrayEquals(byHand, recorded(model, x));
    }

    /**
     * Every way the weight can change between two inference calls: an optimizer step, a loaded
     * state dict, an in-place op, a write straight into the storage array, a pruning mask. After
     * each, inference must match the recorded path (which keeps nothing) and differ from before.
     */
    @Test
    @SuppressWarnings("try")
    void aStalePackIsNeverUsed() {
        Sequential model = mlp(new Rng(11));
        Linear first = (Linear) model.get(1);
        Tensor x = Tensor.randn(new Rng(12), 32, 67);
        float[] before = inference(model, x);

        // An optimizer step (it writes through storage(), outside autograd).
        SGD sgd = new SGD(model.parameters(), 0.1);
        Tensor loss = model.forward(x).square().mean();
        loss.backward();
        sgd.step();
        before = assertFreshAndChanged(model, x, before, "after an SGD step");

        // A state dict loaded into the model (copyFrom).
        Sequential other = mlp(new Rng(99));
        Map<String, Tensor> state = other.stateDict();
        model.loadStateDict(state, true);
        before = assertFreshAndChanged(model, x, before, "after loadStateDict");

        // An in-place op on the weight.
        try (var ignored = Tensor.noGrad()) {
            first.weight().mulInPlace(0.5f);
        }
        before = assertFreshAndChanged(model, x, before, "after mulInPlace");

        // One float written into an array obtained long before: no version number could see this.
        float[] raw = first.weight().storage();
        inference(model, x);
        raw[first.weight().offset() + 5] += 1f;
        before = assertFreshAndChanged(model, x, before, "after a write into the storage array");

        // A mask that zeroes half of the weight (pruning's reparametrisation).
        Tensor mask = Tensor.zeros(40, 67);
        try (var ignored = Tensor.noGrad()) {
            mask.narrow(0, 0, 20).fill(1f);
        }
        first.setParametrization("weight", () -> first.weight().mul(mask));
        before = assertFreshAndChanged(model, x, before, "after a mask");
        first.setParametrization("weight", null);
        assertFreshAndChanged(model, x, before, "after the mask is removed");
    }

    private static float[] assertFreshAndChanged(Module model, Tensor x, float[] before, String when) {
        float[] now = inference(model, x);
        assertArrayEquals(recorded(model, x), now, when + ": inference differs from the recorded path");
        assertFalse(Arrays.equals(before, now), when + ": the output did not change");
        assertNotEquals(0, now.length);
        return now;
    }
}
