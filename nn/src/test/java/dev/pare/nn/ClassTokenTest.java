package dev.pare.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** ClassToken prepends its token to every sequence; its gradient is the batch's sum at position 0. */
class ClassTokenTest {

    @Test
    void theTokenComesFirstAndTheSequenceFollowsUnchanged() {
        Rng rng = new Rng(3);
        ClassToken cls = new ClassToken(4);
        assertArrayEquals(new float[4], cls.token().toArray(), 0f, "zeros at init");
        Init.normal(cls.token(), 0, 1, rng);
        Tensor x = Tensor.randn(rng, 2, 3, 4);
        Tensor y = cls.forward(x);
        assertArrayEquals(new int[] {2, 4, 4}, y.shape());
        for (int b = 0; b < 2; b++) {
            assertArrayEquals(cls.token().reshape(4).toArray(), y.select(0, b).select(0, 0).toArray(), 0f);
            assertArrayEquals(x.select(0, b).toArray(), y.select(0, b).narrow(0, 1, 3).toArray(), 0f);
        }
    }

    @Test
    void theTokensGradientIsTheSumOverTheBatchAtPositionZero() {
        Rng rng = new Rng(4);
        ClassToken cls = new ClassToken(3);
        Tensor x = Tensor.randn(rng, 5, 2, 3).requiresGrad(true);
        Tensor g = Tensor.randn(rng, 5, 3, 3);
        cls.forward(x).backward(g);
        float[] expected = new float[3];
        for (int b = 0; b < 5; b++) {
            for (int d = 0; d < 3; d++) {
                expected[d] += g.get(b, 0, d);
            }
        }
        assertArrayEquals(expected, cls.token().grad().toArray(), 1e-6f);
        assertArrayEquals(g.narrow(1, 1, 2).contiguous().toArray(), x.grad().toArray(), 0f);
        GradCheck.assertGradientsMatch("ClassToken", in -> cls.forward(in[0]), x, cls.token());
    }

    @Test
    void aSequenceOfTheWrongWidthIsRefusedWithItsShape() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ClassToken(4).forward(Tensor.zeros(2, 3, 5)));
        assertTrue(e.getMessage().contains("[2, 3, 5]") && e.getMessage().contains("[B, T, 4]"), e.getMessage());
    }
}
