package dev.pare.nn.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CrossEntropyLossTest {

    @Test
    void equalLogitsGiveLogOfClassCount() {
        Tensor loss = CrossEntropyLoss.crossEntropy(Tensor.zeros(2, 4), Tensor.fromArray(1f, 3f));
        assertEquals(Math.log(4), loss.item(), 1e-6);
    }

    @Test
    void matchesHandComputedValueAndGradient() {
        // −log(e³ / (e + e² + e³)) = log(1 + e⁻¹ + e⁻²)
        Tensor x = Tensor.fromArray(new float[] {1, 2, 3}, 1, 3).requiresGrad(true);
        Tensor loss = CrossEntropyLoss.crossEntropy(x, Tensor.fromArray(2f));
        assertEquals(Math.log(1 + Math.exp(-1) + Math.exp(-2)), loss.item(), 1e-6);
        loss.backward();
        double z = Math.exp(1) + Math.exp(2) + Math.exp(3);
        Check.assertClose("grad", new float[] {(float) (Math.exp(1) / z), (float) (Math.exp(2) / z), (float) (Math.exp(3) / z - 1)},
                x.grad().toArray(), 1e-6, 1e-7);
    }

    @Test
    void labelSmoothingMatchesHandComputedValue() {
        // softmax([0, ln 3]) = [1/4, 3/4]; target 1, ε = 0.2: −(0.8·ln¾ + 0.1·(ln¼ + ln¾))
        Tensor x = Tensor.fromArray(new float[] {0f, (float) Math.log(3)}, 1, 2).requiresGrad(true);
        Tensor loss = CrossEntropyLoss.crossEntropy(x, Tensor.fromArray(1f), Reduction.MEAN, 0.2f);
        double expected = -(0.8 * Math.log(0.75) + 0.1 * (Math.log(0.25) + Math.log(0.75)));
        assertEquals(expected, loss.item(), 1e-6);
        loss.backward();
        // softmax − ((1−ε)·onehot + ε/C) = [0.25 − 0.1, 0.75 − 0.9]
        Check.assertClose("grad", new float[] {0.15f, -0.15f}, x.grad().toArray(), 1e-5, 1e-7);
    }

    @ParameterizedTest(name = "reduction {0}, label smoothing {1}")
    @CsvSource({"mean, 0", "mean, 0.1", "sum, 0", "sum, 0.1", "none, 0", "none, 0.1"})
    void matchesPyTorch(String reduction, String smoothing) {
        Tensor x = Tensor.fromArray(Fixtures.floats("ce.logits"), 4, 5).requiresGrad(true);
        Tensor y = Tensor.fromArray(Fixtures.floats("ce.targets"));
        Reduction r = Reduction.valueOf(reduction.toUpperCase());
        Tensor loss = new CrossEntropyLoss(r, Float.parseFloat(smoothing)).apply(x, y);
        String key = "ce." + reduction + ".ls" + smoothing;
        Check.assertClose(key + ".loss", Fixtures.floats(key + ".loss"), loss.toArray(), 1e-6, 1e-7);
        // The generator seeds backward of the unreduced loss with these weights.
        loss.backward(r == Reduction.NONE ? Tensor.fromArray(1f, -2f, 0.5f, 3f) : Tensor.scalar(1f));
        Check.assertClose(key + ".grad", Fixtures.floats(key + ".grad"), x.grad().toArray(), 1e-5, 1e-7);
    }

    @Test
    void logitsOfTenThousandStayFiniteAndMatchPyTorch() {
        Tensor x = Tensor.fromArray(Fixtures.floats("ce.big.logits"), 3, 4).requiresGrad(true);
        Tensor loss = CrossEntropyLoss.crossEntropy(x, Tensor.fromArray(Fixtures.floats("ce.big.targets")));
        assertTrue(Float.isFinite(loss.item()));
        Check.assertClose("loss", Fixtures.floats("ce.big.loss"), loss.toArray(), 1e-6, 0);
        loss.backward();
        Check.assertClose("grad", Fixtures.floats("ce.big.grad"), x.grad().toArray(), 1e-5, 1e-7);
    }

    @Test
    void nonContiguousLogitsGiveTheSameLossAsTheirCopy() {
        Tensor base = Tensor.randn(new Rng(7), 5, 3);
        Tensor y = Tensor.fromArray(0f, 2f, 4f);
        Tensor viaView = CrossEntropyLoss.crossEntropy(base.t(), y);
        Tensor viaCopy = CrossEntropyLoss.crossEntropy(base.t().contiguous(), y);
        assertEquals(viaCopy.item(), viaView.item());
    }

    @Test
    void targetsReceiveNoGradient() {
        Tensor x = Tensor.randn(new Rng(1), 2, 3).requiresGrad(true);
        Tensor y = Tensor.fromArray(0f, 2f).requiresGrad(true);
        CrossEntropyLoss.crossEntropy(x, y).backward();
        assertNull(y.grad());
    }

    @Test
    @SuppressWarnings("try") // the scope is used only for its close()
    void outputUnderNoGradHasNoHistory() {
        Tensor x = Tensor.randn(new Rng(1), 2, 3).requiresGrad(true);
        try (var ignored = Tensor.noGrad()) {
            assertNull(CrossEntropyLoss.crossEntropy(x, Tensor.fromArray(0f, 1f)).gradFnName());
        }
    }

    @Test
    void batchSizeMismatchIsNamed() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> CrossEntropyLoss.crossEntropy(Tensor.zeros(3, 4), Tensor.zeros(2)));
        assertTrue(e.getMessage().contains("batch size mismatch"), e.getMessage());
        assertTrue(e.getMessage().contains("[3, 4]"), e.getMessage());
    }

    @Test
    void classIndexOutOfRangeIsNamedWithItsPosition() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> CrossEntropyLoss.crossEntropy(Tensor.zeros(3, 4), Tensor.fromArray(0f, 4f, 1f)));
        assertTrue(e.getMessage().contains("target 4.0 at batch index 1"), e.getMessage());
        assertTrue(e.getMessage().contains("[0, 4)"), e.getMessage());
    }

    @Test
    void fractionalOrNegativeTargetsAreRejected() {
        assertThrows(IllegalArgumentException.class,
                () -> CrossEntropyLoss.crossEntropy(Tensor.zeros(1, 4), Tensor.fromArray(1.5f)));
        assertThrows(IllegalArgumentException.class,
                () -> CrossEntropyLoss.crossEntropy(Tensor.zeros(1, 4), Tensor.fromArray(-1f)));
    }

    @Test
    void wrongRanksAndSmoothingAreRejected() {
        assertThrows(IllegalArgumentException.class,
                () -> CrossEntropyLoss.crossEntropy(Tensor.zeros(4), Tensor.zeros(4)));
        assertThrows(IllegalArgumentException.class,
                () -> CrossEntropyLoss.crossEntropy(Tensor.zeros(2, 4), Tensor.zeros(2, 1)));
        assertThrows(IllegalArgumentException.class, () -> new CrossEntropyLoss(Reduction.MEAN, 1f));
        assertThrows(IllegalArgumentException.class, () -> new CrossEntropyLoss(Reduction.MEAN, Float.NaN));
    }

    @Test
    void noneReductionKeepsOneLossPerSample() {
        Tensor loss = new CrossEntropyLoss(Reduction.NONE, 0f).apply(Tensor.zeros(3, 2), Tensor.fromArray(0f, 1f, 0f));
        assertArrayEquals(new int[] {3}, loss.shape());
    }
}
