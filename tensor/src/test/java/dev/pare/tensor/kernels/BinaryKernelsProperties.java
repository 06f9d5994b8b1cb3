package dev.pare.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.tensor.Rng;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Each binary vector kernel equals its scalar twin exactly, for every stride pattern it has a
 * vector path for (both contiguous, either side broadcast as stride 0) and for strided runs.
 * Exact, because each lane does the same single IEEE operation as the scalar loop.
 */
class BinaryKernelsProperties {

    @Provide
    Arbitrary<Integer> sizes() {
        return KernelSizes.sizes();
    }

    @Provide
    Arbitrary<Binary> ops() {
        return Arbitraries.of(Binary.class);
    }

    @Provide
    Arbitrary<int[]> stridePatterns() {
        return Arbitraries.of(new int[] {1, 1}, new int[] {1, 0}, new int[] {0, 1}, new int[] {2, 1}, new int[] {1, 3});
    }

    @Property(tries = 400)
    void vectorKernelEqualsScalarTwin(@ForAll("ops") Binary op, @ForAll("sizes") int n,
                                      @ForAll("stridePatterns") int[] strides, @ForAll long seed) {
        Rng rng = new Rng(seed);
        int as = strides[0];
        int bs = strides[1];
        float[] a = KernelSizes.values(rng, 1, Math.max(1, as * n), 3f);
        float[] b = KernelSizes.values(rng, 2, Math.max(1, bs * n), 3f);
        if (op == Binary.EQ) {
            for (int i = 0; i < Math.min(a.length, b.length); i += 3) {
                a[i] = b[i]; // make some comparisons true
            }
        }
        float[] expected = new float[n];
        float[] actual = new float[n];
        BinaryKernels.scalar(op, a, 1, as, b, 2, bs, expected, 0, 1, n);
        BinaryKernels.apply(op, a, 1, as, b, 2, bs, actual, 0, 1, n);
        for (int i = 0; i < n; i++) {
            assertTrue(Float.compare(expected[i], actual[i]) == 0,
                    op + " strides " + as + "/" + bs + " n=" + n + " index " + i + ": a=" + a[1 + i * as]
                            + " b=" + b[2 + i * bs] + ": scalar twin " + expected[i] + ", vector " + actual[i]);
        }
    }

    @Property(tries = 50)
    void outputMayAliasTheFirstInput(@ForAll("sizes") int n, @ForAll long seed) {
        Rng rng = new Rng(seed);
        float[] a = KernelSizes.values(rng, 0, n, 2f);
        float[] b = KernelSizes.values(rng, 0, n, 2f);
        float[] expected = new float[n];
        BinaryKernels.scalar(Binary.MUL, a, 0, 1, b, 0, 1, expected, 0, 1, n);
        BinaryKernels.apply(Binary.MUL, a, 0, 1, b, 0, 1, a, 0, 1, n);
        for (int i = 0; i < n; i++) {
            assertTrue(Float.compare(expected[i], a[i]) == 0, "in-place mul n=" + n + " index " + i);
        }
    }

    @net.jqwik.api.Example
    void comparisonKernelsTreatNaNZerosAndInfinitiesLikeJavasOperators() {
        float nan = Float.NaN;
        float inf = Float.POSITIVE_INFINITY;
        float[] special = {nan, 0f, -0f, inf, -inf, 1f, -1f, Float.MIN_VALUE, nan, -0f, 3f};
        int n = special.length * special.length;   // every pair, more than one vector's worth
        float[] a = new float[n];
        float[] b = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = special[i / special.length];
            b[i] = special[i % special.length];
        }
        for (Binary op : new Binary[] {Binary.GT, Binary.GE, Binary.LT, Binary.LE, Binary.EQ, Binary.RELU_GRAD}) {
            float[] expected = new float[n];
            float[] actual = new float[n];
            BinaryKernels.scalar(op, a, 0, 1, b, 0, 1, expected, 0, 1, n);
            BinaryKernels.apply(op, a, 0, 1, b, 0, 1, actual, 0, 1, n);
            for (int i = 0; i < n; i++) {
                assertTrue(Float.compare(expected[i], actual[i]) == 0,
                        op + "(" + a[i] + ", " + b[i] + "): scalar twin " + expected[i] + ", vector " + actual[i]);
            }
        }
    }

    @net.jqwik.api.Example
    void reluGradIsTheGradientTimesTheStepBitForBit() {
        float nan = Float.NaN;
        float inf = Float.POSITIVE_INFINITY;
        float[] special = {nan, 0f, -0f, inf, -inf, 1f, -1f, Float.MIN_VALUE, -Float.MIN_VALUE, 2.5f, -3f};
        int n = special.length * special.length;
        float[] g = new float[n];
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            g[i] = special[i / special.length];
            x[i] = special[i % special.length];
        }
        float[] zero = {0f};
        float[] step = new float[n];
        float[] product = new float[n];
        float[] fused = new float[n];
        BinaryKernels.scalar(Binary.GT, x, 0, 1, zero, 0, 0, step, 0, 1, n);
        BinaryKernels.scalar(Binary.MUL, g, 0, 1, step, 0, 1, product, 0, 1, n);
        BinaryKernels.apply(Binary.RELU_GRAD, g, 0, 1, x, 0, 1, fused, 0, 1, n);
        for (int i = 0; i < n; i++) {
            assertTrue(Float.compare(product[i], fused[i]) == 0,
                    "RELU_GRAD(g=" + g[i] + ", x=" + x[i] + "): g * (x > 0) = " + product[i] + ", fused " + fused[i]);
        }
    }
}
