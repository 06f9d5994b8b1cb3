package dev.pare.compress.search.latency;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.IntToLongFunction;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;

/** Warm-up against a fake clock that only moves when a simulated call "takes" time. */
class WarmUpTest {

    /** A clock whose time advances by {@code cost(i)} ns during the i-th call, and never otherwise. */
    static final class SimulatedCalls implements NanoClock, Runnable {
        final IntToLongFunction cost;
        long now;
        int calls;

        SimulatedCalls(IntToLongFunction cost) {
            this.cost = cost;
        }

        @Override
        public long nanoTime() {
            return now;
        }

        @Override
        public void run() {
            now += cost.applyAsLong(calls++);
        }
    }

    static final long MS = 1_000_000L;

    /** A compiler that never compiles anything: only the timings decide. */
    static final LongSupplier NO_JIT = () -> 0L;

    @Test
    void callsThatGetFasterAsTheJitCompilesAreWarmedUpUntilTheyLevelOff() {
        // 2 ms per call (interpreted) for 20 calls, then 1 ms (C1) for 30, then 0.1 ms (C2) for good.
        SimulatedCalls sim = new SimulatedCalls(i -> i < 20 ? 2 * MS : i < 50 ? MS : MS / 10);
        WarmUp.Outcome o = WarmUp.run(sim, sim, NO_JIT, 100 * MS, 10_000 * MS, 0.05);
        assertTrue(o.settled());
        // Rounds last 10 ms: four of 2 ms calls (to 40 ms), three of 1 ms calls (to 70 ms; two of
        // them agree, but before the 100 ms minimum), then rounds of 100 calls of 0.1 ms: the first
        // differs from the 1 ms rounds, and the third ends at 100 ms in agreement.
        assertEquals(50 + 300, o.calls());
        assertEquals(10, o.rounds());
        assertEquals(100 * MS, o.nanos());
        assertEquals(sim.calls, o.calls());
    }

    @Test
    void steadyTimingsDoNotCountWhileTheCompilerIsStillAtWork() {
        // Steady 1 ms calls (a C1 plateau) while the compiler finishes a method per call until
        // call 300: the rounds agree from the second one on, but the warm-up waits for the
        // compiler counter to stand still for 100 ms past call 300.
        SimulatedCalls sim = new SimulatedCalls(i -> MS);
        WarmUp.Outcome o = WarmUp.run(sim, sim, () -> Math.min(sim.calls, 300), 0, 10_000 * MS, 0.05);
        assertTrue(o.settled());
        assertEquals(400, o.calls());
        assertEquals(400 * MS, o.nanos());
    }

    @Test
    void agreementBeforeTheMinimumTimeDoesNotCount() {
        // Steady from the start: without a minimum this would stop after two rounds (20 ms).
        SimulatedCalls sim = new SimulatedCalls(i -> MS);
        WarmUp.Outcome o = WarmUp.run(sim, sim, NO_JIT, 500 * MS, 10_000 * MS, 0.05);
        assertTrue(o.settled());
        assertEquals(500 * MS, o.nanos());
    }

    @Test
    void timingsThatNeverSettleStopAtTheMaximumAndSaySo() {
        // A machine that keeps slowing down (throttling): every round of five calls is 10% slower
        // than the one before, so no two rounds agree within 5%.
        SimulatedCalls sim = new SimulatedCalls(i -> (long) (2 * MS * Math.pow(1.1, i / 5)));
        WarmUp.Outcome o = WarmUp.run(sim, sim, NO_JIT, 0, 1000 * MS, 0.05);
        assertFalse(o.settled());
        // It stops at the first call that ends past the maximum; calls there take about 22 ms.
        assertTrue(o.nanos() >= 1000 * MS && o.nanos() < 1030 * MS, "stopped at " + o.nanos() + " ns");
    }

    @Test
    void aRoundOfSlowCallsHasAtLeastFiveCallsSoOneOutlierCannotDecide() {
        // Calls of 50 ms: a round is five calls, not one, even though one call exceeds 10 ms.
        SimulatedCalls sim = new SimulatedCalls(i -> 50 * MS);
        WarmUp.Outcome o = WarmUp.run(sim, sim, NO_JIT, 0, 10_000 * MS, 0.05);
        assertEquals(10, o.calls());
        assertEquals(2, o.rounds());
    }

    @Test
    void impossibleLimitsAreRefused() {
        SimulatedCalls sim = new SimulatedCalls(i -> 1);
        assertThrows(IllegalArgumentException.class, () -> WarmUp.run(sim, sim, NO_JIT, 10, 5, 0.05));
        assertThrows(IllegalArgumentException.class, () -> WarmUp.run(sim, sim, NO_JIT, 0, 5, 0));
        assertThrows(IllegalArgumentException.class, () -> WarmUp.run(sim, sim, NO_JIT, -1, 5, 0.5));
    }
}
