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
 *
 * <p>Trap: until C2 has compiled a Vector API kernel, every vector it touches is a heap object,
 * so a kernel run a handful of times allocates in proportion to its length by design. The claim
 * is about the steady state, so the update kernels are first warmed up on a small parameter.
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
        Tensor small = Tensor.randn(new Rng(3), 4096).requiresGrad(true);
        small.setGrad(Tensor.randn(new Rng(4), 4096));
        // Fresh optimizers now and then, so that the first-step branch is warm too: a branch C2 has
        // never seen taken is compiled as a trap back to the interpreter.
        for (int o = 0; o < 50; o++) {
            Optimizer warm = make.apply(List.of(small));
            for (int s = 0; s < 100; s++) {
                warm.step();
            }
        }
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
