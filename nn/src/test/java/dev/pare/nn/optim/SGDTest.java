package dev.pare.nn.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

class SGDTest {

    private static Tensor param(float... v) {
        return Tensor.fromArray(v).requiresGrad(true);
    }

    @Test
    void plainStepMovesAgainstTheGradient() {
        Tensor p = param(1f, -2f);
        p.setGrad(Tensor.fromArray(0.5f, -1f));
        new SGD(List.of(p), 0.1).step();
        assertArrayEquals(new float[] {1f - 0.05f, -2f + 0.1f}, p.toArray(), 1e-7f);
    }

    @Test
    void momentumAccumulatesHandComputedSteps() {
        // g = 1 every step, μ = 0.9, η = 0.1: b = 1, 1.9, 2.71; θ = −0.1, −0.29, −0.561
        Tensor p = param(0f);
        SGD sgd = new SGD(List.of(p), 0.1, 0.9);
        float[] expected = {-0.1f, -0.29f, -0.561f};
        for (float e : expected) {
            p.setGrad(Tensor.fromArray(1f));
            sgd.step();
            assertEquals(e, p.item(), 1e-6f);
        }
    }

    @Test
    void dampeningSkipsTheFirstStepAsInPyTorch() {
        // μ = 0.5, τ = 0.5, g = 2: b₁ = 2 (no damping), b₂ = 0.5·2 + 0.5·2 = 2
        Tensor p = param(0f);
        SGD sgd = new SGD(List.of(p), 1, 0.5, 0.5, false, 0);
        p.setGrad(Tensor.fromArray(2f));
        sgd.step();
        assertEquals(-2f, p.item(), 0f);
        sgd.step();
        assertEquals(-4f, p.item(), 0f);
    }

    @Test
    void nesterovLooksAhead() {
        // μ = 0.5, g = 1: b₁ = 1, d = 1 + 0.5 = 1.5; b₂ = 1.5, d = 1 + 0.75 = 1.75
        Tensor p = param(0f);
        SGD sgd = new SGD(List.of(p), 1, 0.5, 0, true, 0);
        p.setGrad(Tensor.fromArray(1f));
        sgd.step();
        assertEquals(-1.5f, p.item(), 0f);
        sgd.step();
        assertEquals(-3.25f, p.item(), 0f);
    }

    @Test
    void weightDecayAddsLambdaTheta() {
        // g = 0, λ = 0.1, η = 1: θ ← θ − 0.1·θ
        Tensor p = param(2f);
        p.setGrad(Tensor.fromArray(0f));
        new SGD(List.of(p), 1, 0, 0, false, 0.1).step();
        assertEquals(1.8f, p.item(), 1e-6f);
    }

    @Test
    void parametersWithoutGradientAreSkipped() {
        Tensor p = param(1f);
        Tensor q = param(1f);
        q.setGrad(Tensor.fromArray(1f));
        new SGD(List.of(p, q), 0.5, 0.9, 0, false, 0.1).step();
        assertEquals(1f, p.item(), 0f);
        assertTrue(q.item() < 1f);
    }

    @Test
    void nonContiguousGradientIsRead() {
        Tensor p = Tensor.zeros(2, 2).requiresGrad(true);
        p.setGrad(Tensor.fromArray(new float[] {1, 2, 3, 4}, 2, 2).t());
        new SGD(List.of(p), 1).step();
        assertArrayEquals(new float[] {-1, -3, -2, -4}, p.toArray());
    }

    @Test
    void zeroGradKeepsTheTensorAndZeroesIt() {
        Tensor p = param(1f, 2f);
        Tensor g = Tensor.fromArray(3f, 4f);
        p.setGrad(g);
        new SGD(List.of(p), 1).zeroGrad();
        assertArrayEquals(new float[] {0f, 0f}, p.grad().toArray());
        assertTrue(p.grad() == g);
    }

    @Test
    void badConfigurationsAreRejected() {
        Tensor p = param(1f);
        assertThrows(IllegalArgumentException.class, () -> new SGD(List.of(p), 0.1, 0, 0, true, 0));
        assertThrows(IllegalArgumentException.class, () -> new SGD(List.of(p), 0.1, 0.9, 0.1, true, 0));
        assertThrows(IllegalArgumentException.class, () -> new SGD(List.of(p), -0.1));
        assertThrows(IllegalArgumentException.class, () -> new SGD(List.of(p), Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> new SGD(List.of(p), 0.1, -0.5));
        assertThrows(IllegalArgumentException.class, () -> new SGD(List.of(), 0.1));
    }

    @Test
    void parametersMustBeDistinctTrainableLeaves() {
        Tensor p = param(1f);
        var dup = assertThrows(IllegalArgumentException.class, () -> new SGD(List.of(p, p), 0.1));
        assertTrue(dup.getMessage().contains("same tensor"), dup.getMessage());
        var frozen = assertThrows(IllegalArgumentException.class, () -> new SGD(List.of(Tensor.zeros(2)), 0.1));
        assertTrue(frozen.getMessage().contains("requiresGrad"), frozen.getMessage());
        var derived = assertThrows(IllegalArgumentException.class, () -> new SGD(List.of(p.mul(2f)), 0.1));
        assertTrue(derived.getMessage().contains("leaf"), derived.getMessage());
    }

    @Test
    void learningRateCanBeChangedBetweenSteps() {
        Tensor p = param(0f);
        SGD sgd = new SGD(List.of(p), 1);
        p.setGrad(Tensor.fromArray(1f));
        sgd.setLearningRate(0.25);
        sgd.step();
        assertEquals(-0.25f, p.item(), 0f);
        assertEquals(0.25, sgd.learningRate());
        assertEquals(1, sgd.steps());
    }
}
