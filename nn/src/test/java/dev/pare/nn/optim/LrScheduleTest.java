package dev.pare.nn.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.pare.nn.loss.Fixtures;
import dev.pare.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each schedule reproduces the learning rates PyTorch's schedulers set (make_loss_optim_fixtures.py). */
class LrScheduleTest {
    private static final double BASE = 0.1;

    /** The learning rate before each optimizer step, as the generator records it. */
    private static double[] sequence(LrSchedule schedule, int n) {
        SGD opt = new SGD(List.of(Tensor.zeros(1).requiresGrad(true)), BASE);
        LrScheduler scheduler = new LrScheduler(opt, schedule);
        double[] lrs = new double[n];
        for (int i = 0; i < n; i++) {
            lrs[i] = opt.learningRate();
            opt.step();
            scheduler.step();
        }
        return lrs;
    }

    private static void assertSequence(String key, LrSchedule schedule) {
        double[] expected = Fixtures.doubles(key);
        double[] actual = sequence(schedule, expected.length);
        for (int i = 0; i < expected.length; i++) {
            // PyTorch updates most schedules recursively, this evaluates closed forms: they agree to
            // rounding, measured against the base rate because the cosine ends at exactly 0.
            assertEquals(expected[i], actual[i], 1e-12 * BASE + 1e-9 * Math.abs(expected[i]), key + " at step " + i);
        }
    }

    @Test
    void stepDecayMatchesStepLR() {
        assertSequence("sched.step", LrSchedule.stepDecay(3, 0.5));
    }

    @Test
    void cosineMatchesCosineAnnealingLR() {
        assertSequence("sched.cosine", LrSchedule.cosine(10, 0.001));
    }

    @Test
    void linearWarmupMatchesLinearLR() {
        assertSequence("sched.linear", LrSchedule.linearWarmup(0.1, 4));
    }

    @Test
    void warmupThenCosineMatchesSequentialLR() {
        assertSequence("sched.warmup_cosine", LrSchedule.linearWarmup(0.25, 3).then(3, LrSchedule.cosine(7, 0)));
    }

    @Test
    void handComputedValues() {
        assertEquals(0.4, LrSchedule.stepDecay(2, 0.5).lr(1.6, 5), 1e-15);
        assertEquals(0.5, LrSchedule.cosine(4, 0).lr(1.0, 2), 1e-15);
        assertEquals(0.2, LrSchedule.cosine(4, 0.2).lr(1.0, 4), 1e-15);
        assertEquals(0.55, LrSchedule.linearWarmup(0.1, 2).lr(1.0, 1), 1e-15);
        assertEquals(1.0, LrSchedule.linearWarmup(0.1, 2).lr(1.0, 100), 1e-15);
        assertEquals(0.3, LrSchedule.constant().lr(0.3, 1000), 0);
    }

    @Test
    void schedulerSetsTheFirstRateAtOnceAndCountsSteps() {
        SGD opt = new SGD(List.of(Tensor.zeros(1).requiresGrad(true)), 1.0);
        LrScheduler s = new LrScheduler(opt, LrSchedule.linearWarmup(0.5, 2));
        assertEquals(0.5, opt.learningRate(), 1e-15);
        s.step();
        assertEquals(0.75, s.lastLr(), 1e-15);
        assertEquals(1, s.stepCount());
        assertEquals(1.0, s.baseLr());
    }

    @Test
    void badArgumentsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.stepDecay(0, 0.5));
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.cosine(0, 0));
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.linearWarmup(0, 3));
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.linearWarmup(0.5, 0));
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.constant().then(0, LrSchedule.constant()));
    }
}
