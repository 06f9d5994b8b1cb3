package dev.pare.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.tensor.Rng;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Row softmax and log-softmax kernels against their scalar twins. */
class SoftmaxKernelsProperties {

    @Provide
    Arbitrary<Integer> sizes() {
        return KernelSizes.sizes().filter(n -> n > 0);
    }

    @Property(tries = 150)
    void softmaxEqualsScalarTwin(@ForAll("sizes") int n, @ForAll long seed) {
        float[] x = KernelSizes.values(new Rng(seed), 1, n, 30f);
        float[] e = new float[n];
        float[] a = new float[n];
        SoftmaxKernels.softmaxScalar(x, 1, e, 0, n);
        SoftmaxKernels.softmax(x, 1, a, 0, n);
        for (int i = 0; i < n; i++) {
            assertTrue(Math.abs(e[i] - a[i]) <= 1e-6f * Math.max(1, n) * Math.abs(e[i]) + 1e-9f,
                    KernelSizes.where("softmax", n, i, x[1 + i], e[i], a[i]));
        }
    }

    @Property(tries = 150)
    void logSoftmaxEqualsScalarTwin(@ForAll("sizes") int n, @ForAll long seed) {
        float[] x = KernelSizes.values(new Rng(seed), 1, n, 30f);
        float[] e = new float[n];
        float[] a = new float[n];
        SoftmaxKernels.logSoftmaxScalar(x, 1, e, 0, n);
        SoftmaxKernels.logSoftmax(x, 1, a, 0, n);
        for (int i = 0; i < n; i++) {
            assertTrue(Math.abs(e[i] - a[i]) <= 2e-6f * (1 + Math.abs(e[i])),
                    KernelSizes.where("logSoftmax", n, i, x[1 + i], e[i], a[i]));
        }
    }

    @Property(tries = 150)
    void softmaxBackwardEqualsScalarTwin(@ForAll("sizes") int n, @ForAll long seed) {
        Rng rng = new Rng(seed);
        float[] x = KernelSizes.values(rng, 2, n, 10f);
        float[] y = new float[n + 1];
        SoftmaxKernels.softmaxScalar(x, 2, y, 1, n);
        float[] g = KernelSizes.values(rng, 3, n, 1f);
        float[] e = new float[n];
        float[] a = new float[n + 2];
        SoftmaxKernels.softmaxBackwardScalar(y, 1, g, 3, e, 0, n);
        SoftmaxKernels.softmaxBackward(y, 1, g, 3, a, 2, n);
        // The dot Σ g·y is summed in a different order (and fused) on vector lanes; |g| ≤ 1 and
        // Σ y = 1 bound it by 1, so its error is a few ulps of 1, scaled by y[i].
        for (int i = 0; i < n; i++) {
            assertTrue(Math.abs(e[i] - a[i + 2]) <= 1e-6f * Math.max(1, n) * y[1 + i] + 1e-9f,
                    KernelSizes.where("softmaxBackward", n, i, g[3 + i], e[i], a[i + 2]));
        }
    }

    @Property(tries = 60)
    void softmaxBackwardMayOverwriteItsGradient(@ForAll("sizes") int n, @ForAll long seed) {
        Rng rng = new Rng(seed);
        float[] x = KernelSizes.values(rng, 0, n, 5f);
        float[] y = new float[n];
        SoftmaxKernels.softmax(x, 0, y, 0, n);
        float[] g = KernelSizes.values(rng, 0, n, 1f);
        float[] expected = new float[n];
        SoftmaxKernels.softmaxBackward(y, 0, g, 0, expected, 0, n);
        SoftmaxKernels.softmaxBackward(y, 0, g, 0, g, 0, n);
        for (int i = 0; i < n; i++) {
            assertTrue(expected[i] == g[i], "in place, n=" + n + " index " + i + ": " + expected[i] + " vs " + g[i]);
        }
    }

    /** The gradient of softmax is orthogonal to the constant direction: Σ dx = 0 for any g. */
    @Property(tries = 80)
    void softmaxBackwardSumsToZero(@ForAll("sizes") int n, @ForAll long seed) {
        Rng rng = new Rng(seed);
        float[] x = KernelSizes.values(rng, 0, n, 20f);
        float[] y = new float[n];
        SoftmaxKernels.softmax(x, 0, y, 0, n);
        float[] g = KernelSizes.values(rng, 0, n, 1f);
        float[] dx = new float[n];
        SoftmaxKernels.softmaxBackward(y, 0, g, 0, dx, 0, n);
        double s = 0;
        for (float v : dx) {
            s += v;
        }
        assertTrue(Math.abs(s) <= 1e-6 * Math.max(1, n), "n=" + n + ": Σ dx = " + s);
    }
}
