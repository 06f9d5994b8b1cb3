package dev.pare.compress.search.latency;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.compress.report.LatencyStats;
import dev.pare.nn.Linear;
import dev.pare.nn.Module;
import dev.pare.nn.Sequential;
import dev.pare.tensor.GradMode;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import dev.pare.tensor.parallel.Parallel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The timer runs real forward passes but reads a fake clock that advances by one microsecond per
 * reading, so every timed call "takes" exactly 1 µs and the statistics are known in advance.
 */
class ForwardTimerTest {

    /** Advances 1 µs per reading. */
    static final class TickingClock implements NanoClock {
        long now;

        @Override
        public long nanoTime() {
            return now += 1000;
        }
    }

    /** Records, at every forward pass, the shape, whether autograd is on, and the thread count. */
    static final class Probe extends Module {
        final List<String> seen = new ArrayList<>();
        final Linear inner = new Linear(3, 2, new Rng(1));

        Probe() {
            registerModule("inner", inner);
        }

        @Override
        public Tensor forward(Tensor x) {
            seen.add(Arrays.toString(x.shape()) + " grad=" + GradMode.isEnabled() + " training="
                    + isTraining() + " threads=" + Parallel.threads());
            return inner.forward(x);
        }
    }

    static MeasurementSettings settings(int minCalls, int maxCalls, long timedMillis) {
        return new MeasurementSettings(List.of(1, 4), 1, 0, 1, 0.05, minCalls, maxCalls, timedMillis, 7);
    }

    @Test
    void everyForwardPassRunsInEvalModeWithoutAutogradOnTheChosenThreadsWhichAreRestoredAfterwards() {
        int before = Parallel.threads();
        Probe p = new Probe();
        p.train();
        new ForwardTimer(settings(3, 3, 0), new TickingClock()).time(p, new int[] {3}, 5, "probe");
        assertFalse(p.seen.isEmpty());
        for (String s : p.seen) {
            assertEquals("[5, 3] grad=false training=false threads=1", s);
        }
        assertEquals(before, Parallel.threads());
    }

    @Test
    void theTimedPhaseStopsAtTheBudgetOnceTheMinimumCallsAreDone() {
        // The clock moves 1 µs between a call's two readings, so every call "takes" 1 µs.
        LatencyStats s = new ForwardTimer(settings(10, 1000, 0), new TickingClock())
                .time(new Linear(3, 2, new Rng(1)), new int[] {3}, 1, "linear");
        assertEquals(10, s.calls(), "a zero budget: just the minimum");
        assertEquals(1.0, s.medianMicros());
        assertEquals(1.0, s.p90Micros());
        LatencyStats capped = new ForwardTimer(settings(1, 20, 1000), new TickingClock())
                .time(new Linear(3, 2, new Rng(1)), new int[] {3}, 1, "linear");
        assertEquals(20, capped.calls(), "a long budget: the maximum");
    }

    @Test
    void measureAllBuildsTheArchitectureOnceAndTimesEachBatchSizeInOrder() {
        var arch = new ProbeArchitectures.Mlp(new int[] {8});
        Map<Integer, LatencyStats> all = new ForwardTimer(settings(2, 2, 0), new TickingClock()).measureAll(arch);
        assertEquals(List.of(1, 4), List.copyOf(all.keySet()));
        assertEquals(1.0, all.get(4).medianMicros());
    }

    @Test
    void aModelThatFailsOnTheInputIsNamedWithTheInputShape() {
        Module wrong = new Sequential(new Linear(4, 2, new Rng(1)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ForwardTimer(settings(1, 1, 0), new TickingClock()).time(wrong, new int[] {3}, 2, "fc:4-2"));
        assertTrue(e.getMessage().startsWith("ForwardTimer.time: fc:4-2 failed on an input of shape [2, 3]: "),
                e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new ForwardTimer(settings(1, 1, 0), new TickingClock()).time(wrong, new int[] {4}, 0, "b0"));
    }
}
