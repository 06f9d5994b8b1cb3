package dev.pare.bench;

import dev.pare.nn.Flatten;
import dev.pare.nn.Linear;
import dev.pare.nn.Module;
import dev.pare.nn.ReLU;
import dev.pare.nn.Sequential;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import dev.pare.tensor.kernels.ReduceKernels;
import dev.pare.tensor.parallel.Parallel;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * How close the MLP's batch-1 forward pass comes to its memory floor.
 *
 * <p>At batch 1 each weight is used once: 235,146 floats are read for 235,146 multiply-adds, so
 * the pass cannot be faster than the time to read the weights once. {@link #readWeights} measures
 * that time directly, with a vector sum over an array of exactly the weights' size (940,584 bytes), so the
 * read bandwidth is the one of that working set on this CPU (L2 on a core with 1 MiB of it, L3 on
 * one with less); {@link #forwardBatch1} is the real pass. Their ratio, from the same run, is how
 * far the pass is from the floor. One thread, like the batch-1 latency of the trade-off report.
 *
 * <pre>
 * java -jar bench/target/benchmarks.jar MemoryFloorBenchmark -prof gc
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class MemoryFloorBenchmark {
    /** The MLP 784-256-128-10's parameter count: its weights and biases, read once per pass. */
    static final int WEIGHTS = 784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10;

    float[] weights;
    Module model;
    Tensor x;

    @Setup
    public void setup() {
        Parallel.setThreads(1);
        Rng rng = new Rng(42);
        weights = Tensor.randn(rng, WEIGHTS).toArray();
        model = new Sequential(new Flatten(), new Linear(784, 256, rng), new ReLU(), new Linear(256, 128, rng),
                new ReLU(), new Linear(128, 10, rng));
        model.eval();
        x = Tensor.randn(rng, 1, 1, 28, 28);
        long params = model.parameters().stream().mapToLong(Tensor::numel).sum();
        if (params != WEIGHTS) {
            throw new IllegalStateException("the MLP has " + params + " parameters, the floor reads " + WEIGHTS);
        }
    }

    /** One read of the weights' bytes: the floor. */
    @Benchmark
    public float readWeights() {
        return ReduceKernels.sum(weights, 0, 1, WEIGHTS);
    }

    /** The batch-1 forward pass of the MLP, no graph recorded. */
    @Benchmark
    public Tensor forwardBatch1() {
        try (var s = Tensor.noGrad()) {
            return model.forward(x);
        }
    }
}
