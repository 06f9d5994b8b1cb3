package dev.pare.compress.search.latency;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.function.LongSupplier;

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
 * successive rounds' median times agree within a tolerance <em>and the JIT compiler has been
 * quiet</em> meanwhile. Agreement alone is not enough: C1-compiled code runs at a steady speed
 * too, for hundreds of milliseconds, until C2 replaces it; timings that agree while methods are
 * still being compiled are a plateau, not the end. The JVM counts the time its compilers have
 * spent ({@link CompilationMXBean#getTotalCompilationTime()}); the warm-up waits until that count
 * has not moved for {@value #COMPILER_QUIET_MILLIS} ms, covering both compared rounds. Two guards:
 * <ul>
 *   <li>a minimum time, for a compilation that is queued or running but not yet counted;</li>
 *   <li>a maximum time: on a busy machine the rounds may never agree, and the timing must still
 *       end. The outcome says whether the timings settled, so a caller can tell.</li>
 * </ul>
 * Later units reuse kernels that are already compiled, so their warm-up usually ends at the
 * minimum; a unit that reaches a new code path (a 5×5 depthwise kernel after only 3×3 ones)
 * waits for it to be compiled.
 */
public final class WarmUp {
    /** Calls per round at least: a median of five is not moved by one slow call (a GC pause). */
    static final int ROUND_CALLS = 5;

    /** Duration of a round at least, so that rounds of tiny calls are not mere clock noise. */
    static final int ROUND_MILLIS = 10;

    /**
     * How long the compilers' time counter must stand still: longer than the gap between two
     * compilations of one warm-up (the compile queue drains method after method), shorter than a
     * C2 compilation of a big kernel is likely to leave uncounted past the minimum warm-up.
     */
    static final int COMPILER_QUIET_MILLIS = 100;

    /** The JVM's compiler time counter, or a constant 0 where the JVM does not keep one. */
    private static final LongSupplier JIT_MILLIS = jitMillis();

    /**
     * What a warm-up did.
     *
     * @param calls   untimed calls made
     * @param rounds  complete rounds
     * @param nanos   time spent
     * @param settled whether two successive rounds agreed with the compiler quiet (false: stopped
     *                at the maximum time)
     */
    public record Outcome(int calls, int rounds, long nanos, boolean settled) {}

    private WarmUp() {}

    /**
     * {@link #run(Runnable, NanoClock, LongSupplier, long, long, double)} watching this JVM's own
     * compilers.
     */
    public static Outcome run(Runnable call, NanoClock clock, long minNanos, long maxNanos, double tolerance) {
        return run(call, clock, JIT_MILLIS, minNanos, maxNanos, tolerance);
    }

    /**
     * Calls {@code call} repeatedly: stops after a round whose median time is within
     * {@code tolerance} (a fraction) of the previous round's median, once at least
     * {@code minNanos} have passed and {@code compilerMillis} has not changed for both rounds and
     * {@value #COMPILER_QUIET_MILLIS} ms; or as soon as {@code maxNanos} have passed.
     *
     * @param compilerMillis a counter that moves whenever the JIT finishes compiling something
     *                       (tests pass a fake one)
     * @throws IllegalArgumentException if the times are not {@code 0 <= min <= max} or the
     *                                  tolerance is not in (0, 1)
     */
    public static Outcome run(Runnable call, NanoClock clock, LongSupplier compilerMillis, long minNanos,
                              long maxNanos, double tolerance) {
        if (minNanos < 0 || maxNanos < minNanos || !(tolerance > 0 && tolerance < 1)) {
            throw new IllegalArgumentException("WarmUp.run: need 0 <= min " + minNanos + " <= max " + maxNanos
                    + " ns and tolerance " + tolerance + " in (0, 1)");
        }
        long start = clock.nanoTime();
        long roundNanos = ROUND_MILLIS * 1_000_000L;
        long quietNanos = COMPILER_QUIET_MILLIS * 1_000_000L;
        long[] times = new long[64];
        double previous = Double.NaN;
        long compiled = compilerMillis.getAsLong();
        long compiledChangedAt = start;
        long previousRoundStart = start;
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
            long c = compilerMillis.getAsLong();
            if (c != compiled) {
                compiled = c;
                compiledChangedAt = now;
            }
            double median = median(times, n);
            boolean agree = Math.abs(median - previous) <= tolerance * previous;
            boolean compilerQuiet = compiledChangedAt <= previousRoundStart && now - compiledChangedAt >= quietNanos;
            if (now - start >= minNanos && agree && compilerQuiet) {
                return new Outcome(calls, rounds, now - start, true);
            }
            previous = median;
            previousRoundStart = roundStart;
        }
    }

    private static LongSupplier jitMillis() {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        if (jit == null || !jit.isCompilationTimeMonitoringSupported()) {
            // No counter (an interpreter-only JVM, or one that does not report it): fall back to
            // agreement and the minimum time alone.
            return () -> 0L;
        }
        return jit::getTotalCompilationTime;
    }

    private static double median(long[] times, int n) {
        long[] sorted = Arrays.copyOf(times, n);
        Arrays.sort(sorted);
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
    }
}
