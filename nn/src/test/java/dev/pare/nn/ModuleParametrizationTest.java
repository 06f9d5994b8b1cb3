package dev.pare.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The hook that lets code outside a layer reparametrise its weight (pruning's mask). */
class ModuleParametrizationTest {

    @Test
    void linearUsesTheParametrizedWeightAndGradientsFlowThroughIt() {
        Linear fc = new Linear(3, 2, false, new Rng(1));
        Tensor w = fc.weight();
        Tensor mask = Tensor.fromArray(new float[] {1, 0, 1, 0, 1, 1}, 2, 3);
        fc.setParametrization("weight", () -> w.mul(mask));
        Tensor x = Tensor.fromArray(new float[] {1, 2, 3}, 1, 3);

        Tensor y = fc.forward(x);
        float[] wv = w.toArray();
        // Oracle: the product written out by hand.
        assertArrayEquals(new float[] {wv[0] + 3 * wv[2], 2 * wv[4] + 3 * wv[5]}, y.toArray(), 1e-6f);

        y.sum().backward();
        // dL/dW = x per row, times the mask: pruned entries get exactly zero.
        assertArrayEquals(new float[] {1, 0, 3, 0, 2, 3}, w.grad().toArray());
    }

    @Test
    void nullRemovesTheParametrization() {
        Linear fc = new Linear(2, 2, new Rng(2));
        fc.setParametrization("weight", () -> Tensor.zeros(2, 2));
        assertTrue(fc.isParametrized("weight"));
        fc.setParametrization("weight", null);
        assertFalse(fc.isParametrized("weight"));
        Tensor x = Tensor.ones(1, 2);
        assertArrayEquals(x.matmul(fc.weight().t()).add(fc.bias()).toArray(), fc.forward(x).toArray());
    }

    @Test
    void removingAndRegisteringRenamesAParameterInTheStateDict() {
        Linear fc = new Linear(2, 3, new Rng(3));
        Tensor w = fc.removeParameter("weight");
        fc.registerParameter("weight_orig", w);
        fc.registerBuffer("weight_mask", Tensor.ones(3, 2));
        assertEquals(List.of("bias", "weight_orig", "weight_mask"), List.copyOf(fc.stateDict().keySet()));
        assertEquals(List.of("bias", "weight_orig"), List.copyOf(fc.namedParameters().keySet()));
        fc.removeBuffer("weight_mask");
        fc.registerParameter("weight", fc.removeParameter("weight_orig"));
        assertEquals(List.of("bias", "weight"), List.copyOf(fc.stateDict().keySet()));
    }

    @Test
    void removingAMissingParameterNamesWhatThereIs() {
        Linear fc = new Linear(2, 3, new Rng(3));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> fc.removeParameter("wieght"));
        assertTrue(e.getMessage().contains("no parameter \"wieght\"") && e.getMessage().contains("weight"), e.getMessage());
    }

    @Test
    void conv2dUsesTheParametrizedWeight() {
        Conv2d conv = new Conv2d(1, 1, 1, 1, 0, new Rng(4));
        conv.setParametrization("weight", () -> Tensor.zeros(1, 1, 1, 1));
        Tensor y = conv.forward(Tensor.ones(1, 1, 2, 2));
        float b = conv.bias().item();
        assertArrayEquals(new float[] {b, b, b, b}, y.toArray());
    }
}
