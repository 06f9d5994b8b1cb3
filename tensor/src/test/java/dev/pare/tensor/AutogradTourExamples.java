package dev.pare.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The code of docs/autograd.md, kept compiling and correct by the suite. */
class AutogradTourExamples {

    /** softplus(x) = log(1 + e^x), a custom op: forward under noGrad, backward d/dx = sigmoid(x). */
    static Tensor softplus(Tensor x) {
        Tensor y;
        try (var scope = Tensor.noGrad()) {
            y = x.exp().add(1f).log();          // the forward pass, not recorded op by op
        }
        return Tensor.recordOp("softplus", y, g -> new Tensor[] {g.mul(x.sigmoid())}, x);
    }

    @Test
    void aCustomOpRecordsItsOwnBackward() {
        Tensor x = Tensor.fromArray(new float[] {-2f, 0f, 3f}).requiresGrad(true);
        Tensor y = softplus(x);
        y.sum().backward();
        assertEquals(1, y.shape().length);
        assertEquals((float) (1 / (1 + Math.exp(2))), x.grad().get(0), 1e-6f);   // sigmoid(−2)
        assertEquals(0.5f, x.grad().get(1), 1e-6f);                              // sigmoid(0)
        assertTrue(y.toString().contains("softplus"), y.toString());
    }

    @Test
    void theCustomOpAgreesWithCentralDifferences() {
        Tensor x = Tensor.randn(new Rng(3), 4, 5);
        GradCheck.assertGradientsMatch("softplus", t -> softplus(t[0]), x);
    }
}
