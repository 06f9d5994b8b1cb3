package dev.pare.nn.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.nn.io.Checkpoint;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * AdamWGroups is two AdamWs, one per group (each checked against PyTorch in AdamTest): the same
 * bits step for step, a saved state that continues exactly, and a changed split refused.
 */
class AdamWGroupsTest {

    private static Tensor param(Rng rng, int... shape) {
        return Tensor.randn(rng, shape).requiresGrad(true);
    }

    /** Gives every parameter the gradient of Σ p² · r for a fixed r per step (any smooth function will do). */
    private static void setGrads(List<Tensor> params, int step) {
        Rng rng = new Rng(100 + step);
        for (Tensor p : params) {
            p.setGrad(Tensor.randn(rng, p.shape()).add(p.detach().mul(2f)));
        }
    }

    private static List<Tensor> copies(List<Tensor> ps) {
        return ps.stream().map(p -> p.detach().copy().requiresGrad(true)).toList();
    }

    @Test
    void eachGroupStepsExactlyAsItsOwnAdamW() {
        Rng rng = new Rng(1);
        List<Tensor> w = List.of(param(rng, 4, 3), param(rng, 2, 5));
        List<Tensor> b = List.of(param(rng, 3), param(rng, 1, 1, 4));
        List<Tensor> w2 = copies(w);
        List<Tensor> b2 = copies(b);
        AdamWGroups grouped = new AdamWGroups(w, b, 1e-2, 0.9, 0.98, 1e-8, 0.05);
        AdamW decay = new AdamW(w2, 1e-2, 0.9, 0.98, 1e-8, 0.05);
        AdamW plain = new AdamW(b2, 1e-2, 0.9, 0.98, 1e-8, 0);
        LrScheduler s1 = new LrScheduler(grouped, LrSchedule.linearWarmup(0.1, 3));
        LrScheduler s2 = new LrScheduler(decay, LrSchedule.linearWarmup(0.1, 3));
        LrScheduler s3 = new LrScheduler(plain, LrSchedule.linearWarmup(0.1, 3));
        for (int step = 0; step < 5; step++) {
            setGrads(grouped.parameters(), step);
            setGrads(concat(w2, b2), step);
            grouped.step();
            decay.step();
            plain.step();
            s1.step();
            s2.step();
            s3.step();
        }
        for (int i = 0; i < 2; i++) {
            assertArrayEquals(w2.get(i).toArray(), w.get(i).toArray(), 0f, "decayed " + i);
            assertArrayEquals(b2.get(i).toArray(), b.get(i).toArray(), 0f, "not decayed " + i);
        }
    }

    private static List<Tensor> concat(List<Tensor> a, List<Tensor> b) {
        List<Tensor> all = new java.util.ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    @Test
    void aSavedStateContinuesWithTheSameStepsAndADifferentSplitIsRefused() {
        Rng rng = new Rng(2);
        List<Tensor> w = List.of(param(rng, 3, 3));
        List<Tensor> b = List.of(param(rng, 3), param(rng, 2));
        AdamWGroups a = new AdamWGroups(w, b, 1e-2, 0.9, 0.999, 1e-8, 0.1);
        for (int step = 0; step < 2; step++) {
            setGrads(a.parameters(), step);
            a.step();
        }
        Checkpoint saved = a.stateDict();
        assertTrue(saved.entries().containsKey("state.2.exp_avg"), saved.entries().keySet().toString());
        List<Tensor> w2 = copies(w);
        List<Tensor> b2 = copies(b);
        AdamWGroups c = new AdamWGroups(w2, b2, 1e-2, 0.9, 0.999, 1e-8, 0.1);
        c.loadStateDict(saved);
        setGrads(a.parameters(), 2);
        setGrads(c.parameters(), 2);
        a.step();
        c.step();
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(a.parameters().get(i).toArray(), c.parameters().get(i).toArray(), 0f, "parameter " + i);
        }
        // The same three tensors, split 2 + 1 instead of 1 + 2: refused, naming the groups.
        AdamWGroups other = new AdamWGroups(List.of(w2.get(0), b2.get(0)), List.of(b2.get(1)), 1e-2, 0.9, 0.999, 1e-8,
                0.1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> other.loadStateDict(saved));
        assertTrue(e.getMessage().contains("on 1 tensors, 0 on 2") && e.getMessage().contains("on 2 tensors, 0 on 1"),
                e.getMessage());
    }

    @Test
    void anEmptyGroupIsAllowedAndBothEmptyIsRefused() {
        Rng rng = new Rng(3);
        Tensor p = param(rng, 2);
        AdamWGroups onlyPlain = new AdamWGroups(List.of(), List.of(p), 1e-2, 0.9, 0.999, 1e-8, 0.1);
        float[] before = p.toArray();
        p.setGrad(Tensor.zeros(2));
        onlyPlain.step();
        assertArrayEquals(before, p.toArray(), 0f, "zero gradient and no decay: nothing moves");
        assertThrows(IllegalArgumentException.class,
                () -> new AdamWGroups(List.of(), List.of(), 1e-2, 0.9, 0.999, 1e-8, 0.1));
    }
}
