package dev.pare.tensor.kernels;

import dev.pare.tensor.Rng;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;

/** The awkward sizes every kernel is checked at, and random inputs placed at odd offsets. */
final class KernelSizes {
    /** Empty, single, around one vector (for 8 or 16 lanes), primes, and long odd runs. */
    static final int[] SIZES = {0, 1, 7, 8, 9, 13, 15, 16, 17, 31, 33, 207, 1023, 4097};

    private KernelSizes() {}

    static Arbitrary<Integer> sizes() {
        return Arbitraries.of(java.util.Arrays.stream(SIZES).boxed().toArray(Integer[]::new));
    }

    /** n values in [-scale, scale) starting at offset {@code off} of a slightly longer array. */
    static float[] values(Rng rng, int off, int n, float scale) {
        float[] a = new float[off + n + 3];
        for (int i = 0; i < a.length; i++) {
            a[i] = (rng.nextFloat() * 2 - 1) * scale;
        }
        return a;
    }

    static String where(String kernel, int n, int i, float input, float expected, float actual) {
        return kernel + " n=" + n + " index " + i + ": input " + input + ", scalar twin " + expected
                + ", vector kernel " + actual + " (species " + VectorConfig.describe() + ")";
    }
}
