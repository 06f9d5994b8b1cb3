package dev.pare.bench;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * How long a cache line takes to go from one thread to another and back, on the cores the
 * operating system gives two busy threads: the hand-off price every parallel kernel pays twice per
 * call (the caller posts a chunk to the worker, the worker says it is done).
 *
 * <p>Why it is worth measuring: on a virtual machine the two virtual CPUs of a 2-core instance
 * are wherever the host put them, and the host moves them. Two hyperthreads of one core, or two
 * cores of one core complex, pass a line in tens of nanoseconds (the hyperthreads, though, share
 * one core's execution units, so two compute-bound halves run at about one core's speed); two
 * cores on different chiplets (AMD's CCDs) pass it through the I/O die, several times slower. A
 * kernel that takes a few microseconds on two threads then spends a large part of them waiting
 * for lines. {@code bench/peers/compare.py} prints this figure, per round, at each section's
 * start and right before each int8 shape's 2-thread cells, so that a 2-thread ratio can be read
 * with the placement it was measured on.
 *
 * <p>It bounces a counter between the calling thread and a spinning helper thread for
 * {@code millis} milliseconds, in samples of 10,000 round trips, and prints the median round
 * trip in nanoseconds and the fastest and slowest sample.
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar dev.pare.bench.CoreToCore [millis]
 * </pre>
 */
public final class CoreToCore {
    private CoreToCore() {}

    /** Round trips per sample: long enough that reading the clock costs nothing. */
    private static final int TRIPS = 10_000;

    /**
     * The two counters, 16 longs (128 bytes) apart: on separate cache lines, and not on adjacent
     * ones either, which some CPUs fetch in pairs.
     */
    private static final int PING = 0;
    private static final int PONG = 16;

    public static void main(String[] args) throws InterruptedException {
        long millis = args.length > 0 ? Long.parseLong(args[0]) : 1000;
        if (millis < 1) {
            throw new IllegalArgumentException("CoreToCore: millis must be at least 1, got " + millis);
        }
        double[] ns = measure(millis);
        double[] sorted = ns.clone();
        Arrays.sort(sorted);
        System.out.printf("core-to-core round trip: %.0f ns (median of %d samples of %d; fastest %.0f, slowest %.0f)%n",
                sorted[sorted.length / 2], sorted.length, TRIPS, sorted[0], sorted[sorted.length - 1]);
    }

    /** Nanoseconds per round trip, one entry per sample of {@link #TRIPS}, over about {@code millis} ms. */
    static double[] measure(long millis) throws InterruptedException {
        AtomicLongArray line = new AtomicLongArray(PONG + 1);
        Thread echo = new Thread(() -> {
            long seen = 0;
            while (true) {
                long v;
                while ((v = line.get(PING)) == seen) {
                    Thread.onSpinWait();
                }
                if (v < 0) {
                    return;
                }
                seen = v;
                line.set(PONG, v);
            }
        }, "core-to-core-echo");
        echo.setDaemon(true);
        echo.start();
        long next = 0;
        // A warm-up of a fifth of the time (at least one sample): both loops compiled, both threads on a core.
        long warmEnd = System.nanoTime() + millis * 200_000L;
        do {
            next = sample(line, next);
        } while (System.nanoTime() < warmEnd);
        double[] ns = new double[16];
        int n = 0;
        long end = System.nanoTime() + millis * 1_000_000L;
        do {
            long t0 = System.nanoTime();
            next = sample(line, next);
            if (n == ns.length) {
                ns = Arrays.copyOf(ns, 2 * n);
            }
            ns[n++] = (System.nanoTime() - t0) / (double) TRIPS;
        } while (System.nanoTime() < end);
        line.set(PING, -1);
        echo.join();
        return Arrays.copyOf(ns, n);
    }

    /** {@link #TRIPS} round trips from counter value {@code from}; returns the last value sent. */
    private static long sample(AtomicLongArray line, long from) {
        long v = from;
        for (int i = 0; i < TRIPS; i++) {
            v++;
            line.set(PING, v);
            while (line.get(PONG) != v) {
                Thread.onSpinWait();
            }
        }
        return v;
    }
}
