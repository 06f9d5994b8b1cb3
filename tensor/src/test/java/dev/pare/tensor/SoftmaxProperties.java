package dev.pare.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/** Laws of softmax and log-softmax, including extreme logits. */
class SoftmaxProperties {

    @Provide
    Arbitrary<int[]> shapes() {
        return Arbitraries.integers().between(1, 30).array(int[].class).ofMinSize(1).ofMaxSize(3);
    }

    @Property(tries = 80)
    void softmaxRowsArePositiveAndSumToOneAlongAnyDim(@ForAll("shapes") int[] shape, @ForAll long seed) {
        Rng rng = new Rng(seed);
        Tensor x = Tensor.randn(rng, shape).mul(20f);
        int dim = rng.nextInt(shape.length);
        Tensor y = x.softmax(dim);
        Tensor sums = y.sum(dim);
        for (float s : sums.toArray()) {
            if (Math.abs(s - 1f) > 1e-5f * shape[dim] + 1e-6f) {
                fail("softmax along " + dim + " of " + TestTensors.str(shape) + ": a row sums to " + s);
            }
        }
        for (float v : y.toArray()) {
            assertTrue(v >= 0f && v <= 1f, "softmax value " + v);
        }
    }

    @Property(tries = 80)
    void logSoftmaxIsTheLogOfSoftmax(@ForAll("shapes") int[] shape, @ForAll long seed) {
        Rng rng = new Rng(seed);
        Tensor x = Tensor.randn(rng, shape).mul(3f);
        int dim = shape.length - 1;
        float[] ls = x.logSoftmax(dim).toArray();
        float[] s = x.softmax(dim).toArray();
        for (int i = 0; i < s.length; i++) {
            assertTrue(Math.abs(Math.exp(ls[i]) - s[i]) <= 1e-5 * s[i] + 1e-7, "exp(logSoftmax) vs softmax at " + i);
        }
    }

    @Test
    void logSoftmaxStaysFiniteForLogitsOfPlusMinusTenThousand() {
        Tensor x = Tensor.fromArray(new float[] {1e4f, -1e4f, 0f, 1e4f, 1e4f, -1e4f}, 2, 3);
        float[] ls = x.logSoftmax(1).toArray();
        // Row 0: log softmax = x − 1e4 (the other terms vanish): [0, −2e4, −1e4].
        assertEquals(0f, ls[0], 1e-3f);
        assertEquals(-2e4f, ls[1], 1e-1f);
        assertEquals(-1e4f, ls[2], 1e-1f);
        // Row 1: two equal maxima share the mass: log(1/2).
        assertEquals((float) Math.log(0.5), ls[3], 1e-6f);
        assertEquals((float) Math.log(0.5), ls[4], 1e-6f);
        for (float v : ls) {
            assertTrue(Float.isFinite(v), "logSoftmax must stay finite, got " + v);
        }
        float[] sm = x.softmax(1).toArray();
        assertEquals(1f, sm[0], 0f);
        assertEquals(0.5f, sm[3], 1e-7f);
    }

    @Test
    void gradientOfLogSoftmaxAtExtremeLogitsIsFinite() {
        Tensor x = Tensor.fromArray(new float[] {1e4f, -1e4f, 0f}, 1, 3).requiresGrad(true);
        x.logSoftmax(1).select(1, 1).sum().backward();
        for (float g : x.grad().toArray()) {
            assertTrue(Float.isFinite(g), "gradient " + g);
        }
        assertEquals(-1f, x.grad().get(0, 0), 1e-6f);
        assertEquals(1f, x.grad().get(0, 1), 1e-6f);
    }
}
