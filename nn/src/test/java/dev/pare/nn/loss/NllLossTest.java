package dev.pare.nn.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NllLossTest {

    @Test
    void picksTheNegatedLogProbabilityOfEachTarget() {
        Tensor p = Tensor.fromArray(new float[] {-1f, -2f, -3f, -4f, -5f, -6f}, 2, 3).requiresGrad(true);
        Tensor loss = NllLoss.nllLoss(p, Tensor.fromArray(2f, 0f));
        assertEquals((3f + 4f) / 2, loss.item(), 0f);
        loss.backward();
        Check.assertClose("grad", new float[] {0, 0, -0.5f, -0.5f, 0, 0}, p.grad().toArray(), 0, 0);
    }

    @ParameterizedTest
    @ValueSource(strings = {"mean", "sum"})
    void matchesPyTorch(String reduction) {
        Tensor p = Tensor.fromArray(Fixtures.floats("nll.logp"), 4, 6).requiresGrad(true);
        Tensor loss = new NllLoss(Reduction.valueOf(reduction.toUpperCase()))
                .apply(p, Tensor.fromArray(Fixtures.floats("nll.targets")));
        Check.assertClose("loss", Fixtures.floats("nll." + reduction + ".loss"), loss.toArray(), 1e-6, 0);
        loss.backward();
        Check.assertClose("grad", Fixtures.floats("nll." + reduction + ".grad"), p.grad().toArray(), 1e-6, 0);
    }

    @Test
    void equalsCrossEntropyAfterLogSoftmax() {
        Tensor x = Tensor.randn(new Rng(3), 5, 7);
        Tensor y = Tensor.fromArray(0f, 6f, 3f, 3f, 1f);
        assertEquals(CrossEntropyLoss.crossEntropy(x, y).item(), NllLoss.nllLoss(x.logSoftmax(1), y).item(), 1e-6);
    }

    @Test
    void badTargetsAreNamed() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> NllLoss.nllLoss(Tensor.zeros(2, 3), Tensor.fromArray(0f, 3f)));
        assertTrue(e.getMessage().startsWith("nllLoss: target 3.0 at batch index 1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> NllLoss.nllLoss(Tensor.zeros(2, 3), Tensor.zeros(3)));
    }
}
