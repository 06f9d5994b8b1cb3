package dev.pare.compress.search.latency;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the JVM's heap is fixed and already touched, as steady latency figures need.
 *
 * <p><b>The trap.</b> A forward pass allocates its outputs and workspaces, megabytes per call for
 * a convolution. The JVM starts with a small heap and grows it as the allocation rate rises;
 * each time, the new memory is fresh from the operating system, and the first write to each of
 * its pages costs a page fault in which the kernel zeroes the page. Until the new young
 * generation has been filled once, an allocation-heavy forward pass runs many times slower, for
 * about a second, and then fast again until the next growth. Timings taken in such a phase look
 * like a JIT warm-up that never ends, and a latency table cached from them is wrong for good.
 *
 * <p><b>The cure</b> is two JVM options, which a library cannot set for its own JVM:
 * {@code -Xms} equal to {@code -Xmx} (the heap never grows) and {@code -XX:+AlwaysPreTouch}
 * (every page is touched at start-up). {@link #check()} logs a warning once when they are
 * missing; for Pare's command-line tools, {@code PARE_JAVA_OPTS="-Xms2g -Xmx2g -XX:+AlwaysPreTouch"}.
 */
public final class SteadyHeap {
    private static final Logger LOG = LoggerFactory.getLogger(SteadyHeap.class);
    private static final AtomicBoolean WARNED = new AtomicBoolean();

    /** The options that make the heap steady, to quote in messages and docs. */
    public static final String OPTIONS = "-Xms2g -Xmx2g -XX:+AlwaysPreTouch";

    private SteadyHeap() {}

    /**
     * Whether the heap cannot grow any more ({@code Runtime.totalMemory() == maxMemory()}) and
     * was pre-touched ({@code -XX:+AlwaysPreTouch} among the JVM's arguments).
     */
    public static boolean isSteady() {
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() >= rt.maxMemory() && preTouched();
    }

    /** Logs a warning, once per JVM, if the heap is not steady; returns {@link #isSteady()}. */
    public static boolean check() {
        boolean steady = isSteady();
        if (!steady && WARNED.compareAndSet(false, true)) {
            Runtime rt = Runtime.getRuntime();
            boolean grows = rt.totalMemory() < rt.maxMemory();
            String what = grows && !preTouched() ? "can still grow and is not pre-touched"
                    : grows ? "can still grow" : "is not pre-touched";
            LOG.warn("latency timings: the JVM heap {} (committed {} MB of at most {} MB); first touches of new heap "
                            + "pages can slow allocation-heavy forward passes many times over for about a second at a "
                            + "time. For steady figures start the JVM with -Xms equal to -Xmx and -XX:+AlwaysPreTouch, "
                            + "e.g. {}",
                    what, rt.totalMemory() >> 20, rt.maxMemory() >> 20, OPTIONS);
        }
        return steady;
    }

    private static boolean preTouched() {
        try {
            List<String> args = ManagementFactory.getRuntimeMXBean().getInputArguments();
            return args.contains("-XX:+AlwaysPreTouch");
        } catch (RuntimeException | LinkageError e) {
            return false; // no management module: say "not steady" rather than guess
        }
    }
}
