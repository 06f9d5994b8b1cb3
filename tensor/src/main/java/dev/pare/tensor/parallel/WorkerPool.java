package dev.pare.tensor.parallel;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The threads behind {@link Parallel#forRange}: T − 1 workers for T threads (the calling thread
 * is the T-th), each with one slot for one chunk of work.
 *
 * <p>Why not a {@code ForkJoinPool}: between two parallel kernels of a training step there are
 * only tens of microseconds of single-threaded work (a bias, an activation, a loss), and a pool
 * thread that has nothing to do parks at once. Handing it the next chunk then means waking it
 * through the operating system, and on a virtual machine an interrupt to another virtual CPU,
 * which can cost as much as the chunk itself: 2 threads ended up slower than 1. Here a worker
 * that finishes a chunk keeps polling its slot for {@link #SPIN_NANOS} before it parks, so work
 * that arrives within that window is picked up at the cost of a cache-line transfer. That is how
 * OpenMP runtimes and OpenBLAS behave too. The price is a core kept busy for that long after the
 * last parallel call, which is why the window is short, and why after the first microseconds
 * each poll yields the core to any other thread that wants it ({@link #idle}).
 *
 * <p>A chunk handed to a worker is not promised to it. Whoever claims it first runs it: the
 * worker when it picks it up, or the caller, once its own chunk is done, if the worker has not
 * started yet ({@link #await}). On a machine whose cores are busy with other processes, a worker
 * woken from its park may wait a whole scheduler time slice (milliseconds) before it runs; a
 * caller that waited for it would make 2 threads many times slower than 1. Taking the chunk back
 * bounds a loop at about what the caller alone would take. Who runs a chunk changes no result.
 *
 * <p>One caller at a time: a loop {@linkplain #tryAcquire acquires} the workers it needs, and a
 * second thread of the program that finds them busy runs its loop inline. Results do not change
 * with who computes a chunk, so that only changes the speed.
 */
final class WorkerPool {
    /**
     * How long an idle worker (and a caller waiting for its workers) polls before parking: about
     * the longest gap between the parallel kernels of a training step, so that a step keeps its
     * workers awake, while a program that stops calling Pare gets its cores back almost at once.
     */
    static final long SPIN_NANOS = 200_000;

    /**
     * How long a waiting thread polls with nothing but a spin hint before it starts yielding its
     * core at each poll: long enough for back-to-back kernels, short against a time slice.
     */
    static final long HOT_SPIN_NANOS = 10_000;

    /**
     * One poll of a thread waiting for {@code waited} ns: a spin hint at first, then a yield of the
     * core to any other thread that is ready to run on it; false once it is time to park instead.
     *
     * <p>Why yield: when other processes keep the cores busy, a polling worker competes for a core
     * with the very caller that will hand it work (and with that caller's single-threaded work in
     * between). A pure spin then takes its whole time slice from them, and a 2-thread forward pass
     * had a tail of slow calls that 1 thread did not have. A yield costs a system call when the
     * core has nothing else to run, so the poll stays fast on an idle machine.
     */
    private static boolean idle(long waited) {
        if (waited < HOT_SPIN_NANOS) {
            Thread.onSpinWait();
            return true;
        }
        if (waited < SPIN_NANOS) {
            Thread.yield();
            return true;
        }
        return false;
    }

    private final Worker[] workers;
    private final AtomicBoolean busy = new AtomicBoolean();
    private volatile boolean closed;

    WorkerPool(int threads) {
        this(threads, true);
    }

    /**
     * With {@code start} false the workers are never started: as if they never got a core, which
     * is how the tests check that the caller then runs every chunk itself.
     */
    WorkerPool(int threads, boolean start) {
        workers = new Worker[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker("pare-worker-" + (i + 1));
            if (start) {
                workers[i].start();
            }
        }
    }

    /** The thread count this pool serves: its workers and the caller. */
    int size() {
        return workers.length + 1;
    }

    /** Takes the workers for one loop of {@code chunks} chunks; false if another loop has them. */
    boolean tryAcquire(int chunks) {
        if (chunks - 1 > workers.length || !busy.compareAndSet(false, true)) {
            return false;
        }
        if (closed) {
            busy.set(false);
            return false;
        }
        return true;
    }

    void release() {
        busy.set(false);
    }

    /** Hands worker w the chunk [from, to) of body. */
    void post(int w, Parallel.RangeBody body, int from, int to) {
        workers[w].post(body, from, to);
    }

    /**
     * Waits until worker w's chunk is done, and returns what it threw, or null. If the worker has
     * not started it yet, the calling thread claims it and runs it itself.
     */
    Throwable await(int w) {
        return workers[w].await();
    }

    /**
     * Stops the workers once the loop using them (if any) has finished: a loop that acquired
     * them before the shutdown still gets every chunk run.
     */
    void shutdown() {
        closed = true;
        while (!busy.compareAndSet(false, true)) {
            Thread.yield();
        }
        for (Worker w : workers) {
            w.halt();
        }
    }

    /** A pool thread: polls its slot, runs what it finds, records that it finished. */
    static final class Worker extends Thread {
        // The chunk is written before the volatile 'posted' and read after it: the volatile
        // write and read order them for the worker.
        private Parallel.RangeBody body;
        private int from;
        private int to;
        private Throwable failure;
        private volatile long posted;
        /** The last job claimed, by this worker or by the caller (who then runs it itself). */
        private final AtomicLong claimed = new AtomicLong();
        private volatile long finished;
        private volatile boolean parked;
        private volatile boolean waiterParked;
        private volatile boolean stopped;
        private Thread waiter;

        Worker(String name) {
            super(name);
            setDaemon(true);
        }

        void post(Parallel.RangeBody body, int from, int to) {
            this.body = body;
            this.from = from;
            this.to = to;
            this.failure = null;
            this.waiter = Thread.currentThread();
            posted = posted + 1;
            // A worker sets 'parked' before it looks at 'posted' a last time, so either it sees
            // the new job or we see that it parked (and the unpark's permit outlives a late park).
            if (parked) {
                LockSupport.unpark(this);
            }
        }

        Throwable await() {
            long job = posted;
            if (claimed.compareAndSet(job - 1, job)) {
                // Not started: the worker is asleep or has no core. Run the chunk here.
                Throwable f = null;
                try {
                    body.run(from, to);
                } catch (RuntimeException | Error e) {
                    f = e;
                }
                body = null;
                return f;
            }
            long start = System.nanoTime();
            while (finished != job) {
                if (!idle(System.nanoTime() - start)) {
                    // The worker lost its core mid-chunk, or the chunk is long: stop burning this
                    // one. The worker unparks us when it finishes; the timeout covers an unpark
                    // that came just before we parked.
                    waiterParked = true;
                    if (finished != job) {
                        LockSupport.parkNanos(this, 20_000);
                    }
                    waiterParked = false;
                }
            }
            Throwable f = failure;
            body = null;
            return f;
        }

        void halt() {
            stopped = true;
            LockSupport.unpark(this);
        }

        @Override
        public void run() {
            long seen = 0;
            while (true) {
                long start = System.nanoTime();
                while (posted == seen) {
                    if (stopped) {
                        return;
                    }
                    if (!idle(System.nanoTime() - start)) {
                        parked = true;
                        if (posted == seen && !stopped) {
                            LockSupport.park(this);
                        }
                        parked = false;
                        start = System.nanoTime();
                    }
                }
                seen = posted;
                if (!claimed.compareAndSet(seen - 1, seen)) {
                    continue;   // the caller took the chunk back and runs it itself
                }
                try {
                    body.run(from, to);
                } catch (RuntimeException | Error e) {
                    failure = e;
                }
                finished = seen;
                Thread w = waiter;
                if (w != null && waiterParked) {
                    LockSupport.unpark(w);
                }
            }
        }
    }
}
