package dev.pare.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.tensor.Rng;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * The vector SGD update against its scalar twin, bit for bit: both round every multiply and add
 * separately in the same order, so there is no tolerance to choose.
 */
class SgdKernelsProperties {

    @Provide
    Arbitrary<Integer> sizes() {
        return KernelSizes.sizes();
    }

    @Property(tries = 200)
    void givesTheScalarTwinsBitsForEveryOption(@ForAll("sizes") int n, @ForAll @IntRange(max = 5) int offset,
                                               @ForAll boolean momentum, @ForAll boolean nesterov,
                                               @ForAll boolean decay, @ForAll boolean dampen,
                                               @ForAll @IntRange(min = 1, max = 3) int steps, @ForAll long seed) {
        Rng rng = new Rng(seed);
        float lr = 0.05f;
        float wd = decay ? 5e-4f : 0f;
        float mu = momentum ? 0.9f : 0f;
        float oneMinusTau = dampen && !nesterov ? 0.75f : 1f;
        float[] p1 = KernelSizes.values(rng, offset, n, 2f);
        float[] p2 = p1.clone();
        float[] b1 = momentum ? new float[n + 2 * offset] : null;
        float[] b2 = momentum ? new float[n + 2 * offset] : null;
        for (int s = 0; s < steps; s++) {
            float[] g = KernelSizes.values(rng, offset + 1, n, 1f);
            boolean first = s == 0;
            SgdKernels.sgdScalar(p1, offset, g, offset + 1, b1, offset, n, lr, wd, mu, oneMinusTau,
                    momentum && nesterov, first);
            SgdKernels.sgd(p2, offset, g, offset + 1, b2, offset, n, lr, wd, mu, oneMinusTau, momentum && nesterov,
                    first);
        }
        for (int i = 0; i < p1.length; i++) {
            int at = i;
            assertEquals(Float.floatToRawIntBits(p1[i]), Float.floatToRawIntBits(p2[i]),
                    () -> "sgd n=" + n + " parameter index " + at + ": scalar twin " + p1[at] + ", vector kernel "
                            + p2[at] + " (species " + VectorConfig.describe() + ")");
        }
        if (momentum) {
            for (int i = 0; i < b1.length; i++) {
                int at = i;
                assertEquals(Float.floatToRawIntBits(b1[i]), Float.floatToRawIntBits(b2[i]),
                        () -> "sgd n=" + n + " momentum buffer index " + at + ": scalar twin " + b1[at]
                                + ", vector kernel " + b2[at]);
            }
        }
    }

    @Example
    void infinitiesNansAndSignedZerosGoThroughAsInTheTwin() {
        float[] special = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -0f, 0f, 1e-45f, 3e38f};
        int n = 40;
        float[] p1 = new float[n];
        float[] g = new float[n];
        for (int i = 0; i < n; i++) {
            p1[i] = special[i % special.length];
            g[i] = special[(i * 3 + 1) % special.length];
        }
        float[] p2 = p1.clone();
        float[] b1 = new float[n];
        float[] b2 = new float[n];
        SgdKernels.sgdScalar(p1, 0, g, 0, b1, 0, n, 0.1f, 0.01f, 0.9f, 1f, true, true);
        SgdKernels.sgd(p2, 0, g, 0, b2, 0, n, 0.1f, 0.01f, 0.9f, 1f, true, true);
        for (int i = 0; i < n; i++) {
            assertEquals(Float.floatToRawIntBits(p1[i]), Float.floatToRawIntBits(p2[i]), "index " + i);
        }
    }

    @Example
    void plainSgdIsThetaMinusLearningRateTimesGradient() {
        float[] p = {1f, -2f, 0.5f};
        float[] g = {0.5f, 0.25f, -1f};
        SgdKernels.sgd(p, 0, g, 0, null, 0, 3, 0.5f, 0f, 0f, 1f, false, false);
        assertEquals(0.75f, p[0]);
        assertEquals(-2.125f, p[1]);
        assertEquals(1f, p[2]);
    }

    @Example
    void rejectsRangesOutsideTheArraysNamingThem() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SgdKernels.sgd(new float[4], 1, new float[4], 0, new float[2], 0, 4, 0.1f, 0f, 0.9f, 1f, false,
                        false));
        assertTrue(e.getMessage().startsWith("sgd: 4 elements at offsets 1 (parameters of length 4)"), e.getMessage());
    }
}
