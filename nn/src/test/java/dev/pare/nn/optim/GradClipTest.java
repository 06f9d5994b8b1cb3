package dev.pare.nn.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.nn.loss.Check;
import dev.pare.nn.loss.Fixtures;
import dev.pare.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class GradClipTest {

    private static Tensor withGrad(float... g) {
        Tensor p = Tensor.zeros(g.length).requiresGrad(true);
        p.setGrad(Tensor.fromArray(g));
        return p;
    }

    @Test
    void scalesTheGlobalNormDownToTheMaximum() {
        // Two parameters whose gradients [3] and [4] form one vector of norm 5.
        Tensor a = withGrad(3f);
        Tensor b = withGrad(4f);
        double norm = GradClip.clipGradNorm(List.of(a, b), 1.0);
        assertEquals(5.0, norm, 1e-12);
        double coef = 1.0 / (5.0 + 1e-6);
        assertEquals(3 * coef, a.grad().item(), 1e-7);
        assertEquals(4 * coef, b.grad().item(), 1e-7);
        assertEquals(1.0, GradClip.globalNorm(List.of(a, b)), 1e-6);
    }

    @Test
    void gradientsWithinTheMaximumAreUntouched() {
        Tensor a = withGrad(0.3f, -0.4f);
        assertEquals(0.5, GradClip.clipGradNorm(List.of(a), 1.0), 1e-7);
        assertArrayEquals(new float[] {0.3f, -0.4f}, a.grad().toArray());
    }

    @Test
    void parametersWithoutGradientAndAllZeroGradientsAreFine() {
        Tensor none = Tensor.zeros(3).requiresGrad(true);
        Tensor zero = withGrad(0f, 0f);
        assertEquals(0.0, GradClip.clipGradNorm(List.of(none, zero), 1.0));
        assertArrayEquals(new float[] {0f, 0f}, zero.grad().toArray());
    }

    @Test
    void nonFiniteNormIsReturnedAndGradientsLeftAlone() {
        Tensor a = withGrad(Float.NaN, 1f);
        assertTrue(Double.isNaN(GradClip.clipGradNorm(List.of(a), 1.0)));
        assertEquals(1f, a.grad().get(1));
    }

    @Test
    void badMaxNormIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> GradClip.clipGradNorm(List.of(withGrad(1f)), 0));
        assertThrows(IllegalArgumentException.class, () -> GradClip.clipGradNorm(List.of(withGrad(1f)), Double.NaN));
    }

    @ParameterizedTest
    @ValueSource(strings = {"1", "100"})
    void matchesPyTorch(String maxNorm) {
        Tensor a = Tensor.zeros(3, 4).requiresGrad(true);
        Tensor b = Tensor.zeros(5).requiresGrad(true);
        a.setGrad(Tensor.fromArray(Fixtures.floats("optim.grad0.a"), 3, 4));
        b.setGrad(Tensor.fromArray(Fixtures.floats("optim.grad0.b"), 5));
        double norm = GradClip.clipGradNorm(List.of(a, b), Double.parseDouble(maxNorm));
        String key = "optim.clip" + maxNorm;
        assertEquals(Fixtures.doubles(key + ".norm")[0], norm, 1e-6 * norm);
        Check.assertClose(key + ".a", Fixtures.floats(key + ".a"), a.grad().toArray(), 1e-6, 1e-8);
        Check.assertClose(key + ".b", Fixtures.floats(key + ".b"), b.grad().toArray(), 1e-6, 1e-8);
    }

    @Test
    void aGradientSetByHandAsAnExpandedViewCanBeClippedAndZeroed() {
        Tensor p = Tensor.zeros(2, 3).requiresGrad(true);
        p.setGrad(Tensor.fromArray(3f, 0f, 4f).expand(2, 3));   // norm √50 ≈ 7.07
        double norm = GradClip.clipGradNorm(java.util.List.of(p), 1.0);
        assertEquals(Math.sqrt(50), norm, 1e-5);
        assertEquals(1.0, GradClip.globalNorm(java.util.List.of(p)), 1e-5);
        p.setGrad(Tensor.fromArray(1f, 2f, 3f).expand(2, 3));
        new SGD(java.util.List.of(p), 0.1).zeroGrad();
        assertArrayEquals(new float[6], p.grad().toArray(), 0f);
    }
}
