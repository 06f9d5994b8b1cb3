package dev.pare.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import org.junit.jupiter.api.Test;

class DropoutTest {

    @Test
    void trainingZeroesAboutPAndScalesSurvivorsByOneOverOneMinusP() {
        Dropout drop = new Dropout(0.25, 1);
        float[] y = drop.forward(Tensor.ones(100, 100)).toArray();
        int zeros = 0;
        for (float v : y) {
            if (v == 0f) {
                zeros++;
            } else {
                assertEquals(1f / 0.75f, v, 1e-6f);
            }
        }
        // Binomial(10000, 0.25): standard deviation about 43, so ±200 is more than 4.5 sigma.
        assertTrue(Math.abs(zeros - 2500) < 200, "zeros: " + zeros);
    }

    @Test
    void expectedValueIsPreserved() {
        float mean = new Dropout(0.5, 3).forward(Tensor.full(2f, 200, 100)).mean().item();
        // Each element is 0 or 4: standard deviation of the mean 2/sqrt(20000) ≈ 0.014.
        assertEquals(2f, mean, 0.07f);
    }

    @Test
    void evaluationIsTheIdentity() {
        Dropout drop = new Dropout(0.5, 1);
        drop.eval();
        Tensor x = Tensor.randn(new Rng(2), 4, 5);
        assertSame(x, drop.forward(x));
    }

    @Test
    void sameSeedGivesSameMasksAndConsecutiveCallsDiffer() {
        Tensor x = Tensor.ones(8, 8);
        Dropout a = new Dropout(0.5, 42);
        Dropout b = new Dropout(0.5, new Rng(42));
        float[] a1 = a.forward(x).toArray();
        assertArrayEquals(a1, b.forward(x).toArray());
        assertFalse(java.util.Arrays.equals(a1, a.forward(x).toArray()), "a new mask per call");
    }

    @Test
    void gradientIsMaskedAndScaledLikeTheOutput() {
        Tensor x = Tensor.ones(6, 7).requiresGrad(true);
        Tensor y = new Dropout(0.4, 5).forward(x);
        y.sum().backward();
        assertArrayEquals(y.toArray(), x.grad().toArray(), "for x = 1, dy/dx equals y elementwise");
    }

    @Test
    void pOfOneDropsEverythingWithoutNaN() {
        float[] y = new Dropout(1.0, 1).forward(Tensor.ones(3, 3)).toArray();
        assertArrayEquals(new float[9], y);
    }

    @Test
    void pOutsideTheUnitIntervalIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Dropout(1.5, 1));
        assertEquals("Dropout(p=1.5): p must be in [0, 1]", e.getMessage());
    }
}
