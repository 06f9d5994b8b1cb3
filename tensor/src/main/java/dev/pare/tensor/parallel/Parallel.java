package dev.pare.tensor.parallel;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place that decides how many threads Pare's kernels use and how work is split.
 *
 * <p>The thread count defaults to the number of available processors. It can be set with the
 * system property {@code pare.threads} at start-up, or with {@link #setThreads} at run time (for
 * example by a benchmark comparing 1 and 2 threads).
 *
 * <p>What is guaranteed: a kernel that splits its work with {@link #forRange} gives each output
 * element to exactly one task, and computes it the same way whoever runs it. Results are therefore
 * identical for any thread count. Kernels must not split a single sum across tasks, because
 * adding partial sums would change the rounding with the number of threads.
 */
public final class Parallel {
    private static final Logger LOG = LoggerFactory.getLogger(Parallel.class);

    /** The body of a parallel loop: handles indices {@code [from, to)}. */
    @FunctionalInterface
    public interface RangeBody {
        void run(int from, int to);
    }

    private static volatile int threads = initialThreads();
    private static volatile WorkerPool pool;

    private Parallel() {}

    private static int initialThreads() {
        String prop = System.getProperty("pare.threads");
        int cpus = Runtime.getRuntime().availableProcessors();
        if (prop == null || prop.isBlank()) {
            return cpus;
        }
        try {
            int t = Integer.parseInt(prop.trim());
            if (t < 1) {
                throw new IllegalArgumentException("pare.threads: must be at least 1, got " + t);
            }
            return t;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("pare.threads: not an integer: '" + prop + "'", e);
        }
    }

    /**
     * Floats of streamed work (read, compute, write) below which a piece is not worth handing to
     * another thread: the hand-off costs at best a few cache-line transfers between cores, and a
     * wake-up through the operating system when the worker has gone to sleep ({@link WorkerPool}),
     * and a pass over this many floats takes about as long. Kernels whose indices are small (a plane of
     * a batch-1 image) use {@link #grainFor} so that tiny calls stay on the calling thread.
     */
    public static final int MIN_FLOATS_PER_TASK = 1 << 16;

    /**
     * The grain for {@link #forRange} when each index covers {@code floatsPerIndex} floats of
     * streamed work: enough indices per piece to reach {@link #MIN_FLOATS_PER_TASK}. Which thread
     * computes an index never changes its result, so the grain changes only the speed.
     */
    public static int grainFor(long floatsPerIndex) {
        long per = Math.max(1, floatsPerIndex);
        return (int) Math.min(Integer.MAX_VALUE, (MIN_FLOATS_PER_TASK + per - 1) / per);
    }

    /** Number of threads kernels may use. */
    public static int threads() {
        return threads;
    }

    /**
     * Sets the number of threads kernels may use (1 runs everything on the calling thread). A
     * loop already running finishes on the old workers first.
     *
     * @throws IllegalArgumentException if {@code n < 1}
     */
    public static synchronized void setThreads(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("Parallel.setThreads: must be at least 1, got " + n);
        }
        if (n != threads) {
            threads = n;
            WorkerPool old = pool;
            pool = null;
            if (old != null) {
                old.shutdown();
            }
            LOG.debug("Pare kernels now use {} thread(s)", n);
        }
    }

    private static WorkerPool pool(int t) {
        WorkerPool p = pool;
        if (p == null || p.size() != t) {
            synchronized (Parallel.class) {
                p = pool;
                if (p == null || p.size() != threads) {
                    p = new WorkerPool(threads);
                    pool = p;
                }
            }
        }
        return p;
    }

    /**
     * Runs {@code body} over {@code [0, n)} split into contiguous chunks of at least {@code grain}
     * indices, at most one chunk per thread. Runs inline when one chunk suffices, when called
     * from inside a Pare worker (nested parallelism would only add overhead on few cores), or
     * when another thread of the program is using the workers at that moment.
     *
     * <p>Every chunk is finished before this returns, also when one fails; the first failure is
     * then rethrown, with the others attached as suppressed.
     */
    public static void forRange(int n, int grain, RangeBody body) {
        if (n <= 0) {
            return;
        }
        int t = threads;
        int chunks = (int) Math.min(t, Math.max(1, ((long) n + grain - 1) / Math.max(1, grain)));
        if (chunks <= 1 || Thread.currentThread() instanceof WorkerPool.Worker) {
            body.run(0, n);
            return;
        }
        WorkerPool p = pool(t);
        if (!p.tryAcquire(chunks)) {
            body.run(0, n);
            return;
        }
        try {
            for (int c = 1; c < chunks; c++) {
                p.post(c - 1, body, (int) ((long) n * c / chunks), (int) ((long) n * (c + 1) / chunks));
            }
            // The caller does the first chunk itself instead of idling while it waits.
            Throwable failure = null;
            try {
                body.run(0, (int) ((long) n / chunks));
            } catch (RuntimeException | Error e) {
                failure = e;
            }
            for (int c = 1; c < chunks; c++) {
                Throwable e = p.await(c - 1);
                if (e == null || e == failure) {
                    continue;
                }
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
            if (failure instanceof RuntimeException) {
                throw (RuntimeException) failure;
            }
            if (failure instanceof Error) {
                throw (Error) failure;
            }
        } finally {
            p.release();
        }
    }
}
