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
}
