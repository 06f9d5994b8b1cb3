package dev.pare.compress.search.latency;

/**
 * Where a timer reads the time, in nanoseconds from an arbitrary origin.
 *
 * <p>Production code uses {@link #SYSTEM}. Tests pass a fake clock that advances by a planned
 * amount per reading, so that warm-up and timing code can be checked deterministically: a test
 * that asserted on real elapsed time would fail on a loaded machine.
 */
@FunctionalInterface
public interface NanoClock {

    /** The current time in nanoseconds; only differences between two readings mean anything. */
    long nanoTime();

    /** {@link System#nanoTime()}: monotonic, unlike the wall clock, which may jump. */
    NanoClock SYSTEM = System::nanoTime;
}
