package dev.pare.tensor;

/**
 * A small, seeded pseudo-random generator: xoshiro128** (Blackman and Vigna), whose four 32-bit
 * words of state are filled from the seed by SplitMix64.
 *
 * <p>Pare has no hidden global randomness: every function that draws random numbers takes an
 * {@code Rng}, so the same seed always gives the same tensors, on every JDK. (The JDK's own
 * generators are not specified to stay the same across releases.) An {@code Rng} is not
 * thread-safe; give each thread its own, for instance with {@link #fork}.
 */
public final class Rng {
    private int s0;
    private int s1;
    private int s2;
    private int s3;
    private double spareGaussian = Double.NaN;

    /** A generator whose whole future is determined by {@code seed}. */
    public Rng(long seed) {
        long z = seed;
        long a = splitMix(z += 0x9E3779B97F4A7C15L);
        long b = splitMix(z += 0x9E3779B97F4A7C15L);
        s0 = (int) a;
        s1 = (int) (a >>> 32);
        s2 = (int) b;
        s3 = (int) (b >>> 32);
        if ((s0 | s1 | s2 | s3) == 0) {
            s0 = 1; // the all-zero state is the one state xoshiro never leaves
        }
    }

    private static long splitMix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** The next 32 random bits. */
    public int nextInt() {
        int result = Integer.rotateLeft(s1 * 5, 7) * 9;
        int t = s1 << 9;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = Integer.rotateLeft(s3, 11);
        return result;
    }

    /** The next 64 random bits. */
    public long nextLong() {
        return ((long) nextInt() << 32) ^ (nextInt() & 0xFFFFFFFFL);
    }

    /** Uniform on {@code [0, bound)}, without modulo bias (Lemire's multiply-and-reject). */
    public int nextInt(int bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("Rng.nextInt: bound must be positive, got " + bound);
        }
        long m = (nextInt() & 0xFFFFFFFFL) * bound;
        long low = m & 0xFFFFFFFFL;
        if (low < bound) {
            long threshold = (0x1_0000_0000L - bound) % bound;
            while (low < threshold) {
                m = (nextInt() & 0xFFFFFFFFL) * bound;
                low = m & 0xFFFFFFFFL;
            }
        }
        return (int) (m >>> 32);
    }

    /** Uniform on {@code [0, 1)} with 24 random bits (every float of the form k·2^−24). */
    public float nextFloat() {
        return (nextInt() >>> 8) * 0x1.0p-24f;
    }

    /** Uniform on {@code [0, 1)} with 53 random bits. */
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /**
     * A standard normal sample, by the Marsaglia polar method. Each accepted pair gives two
     * samples; the second is kept for the next call.
     */
    public double nextGaussian() {
        if (!Double.isNaN(spareGaussian)) {
            double g = spareGaussian;
            spareGaussian = Double.NaN;
            return g;
        }
        double u;
        double v;
        double s;
        do {
            u = 2 * nextDouble() - 1;
            v = 2 * nextDouble() - 1;
            s = u * u + v * v;
        } while (s >= 1 || s == 0);
        double f = Math.sqrt(-2 * Math.log(s) / s);
        spareGaussian = v * f;
        return u * f;
    }

    /**
     * The generator's whole state as three longs: the four 32-bit xoshiro words in pairs
     * ({@code s1:s0}, {@code s3:s2}) and the raw bits of the Gaussian kept for the next
     * {@link #nextGaussian()} (NaN when there is none). A generator given this array by
     * {@link #restoreState} continues with exactly the numbers this one would have drawn next;
     * that is what lets a training run stopped mid-way resume bit for bit.
     */
    public long[] saveState() {
        return new long[] {
            ((long) s1 << 32) | (s0 & 0xFFFFFFFFL),
            ((long) s3 << 32) | (s2 & 0xFFFFFFFFL),
            Double.doubleToRawLongBits(spareGaussian)
        };
    }

    /**
     * Continues from a state made by {@link #saveState()}.
     *
     * @throws IllegalArgumentException if {@code state} is not three longs, or its xoshiro words
     *     are all zero (a state no generator reaches: the array did not come from saveState)
     */
    public void restoreState(long[] state) {
        if (state == null || state.length != 3) {
            throw new IllegalArgumentException("Rng.restoreState: expected the 3 longs of saveState(), got "
                    + (state == null ? "null" : state.length + " values"));
        }
        if (state[0] == 0 && state[1] == 0) {
            throw new IllegalArgumentException("Rng.restoreState: the xoshiro words are all zero, a state no generator"
                    + " reaches; the array did not come from saveState()");
        }
        s0 = (int) state[0];
        s1 = (int) (state[0] >>> 32);
        s2 = (int) state[1];
        s3 = (int) (state[1] >>> 32);
        spareGaussian = Double.longBitsToDouble(state[2]);
    }

    /** A new generator for an independent stream, seeded from this one. */
    public Rng fork() {
        return new Rng(nextLong());
    }

    /** A uniformly random permutation of {@code 0 … n-1} (Fisher–Yates). */
    public int[] permutation(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("Rng.permutation: n must be >= 0, got " + n);
        }
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
