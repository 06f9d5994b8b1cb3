package dev.pare.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import org.junit.jupiter.api.Test;

class LinearTest {

    @Test
    @SuppressWarnings("try") // the scope is used only for closing
    void computesXTimesWTransposedPlusBias() {
        Linear fc = new Linear(3, 2, new Rng(1));
        try (var ignored = Tensor.noGrad()) {
            fc.weight().copyFrom(Tensor.fromArray(new float[] {1, 2, 3, 4, 5, 6}, 2, 3));
            fc.bias().copyFrom(Tensor.fromArray(10f, 20f));
        }
        Tensor y = fc.forward(Tensor.fromArray(new float[] {1, 0, -1, 2, 1, 0}, 2, 3));
        // row 1: [1·1 + 0·2 − 1·3, 1·4 + 0·5 − 1·6] + b = [8, 18]; row 2: [2 + 2, 8 + 5] + b = [14, 33]
        assertArrayEquals(new float[] {8, 18, 14, 33}, y.toArray());
    }

    @Test
    void acceptsAnyNumberOfLeadingDimensions() {
        Linear fc = new Linear(4, 3, new Rng(1));
        Tensor x = Tensor.randn(new Rng(2), 2, 5, 4);
        Tensor y = fc.forward(x);
        assertArrayEquals(new int[] {2, 5, 3}, y.shape());
        assertArrayEquals(fc.forward(x.reshape(10, 4)).toArray(), y.reshape(10, 3).toArray(), 1e-6f);
        assertArrayEquals(new int[] {3}, fc.forward(Tensor.ones(4)).shape());
    }

    @Test
    void wrongInputWidthNamesLayerAndShape() {
        Linear fc = new Linear(784, 256, new Rng(1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> fc.forward(Tensor.zeros(32, 100)));
        assertEquals("Linear(784 -> 256): input of shape [32, 100]: last dimension must be 784", e.getMessage());
    }

    @Test
    void defaultInitIsUniformWithinOneOverSqrtFanIn() {
        Linear fc = new Linear(100, 50, new Rng(3));
        float bound = 0.1f;
        float max = 0;
        for (float v : fc.weight().toArray()) {
            max = Math.max(max, Math.abs(v));
        }
        for (float v : fc.bias().toArray()) {
            max = Math.max(max, Math.abs(v));
        }
        assertEquals(true, max <= bound && max > 0.95f * bound, "max |w| = " + max);
    }

    @Test
    void sameSeedSameWeightsAndResetRedraws() {
        Linear a = new Linear(6, 4, new Rng(9));
        Linear b = new Linear(6, 4, new Rng(9));
        assertArrayEquals(a.weight().toArray(), b.weight().toArray());
        assertArrayEquals(a.bias().toArray(), b.bias().toArray());
        b.resetParameters(new Rng(10));
        assertEquals(false, java.util.Arrays.equals(a.weight().toArray(), b.weight().toArray()));
    }

    @Test
    void withoutBiasHasOnlyAWeight() {
        Linear fc = new Linear(3, 2, false, new Rng(1));
        assertNull(fc.bias());
        assertEquals(java.util.List.of("weight"), new java.util.ArrayList<>(fc.stateDict().keySet()));
        assertEquals("Linear(in_features=3, out_features=2, bias=false)", fc.toString());
    }
}
