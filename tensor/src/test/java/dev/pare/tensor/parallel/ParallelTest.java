package dev.pare.tensor.parallel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

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
            Parallel.forRange(2, 1, (from, to) -> {
                if (from == 1) {
                    second.set(Thread.currentThread().getName());
                }
            });
            assertTrue(second.get().startsWith("pare-worker-"), "chunk 1 ran on " + second.get());
        }
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
