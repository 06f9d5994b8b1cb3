package dev.pare.nn.optim;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * After the first step has allocated the optimizer's state, a step allocates nothing in
 * proportion to the parameter count: 20 steps over a 1 MB parameter allocate far less than one
 * copy of it. (Counts bytes with HotSpot's per-thread allocation counter; no timing involved.)
 */
class OptimizerAllocationTest {
    private static final int N = 250_000;
    private static final int STEPS = 20;

    @ParameterizedTest
    @ValueSource(strings = {"sgd", "adam", "adamw"})
    void stepsAfterTheFirstAllocateLessThanOneParameterCopy(String kind) {
        var bean = ManagementFactory.getThreadMXBean();
        Assumptions.assumeTrue(bean instanceof com.sun.management.ThreadMXBean,
                "this JVM cannot count allocated bytes per thread");
        var counter = (com.sun.management.ThreadMXBean) bean;
        Tensor p = Tensor.randn(new Rng(1), N).requiresGrad(true);
        p.setGrad(Tensor.randn(new Rng(2), N));
        Function<List<Tensor>, Optimizer> make = kind.equals("sgd")
                ? ps -> new SGD(ps, 0.01, 0.9, 0, true, 1e-4)
                : kind.equals("adam") ? ps -> new Adam(ps, 1e-3, 0.9, 0.999, 1e-8, 1e-4) : ps -> new AdamW(ps, 1e-3);
        Optimizer opt = make.apply(List.of(p));
        opt.step();
        long tid = Thread.currentThread().getId();
        long before = counter.getThreadAllocatedBytes(tid);
        for (int s = 0; s < STEPS; s++) {
            opt.step();
            opt.zeroGrad();
        }
        long allocated = counter.getThreadAllocatedBytes(tid) - before;
        assertTrue(allocated < 4L * N, kind + ": " + STEPS + " steps allocated " + allocated + " bytes");
    }
}
