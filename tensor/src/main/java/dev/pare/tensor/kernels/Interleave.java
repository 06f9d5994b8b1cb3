package dev.pare.tensor.kernels;

import static dev.pare.tensor.kernels.VectorConfig.FLOAT;

import java.util.function.IntPredicate;
import java.util.function.IntUnaryOperator;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;

/**
 * Dealing a run of floats out into its even and odd elements, and back, with scalar twins:
 * <pre>
 *   deinterleave:  dst[even + k] = x[from + 2k],   dst[odd + k] = x[from + 2k + 1]      k &lt; pairs
 *   interleave:    dst[to + 2k]  = src[even + k],  dst[to + 2k + 1] = src[odd + k]      k &lt; pairs
 * </pre>
 * A stride-2 convolution on phase planes ({@code dev.pare.nn.DepthwiseConvOp}) copies each
 * image row this way into its two column phases, and its input gradient back.
 *
 * <p>Why vectors: one float at a time, a copy costs a load, a store and the loop's bookkeeping
 * per element; a row of a 28 × 28 map is only 14 pairs, so C2's unrolled loop hardly runs and
 * the copies cost more than the convolution's arithmetic. Here two vectors of x hold
 * {@code LANES} pairs; one permute of each gathers its even elements into half a vector (its
 * odd elements with another), and a blend joins the two halves: four permutes and two blends
 * for {@code 2·LANES} floats. Interleaving is the same in reverse.
 *
 * <p>Rows are shorter than a vector pair more often than not (14 pairs against 16 lanes), so
 * the kernels can finish a run with one more whole vector step that goes past its end, when the
 * caller says how many floats there it may overwrite ({@code room}): {@link #deinterleave}
 * writes +0 there, {@link #interleave} writes floats that the caller overwrites later. Reads
 * past a run only need the array to be long enough. Without room, the rest is done one pair at
 * a time. Every float of a run is a copy, so the kernels give their twins' bits.
 *
 * <p>Trap (JDK 17): each {@code rearrange} checks its shuffle's indexes against a zero vector
 * that C2 reloads after any store into a float array, so each kernel computes all its
 * permutes of a step before it stores anything (see {@link GemmPacking#transposeBlock}).
 */
public final class Interleave {
    private Interleave() {}

    private static final int LANES = FLOAT.length();

    /** Lane i takes lane 2i mod LANES: the even elements of a vector into each half. */
    private static final VectorShuffle<Float> EVENS = shuffle(i -> 2 * i % LANES);
    /** Lane i takes lane (2i + 1) mod LANES: the odd elements into each half. */
    private static final VectorShuffle<Float> ODDS = shuffle(i -> (2 * i + 1) % LANES);
    /** Lane i takes lane ⌊i/2⌋: the first half of a vector, each element twice. */
    private static final VectorShuffle<Float> LOW_TWICE = shuffle(i -> i / 2);
    /** Lane i takes lane LANES/2 + ⌊i/2⌋: the second half, each element twice. */
    private static final VectorShuffle<Float> HIGH_TWICE = shuffle(i -> LANES / 2 + i / 2);
    private static final VectorMask<Float> UPPER_HALF = mask(i -> i >= LANES / 2);
    private static final VectorMask<Float> ODD_LANES = mask(i -> (i & 1) != 0);
    /** TAIL[r] marks lanes r and up: the lanes of a last step that lie past the run. */
    @SuppressWarnings("unchecked")
    private static final VectorMask<Float>[] TAIL = new VectorMask[LANES];

    static {
        for (int r = 0; r < LANES; r++) {
            int from = r;
            TAIL[r] = mask(i -> i >= from);
        }
    }

    private static VectorShuffle<Float> shuffle(IntUnaryOperator lane) {
        int[] source = new int[LANES];
        for (int i = 0; i < LANES; i++) {
            source[i] = lane.applyAsInt(i);
        }
        return VectorShuffle.fromArray(FLOAT, source, 0);
    }

    private static VectorMask<Float> mask(IntPredicate test) {
        boolean[] bits = new boolean[LANES];
        for (int i = 0; i < LANES; i++) {
            bits[i] = test.test(i);
        }
        return VectorMask.fromArray(FLOAT, bits, 0);
    }

    /** The scalar twin of {@link #deinterleave} (it never needs room). */
    public static void deinterleaveScalar(float[] x, int from, int pairs, float[] dst, int even, int odd) {
        check("deinterleaveScalar", x, from, 2 * pairs, dst, even, odd, pairs);
        for (int k = 0; k < pairs; k++) {
            dst[even + k] = x[from + 2 * k];
            dst[odd + k] = x[from + 2 * k + 1];
        }
    }

    /**
     * {@code dst[even + k] = x[from + 2k]} and {@code dst[odd + k] = x[from + 2k + 1]} for
     * {@code k < pairs}. With {@code room} ≥ 1, up to {@code min(room, LANES − 1)} floats after
     * each of the two runs ({@code dst[even + pairs…]}, {@code dst[odd + pairs…]}) may be set to
     * +0; with room 0, nothing outside the runs is written. The runs must not overlap x's range.
     */
    public static void deinterleave(float[] x, int from, int pairs, float[] dst, int even, int odd, int room) {
        check("deinterleave", x, from, 2 * pairs, dst, even, odd, pairs);
        int k = 0;
        for (; k + LANES <= pairs; k += LANES) {
            dealStep(x, from + 2 * k, dst, even + k, odd + k, null);
        }
        int rest = pairs - k;
        int end = k + LANES;   // a last whole step writes up to here in each run
        if (rest > 0 && LANES - rest <= room && from + 2 * end <= x.length
                && even + end <= dst.length && odd + end <= dst.length) {
            dealStep(x, from + 2 * k, dst, even + k, odd + k, TAIL[rest]);
            return;
        }
        for (; k < pairs; k++) {
            dst[even + k] = x[from + 2 * k];
            dst[odd + k] = x[from + 2 * k + 1];
        }
    }

    /** One step of {@link #deinterleave}: LANES pairs from x[at]; lanes in {@code past} (if any) become +0. */
    private static void dealStep(float[] x, int at, float[] dst, int e, int o, VectorMask<Float> past) {
        FloatVector v0 = FloatVector.fromArray(FLOAT, x, at);
        FloatVector v1 = FloatVector.fromArray(FLOAT, x, at + LANES);
        FloatVector evens = v0.rearrange(EVENS).blend(v1.rearrange(EVENS), UPPER_HALF);
        FloatVector odds = v0.rearrange(ODDS).blend(v1.rearrange(ODDS), UPPER_HALF);
        if (past != null) {
            evens = evens.blend(0f, past);
            odds = odds.blend(0f, past);
        }
        evens.intoArray(dst, e);
        odds.intoArray(dst, o);
    }

    /** The scalar twin of {@link #interleave} (it never needs room). */
    public static void interleaveScalar(float[] src, int even, int odd, int pairs, float[] dst, int to) {
        check("interleaveScalar", dst, to, 2 * pairs, src, even, odd, pairs);
        for (int k = 0; k < pairs; k++) {
            dst[to + 2 * k] = src[even + k];
            dst[to + 2 * k + 1] = src[odd + k];
        }
    }

    /**
     * {@code dst[to + 2k] = src[even + k]} and {@code dst[to + 2k + 1] = src[odd + k]} for
     * {@code k < pairs}. With room, up to {@code min(room, 2·LANES − 2)} floats after the run
     * ({@code dst[to + 2·pairs…]}) may be overwritten with floats read from past the two source
     * runs, which the caller must overwrite afterwards; with room 0, nothing outside the run is
     * written. The run must not overlap the source runs.
     */
    public static void interleave(float[] src, int even, int odd, int pairs, float[] dst, int to, int room) {
        check("interleave", dst, to, 2 * pairs, src, even, odd, pairs);
        int k = 0;
        for (; k + LANES <= pairs; k += LANES) {
            weaveStep(src, even + k, odd + k, dst, to + 2 * k);
        }
        int rest = pairs - k;
        int end = k + LANES;
        if (rest > 0 && 2 * (LANES - rest) <= room && to + 2 * end <= dst.length
                && even + end <= src.length && odd + end <= src.length) {
            weaveStep(src, even + k, odd + k, dst, to + 2 * k);
            return;
        }
        for (; k < pairs; k++) {
            dst[to + 2 * k] = src[even + k];
            dst[to + 2 * k + 1] = src[odd + k];
        }
    }

    /** One step of {@link #interleave}: LANES pairs to dst[at]. */
    private static void weaveStep(float[] src, int e, int o, float[] dst, int at) {
        FloatVector evens = FloatVector.fromArray(FLOAT, src, e);
        FloatVector odds = FloatVector.fromArray(FLOAT, src, o);
        FloatVector low = evens.rearrange(LOW_TWICE).blend(odds.rearrange(LOW_TWICE), ODD_LANES);
        FloatVector high = evens.rearrange(HIGH_TWICE).blend(odds.rearrange(HIGH_TWICE), ODD_LANES);
        low.intoArray(dst, at);
        high.intoArray(dst, at + LANES);
    }

    /** Both kernels' checks: the pair run {@code [at, at + length)} of {@code pairArray} and the two runs of {@code runs}. */
    private static void check(String op, float[] pairArray, int at, int length, float[] runs, int even, int odd,
                              int pairs) {
        if (pairs < 0 || at < 0 || even < 0 || odd < 0 || (long) at + length > pairArray.length
                || (long) even + pairs > runs.length || (long) odd + pairs > runs.length) {
            throw new IllegalArgumentException("interleave." + op + ": " + pairs + " pairs at " + at + " (array of "
                    + pairArray.length + ") and runs at " + even + " and " + odd + " (array of " + runs.length
                    + ") do not fit");
        }
    }
}
