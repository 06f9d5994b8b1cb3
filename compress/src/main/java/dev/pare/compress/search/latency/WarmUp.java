package dev.pare.compress.search.latency;

import java.util.Arrays;

/**
 * Runs a call untimed until its timings have settled, so that what is timed afterwards is the
 * compiled code the model will run with, not the JIT compiler at work.
 *
 * <p><b>Why a warm-up at all.</b> HotSpot first interprets a method, then compiles it with C1,
 * and only after thousands of calls or loop iterations with C2. Pare's kernels use the Vector
 * API, which only C2 turns into SIMD instructions: before that every {@code FloatVector} is an
 * object on the heap, and a kernel runs many times slower. C2 compiles on background threads, so
 * the time per call falls in steps (interpreter, C1, C2, sometimes a recompilation after a
 * deoptimisation) and then levels off. A unit timed without warm-up would report mostly the
 * compiler; and the first of two identical models timed one after the other would look slower.
 *
 * <p><b>How long.</b> A fixed number of calls is too few for a tiny call (a few microseconds
 * each: C2 has not even been triggered) and wasteful for a big one. So the warm-up runs in
 * rounds of at least {@value #ROUND_CALLS} calls and {@value #ROUND_MILLIS} ms, and ends when two
 * successive rounds' median times agree within a tolerance. Two guards:
 * <ul>
 *   <li>a minimum time: early rounds can agree by chance while C2 is still compiling in the
 *       background (the calls are all slow, equally), so agreement only counts after it;</li>
 *   <li>a maximum time: on a busy machine the rounds may never agree, and the timing must still
 *       end. The outcome says whether the timings settled, so a caller can tell.</li>
 * </ul>
 * Later units reuse kernels that are already compiled, so their warm-up usually ends at the
 * minimum.
 */
public final class WarmUp {
    /** Calls per round at least: a median of five is not moved by one slow call (a GC pause). */
    static final int ROUND_CALLS = 5;

    /** Duration of a round at least, so that rounds of tiny calls are not mere clock noise. */
    static final int ROUND_MILLIS = 10;

    /**
     * What a warm-up did.
     *
     * @param calls   untimed calls made
     * @param rounds  complete rounds
     * @param nanos   time spent
     * @param settled whether two successive rounds agreed (false: stopped at the maximum time)
     */
    public record Outcome(int calls, int rounds, long nanos, boolean settled) {}

    private WarmUp() {}

    /**
     * Calls {@code call} repeatedly: stops after a round whose median time is within
     * {@code tolerance} (a fraction) of the previous round's median, once at least
     * {@code minNanos} have passed; or as soon as {@code maxNanos} have passed.
     *
     * @throws IllegalArgumentException if the times are not {@code 0 <= min <= max} or the
     *                                  tolerance is not in (0, 1)
     */
    public static Outcome run(Runnable call, NanoClock clock, long minNanos, long maxNanos, double tolerance) {
        if (minNanos < 0 || maxNanos < minNanos || !(tolerance > 0 && tolerance < 1)) {
            throw new IllegalArgumentException("WarmUp.run: need 0 <= min " + minNanos + " <= max " + maxNanos
                    + " ns and tolerance " + tolerance + " in (0, 1)");
        }
        long start = clock.nanoTime();
        long roundNanos = ROUND_MILLIS * 1_000_000L;
        long[] times = new long[64];
        double previous = Double.NaN;
        int calls = 0;
        int rounds = 0;
        while (true) {
            long roundStart = clock.nanoTime();
            int n = 0;
            long now = roundStart;
            while (n < ROUND_CALLS || now - roundStart < roundNanos) {
                long t0 = clock.nanoTime();
                call.run();
                now = clock.nanoTime();
                if (n == times.length) {
                    times = Arrays.copyOf(times, 2 * n);
                }
                times[n++] = now - t0;
                calls++;
                if (now - start >= maxNanos) {
                    return new Outcome(calls, rounds, now - start, false);
                }
            }
            rounds++;
            double median = median(times, n);
            if (now - start >= minNanos && Math.abs(median - previous) <= tolerance * previous) {
                return new Outcome(calls, rounds, now - start, true);
            }
            previous = median;
        }
    }

    private static double median(long[] times, int n) {
        long[] sorted = Arrays.copyOf(times, n);
        Arrays.sort(sorted);
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
    }
}
