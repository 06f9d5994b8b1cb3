package dev.pare.nn.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.pare.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

class AdamTest {

    @Test
    void firstStepMovesEachParameterByTheLearningRate() {
        // After bias correction m̂ = g and v̂ = g², so the step is η·g/(|g| + ε) ≈ η·sign(g).
        Tensor p = Tensor.fromArray(0f, 0f, 0f).requiresGrad(true);
        p.setGrad(Tensor.fromArray(3f, -0.001f, 50f));
        new Adam(List.of(p), 0.1).step();
        assertArrayEquals(new float[] {-0.1f, 0.1f, -0.1f}, p.toArray(), 1e-5f);
    }

    @Test
    void twoStepsMatchTheFormulaInDouble() {
        double lr = 0.01;
        double b1 = 0.9;
        double b2 = 0.999;
        double eps = 1e-8;
        double[] grads = {0.5, -1.5};
        double theta = 1;
        double m = 0;
        double v = 0;
        Tensor p = Tensor.fromArray(1f).requiresGrad(true);
        Adam adam = new Adam(List.of(p), lr);
        for (int t = 1; t <= grads.length; t++) {
            double g = grads[t - 1];
            m = b1 * m + (1 - b1) * g;
            v = b2 * v + (1 - b2) * g * g;
            theta -= lr / (1 - Math.pow(b1, t)) * m / (Math.sqrt(v) / Math.sqrt(1 - Math.pow(b2, t)) + eps);
            p.setGrad(Tensor.fromArray((float) g));
            adam.step();
            assertEquals(theta, p.item(), 1e-6);
            assertEquals(t, adam.stepCount(0));
        }
    }

    @Test
    void adamWDecaysWeightsDirectlyAndAdamThroughTheGradient() {
        // Zero gradient, λ = 0.5, η = 0.1. AdamW: θ·(1 − 0.05) and no Adam move (m = 0).
        // Adam: g = λθ = 1, so the first step is ≈ −η.
        Tensor w = Tensor.fromArray(2f).requiresGrad(true);
        Tensor a = Tensor.fromArray(2f).requiresGrad(true);
        w.setGrad(Tensor.fromArray(0f));
        a.setGrad(Tensor.fromArray(0f));
        new AdamW(List.of(w), 0.1, 0.9, 0.999, 1e-8, 0.5).step();
        new Adam(List.of(a), 0.1, 0.9, 0.999, 1e-8, 0.5).step();
        assertEquals(1.9f, w.item(), 1e-6f);
        assertEquals(1.9f, a.item(), 1e-6f);
        // The same move at θ = 2 by coincidence; at θ = 10 the L2 step stays ≈ η (Adam normalises
        // the gradient) while the decoupled shrink grows with θ.
        Tensor w10 = Tensor.fromArray(10f).requiresGrad(true);
        Tensor a10 = Tensor.fromArray(10f).requiresGrad(true);
        w10.setGrad(Tensor.fromArray(0f));
        a10.setGrad(Tensor.fromArray(0f));
        new AdamW(List.of(w10), 0.1, 0.9, 0.999, 1e-8, 0.5).step();
        new Adam(List.of(a10), 0.1, 0.9, 0.999, 1e-8, 0.5).step();
        assertEquals(9.5f, w10.item(), 1e-5f);
        assertEquals(9.9f, a10.item(), 1e-5f);
    }

    @Test
    void adamWDefaultsToWeightDecayOfOneHundredth() {
        Tensor w = Tensor.fromArray(1f).requiresGrad(true);
        w.setGrad(Tensor.fromArray(0f));
        new AdamW(List.of(w), 1).step();
        assertEquals(0.99f, w.item(), 1e-7f);
    }

    @Test
    void badHyperParametersAreRejected() {
        List<Tensor> ps = List.of(Tensor.zeros(1).requiresGrad(true));
        assertThrows(IllegalArgumentException.class, () -> new Adam(ps, 0.1, 1.0, 0.999, 1e-8, 0));
        assertThrows(IllegalArgumentException.class, () -> new Adam(ps, 0.1, 0.9, -0.1, 1e-8, 0));
        assertThrows(IllegalArgumentException.class, () -> new Adam(ps, 0.1, 0.9, 0.999, -1, 0));
        assertThrows(IllegalArgumentException.class, () -> new AdamW(ps, 0.1, 0.9, 0.999, 1e-8, -0.1));
    }
}
