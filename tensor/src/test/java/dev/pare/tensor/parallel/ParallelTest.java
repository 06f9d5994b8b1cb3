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
