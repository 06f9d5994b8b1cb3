package dev.pare.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The behaviours of the autograd engine a learner would ask about, one example each. */
class AutogradExamples {

    @Test
    void aTensorUsedTwiceReceivesTheSumOfBothGradients() {
        // micrograd's classic bug: b = a + a; c = b * b. dc/da = 2b · 2 = 8a.
        Tensor a = Tensor.fromArray(3f).requiresGrad(true);
        Tensor b = a.add(a);
        Tensor c = b.mul(b);
        c.sum().backward();
        assertEquals(24f, a.grad().item());
    }

    @Test
    void aDiamondGraphSumsBothPaths() {
        // y = exp(x)·sin-free: y = (x·2) · (x + 1) → dy/dx = 2(x+1) + 2x = 4x + 2.
        Tensor x = Tensor.fromArray(1.5f).requiresGrad(true);
        Tensor y = x.mul(2f).mul(x.add(1f));
        y.sum().backward();
        assertEquals(8f, x.grad().item(), 1e-6f);
    }

    @Test
    void aChainOfOneHundredThousandOpsDoesNotOverflowTheStack() {
        Tensor x = Tensor.fromArray(1f).requiresGrad(true);
        Tensor y = x;
        for (int i = 0; i < 100_000; i++) {
            y = y.add(1f);
        }
        y.sum().backward();
        assertEquals(1f, x.grad().item());
        assertEquals(100_001f, y.item());
    }

    @Test
    void gradientsAccumulateAcrossBackwardCallsUntilCleared() {
        Tensor w = Tensor.fromArray(2f, -1f).requiresGrad(true);
        w.mul(3f).sum().backward();
        w.mul(3f).sum().backward();
        assertArrayEquals(new float[] {6, 6}, w.grad().toArray(), 0f);
        w.setGrad(null);
        w.square().sum().backward();
        assertArrayEquals(new float[] {4, -2}, w.grad().toArray(), 0f);
    }

    @Test
    void broadcastGradientsAreSummedBackToTheInputShape() {
        Tensor x = Tensor.ones(4, 3).requiresGrad(true);
        Tensor bias = Tensor.zeros(3).requiresGrad(true);
        x.add(bias).sum().backward();
        assertArrayEquals(new int[] {3}, bias.grad().shape());
        assertArrayEquals(new float[] {4, 4, 4}, bias.grad().toArray(), 0f);
    }

    @Test
    void noGradScopeRecordsNothingAndNests() {
        Tensor w = Tensor.ones(2).requiresGrad(true);
        try (var outer = Tensor.noGrad()) {
            try (var inner = Tensor.noGrad()) {
                assertFalse(w.mul(2f).requiresGrad());
            }
            assertFalse(GradMode.isEnabled(), "still inside the outer scope");
            Tensor y = w.mul(2f);
            assertFalse(y.requiresGrad());
            assertNull(y.gradFnName());
        }
        assertTrue(GradMode.isEnabled());
        assertEquals("mul", w.mul(2f).gradFnName());
    }

    @Test
    void detachSharesStorageButCutsTheGraph() {
        Tensor w = Tensor.ones(3).requiresGrad(true);
        Tensor y = w.mul(2f);
        Tensor d = y.detach();
        assertSame(y.storage(), d.storage());
        assertFalse(d.requiresGrad());
        assertTrue(d.isLeaf());
    }

    @Test
    void inPlaceUpdateOfATensorThatRequiresGradIsRefusedOutsideNoGrad() {
        Tensor w = Tensor.ones(3).requiresGrad(true);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> w.addInPlace(Tensor.ones(3)));
        assertTrue(e.getMessage().contains("addInPlace") && e.getMessage().contains("noGrad"), e.getMessage());
        try (var s = Tensor.noGrad()) {
            w.addInPlace(Tensor.ones(3), -0.5f);
        }
        assertArrayEquals(new float[] {0.5f, 0.5f, 0.5f}, w.toArray(), 0f);
    }

    @Test
    void backwardOfANonScalarNeedsAnExplicitGradient() {
        Tensor w = Tensor.ones(2, 2).requiresGrad(true);
        Tensor y = w.mul(3f);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, y::backward);
        assertTrue(e.getMessage().contains("[2, 2]"), e.getMessage());
        y.backward(Tensor.full(2f, 2, 2));
        assertArrayEquals(new float[] {6, 6, 6, 6}, w.grad().toArray(), 0f);
    }

    @Test
    void backwardWithoutAnyInputRequiringGradIsAClearError() {
        Tensor y = Tensor.ones(2).mul(3f).sum();
        assertThrows(IllegalStateException.class, y::backward);
    }

    @Test
    void customOpsRecordedFromOutsideThePackageJoinTheGraph() {
        Tensor x = Tensor.fromArray(1f, 2f, 3f).requiresGrad(true);
        Tensor out;
        try (var s = Tensor.noGrad()) {
            out = x.mul(x).mul(x); // x³, computed without recording
        }
        Tensor cube = Tensor.recordOp("cube", out, g -> new Tensor[] {g.mul(x.square()).mul(3f)}, x);
        cube.sum().backward();
        assertArrayEquals(new float[] {3, 12, 27}, x.grad().toArray(), 0f);
        assertEquals("cube", cube.gradFnName());
    }

    @Test
    void gradientsFlowOnlyThroughTheDifferentiableInputsOfWhereAndGather() {
        Tensor x = Tensor.fromArray(new float[] {1, 2, 3, 4}, 2, 2).requiresGrad(true);
        Tensor picked = x.gather(1, Tensor.fromArray(new float[] {1, 1}, 2, 1));
        picked.sum().backward();
        assertArrayEquals(new float[] {0, 1, 0, 1}, x.grad().toArray(), 0f);
    }

    @Test
    void theGradientOfXToThePowerZeroIsZeroEvenAtZero() {
        Tensor x = Tensor.fromArray(0f, 2f).requiresGrad(true);
        x.pow(0f).sum().backward();
        assertArrayEquals(new float[] {0, 0}, x.grad().toArray(), 0f);
    }

    @Test
    void backwardAccumulatesIntoAGradientSetByHandEvenIfItIsAnExpandedView() {
        Tensor w = Tensor.zeros(2, 2).requiresGrad(true);
        Tensor shared = Tensor.fromArray(1f, 1f);
        w.setGrad(shared.expand(2, 2));
        w.mul(Tensor.fromArray(new float[] {1, 2, 3, 4}, 2, 2)).sum().backward();
        assertArrayEquals(new float[] {2, 3, 4, 5}, w.grad().toArray(), 0f);
        assertArrayEquals(new float[] {1, 1}, shared.toArray(), 0f, "the hand-set tensor is not written to");
    }
}
