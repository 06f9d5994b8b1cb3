package dev.pare.tensor.parallel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The thread policy: every index once, failures only after every chunk finished, thread changes at any time. */
class ParallelTest {
    private final int before = Parallel.threads();

    @AfterEach
    void restore() {
        Parallel.setThreads(before);
    }

    @Test
    void everyIndexIsVisitedExactlyOnce() {
        Parallel.setThreads(3);
        int[] hits = new int[1000];
        Parallel.forRange(hits.length, 1, (from, to) -> {
            for (int i = from; i < to; i++) {
                hits[i]++;
            }
        });
        for (int h : hits) {
            assertEquals(1, h);
        }
    }

    @Test
    void aFailingChunkIsRethrownOnlyAfterEveryOtherChunkFinished() {
        Parallel.setThreads(2);
        AtomicBoolean slowChunkDone = new AtomicBoolean();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Parallel.forRange(2, 1, (from, to) -> {
            if (from == 0) {
                throw new IllegalStateException("chunk 0 fails");
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
            slowChunkDone.set(true);
        }));
        assertEquals("chunk 0 fails", e.getMessage());
        assertTrue(slowChunkDone.get(), "forRange returned while another chunk was still running");
    }

    @Test
    void aFailingWorkerChunkIsRethrownToTheCaller() {
        Parallel.setThreads(3);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Parallel.forRange(3, 1, (from, to) -> {
            if (from == 2) {
                throw new IllegalStateException("chunk 2 fails");
            }
        }));
        assertEquals("chunk 2 fails", e.getMessage());
        // The worker that failed takes the next loop as usual.
        int[] hits = new int[3];
        Parallel.forRange(3, 1, (from, to) -> hits[from]++);
        assertEquals("[1, 1, 1]", java.util.Arrays.toString(hits));
    }

    @Test
    void aWorkerThatWentToSleepWakesForTheNextLoop() throws InterruptedException {
        Parallel.setThreads(2);
        for (int round = 0; round < 3; round++) {
            // Longer than a worker polls before it parks.
            Thread.sleep(WorkerPool.SPIN_NANOS / 1_000_000 + 5);
            AtomicReference<String> second = new AtomicReference<>();
            CountDownLatch secondStarted = new CountDownLatch(1);
            Parallel.forRange(2, 1, (from, to) -> {
                if (from == 1) {
                    second.set(Thread.currentThread().getName());
                    secondStarted.countDown();
                } else {
                    // Keep the caller busy until the worker has started chunk 1: a caller that is
                    // done first takes an unstarted chunk back, and would hide a worker that
                    // never woke up.
                    try {
                        secondStarted.await(5, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            });
            assertTrue(second.get().startsWith("pare-worker-"), "chunk 1 ran on " + second.get());
        }
    }

    @Test
    @Timeout(10)   // before callers took chunks back, this waited forever
    void aChunkNoWorkerHasStartedIsRunByTheCaller() {
        // Workers that never run: a machine whose other cores are all taken by other processes.
        WorkerPool pool = new WorkerPool(3, false);
        assertTrue(pool.tryAcquire(3));
        String[] ranOn = new String[3];
        int[][] ranges = new int[3][];
        for (int w = 0; w < 2; w++) {
            int chunk = w + 1;
            pool.post(w, (from, to) -> {
                ranOn[chunk] = Thread.currentThread().getName();
                ranges[chunk] = new int[] {from, to};
            }, 10 * chunk, 10 * chunk + 10);
        }
        for (int w = 0; w < 2; w++) {
            assertEquals(null, pool.await(w));
        }
        pool.release();
        String me = Thread.currentThread().getName();
        assertEquals(me, ranOn[1]);
        assertEquals(me, ranOn[2]);
        assertEquals("[10, 20]", java.util.Arrays.toString(ranges[1]));
        assertEquals("[20, 30]", java.util.Arrays.toString(ranges[2]));
    }

    @Test
    @Timeout(10)
    void aChunkTakenBackByTheCallerRethrowsItsFailure() {
        WorkerPool pool = new WorkerPool(2, false);
        assertTrue(pool.tryAcquire(2));
        pool.post(0, (from, to) -> {
            throw new IllegalStateException("chunk [" + from + ", " + to + ") fails");
        }, 3, 7);
        Throwable t = pool.await(0);
        pool.release();
        assertTrue(t instanceof IllegalStateException && t.getMessage().equals("chunk [3, 7) fails"), String.valueOf(t));
    }

    @Test
    void twoCallersAtOnceBothGetEveryIndexOnce() throws Exception {
        Parallel.setThreads(2);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Runnable caller = () -> {
            try {
                for (int i = 0; i < 3000; i++) {
                    int[] hits = new int[16];
                    Parallel.forRange(hits.length, 1, (from, to) -> {
                        for (int k = from; k < to; k++) {
                            hits[k]++;
                        }
                    });
                    for (int h : hits) {
                        if (h != 1) {
                            throw new AssertionError("an index was visited " + h + " times");
                        }
                    }
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        };
        Thread a = new Thread(caller);
        Thread b = new Thread(caller);
        a.start();
        b.start();
        a.join(60_000);
        b.join(60_000);
        assertTrue(!a.isAlive() && !b.isAlive(), "a caller is stuck");
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
    }

    @Test
    void changingTheThreadCountWhileLoopsRunNeverRejectsWork() throws Exception {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicInteger loops = new AtomicInteger();
        Thread worker = new Thread(() -> {
            try {
                for (int i = 0; i < 2000; i++) {
                    int[] hits = new int[8];
                    Parallel.forRange(hits.length, 1, (from, to) -> {
                        for (int k = from; k < to; k++) {
                            hits[k]++;
                        }
                    });
                    for (int h : hits) {
                        if (h != 1) {
                            throw new AssertionError("an index was visited " + h + " times");
                        }
                    }
                    loops.incrementAndGet();
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        worker.start();
        for (int i = 0; worker.isAlive() && i < 2000; i++) {
            Parallel.setThreads(2 + i % 2);
        }
        worker.join();
        assertEquals(null, failure.get(), () -> "forRange failed: " + failure.get());
        assertEquals(2000, loops.get());
    }
}
