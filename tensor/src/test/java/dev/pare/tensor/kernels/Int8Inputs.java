package dev.pare.tensor.kernels;

import dev.pare.tensor.Rng;
import dev.pare.tensor.parallel.Parallel;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;

/**
 * Awkward sizes and int8 inputs (random, or saturated at the extremes) for the int8 kernel tests,
 * and a shape and thread setting for the tests of their split over threads.
 */
final class Int8Inputs {
    /** Empty, single, around one and two vectors of 16 or 32 lanes, primes, and long odd runs. */
    static final int[] SIZES = {0, 1, 7, 8, 9, 13, 15, 16, 17, 31, 32, 33, 47, 48, 49, 63, 64, 65, 95, 96, 97, 127, 128, 129,
            207, 1023, 4097};

    /**
     * A matrix-vector shape past the size at which the batch-1 kernels split their rows over
     * threads ({@link Int8Gemv#overRows}), with a row count that is no multiple of their 4-row
     * block, so that a piece ends in a partial block.
     */
    static final int SPLIT_ROWS = 1027;
    static final int SPLIT_COLS = 131;

    static {
        if ((long) SPLIT_ROWS * SPLIT_COLS < GemmBlocking.GEMV_PARALLEL_MIN_WORK) {
            throw new AssertionError("the split shape must reach GemmBlocking.GEMV_PARALLEL_MIN_WORK");
        }
    }

    /** {@code body}'s result computed on {@code threads} kernel threads; the setting is restored. */
    static <T> T onThreads(int threads, java.util.function.Supplier<T> body) {
        int before = Parallel.threads();
        try {
            Parallel.setThreads(threads);
            return body.get();
        } finally {
            Parallel.setThreads(before);
        }
    }

    /** How the bytes of a test are drawn. */
    enum Fill {
        /** Uniform over [−128, 127]. */
        RANDOM,
        /** Every byte −128: the largest product, 16384, everywhere. */
        ALL_MIN,
        /** Every byte 127. */
        ALL_MAX,
        /** −128 and 127 at random: the largest magnitudes with both signs. */
        EXTREMES
    }

    private Int8Inputs() {}

    static Arbitrary<Integer> sizes() {
        return Arbitraries.of(java.util.Arrays.stream(SIZES).boxed().toArray(Integer[]::new));
    }

    /** n bytes starting at {@code off} of an array a few bytes longer (the padding is random too). */
    static byte[] bytes(Rng rng, Fill fill, int off, int n) {
        byte[] a = new byte[off + n + 5];
        for (int i = 0; i < a.length; i++) {
            switch (fill) {
                case ALL_MIN: a[i] = -128; break;
                case ALL_MAX: a[i] = 127; break;
                case EXTREMES: a[i] = rng.nextInt(2) == 0 ? (byte) -128 : (byte) 127; break;
                default: a[i] = (byte) (rng.nextInt(256) - 128);
            }
        }
        return a;
    }

    /** Σ a·b in long: an oracle that cannot overflow, independent of both kernels. */
    static long longDot(byte[] a, int ao, byte[] b, int bo, int n) {
        long s = 0;
        for (int i = 0; i < n; i++) {
            s += (long) a[ao + i] * b[bo + i];
        }
        return s;
    }

    static String species() {
        return " (" + Int8Species.describe() + ")";
    }
}
