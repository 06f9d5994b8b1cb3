package dev.pare.bench;

import dev.pare.compress.prune.BlockPruner;
import dev.pare.compress.prune.MagnitudePruner;
import dev.pare.compress.prune.SparseFormat;
import dev.pare.compress.prune.SparseLinear;
import dev.pare.nn.Linear;
import dev.pare.nn.Sequential;
import dev.pare.tensor.GradMode;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import dev.pare.tensor.parallel.Parallel;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Layer against layer, in the same run: Pare's dense {@link Linear} against a {@link SparseLinear}
 * built from the same layer pruned to 90%, the whole {@code forward} (layout transposes, bias,
 * output tensor) under {@code noGrad}:
 * <ul>
 *   <li>{@code dense}: the Linear, unpruned (a pruned dense Linear costs exactly the same);</li>
 *   <li>{@code csr}: magnitude-pruned to 90%, CSR with 2-byte indices;</li>
 *   <li>{@code block16}: block-pruned to 90% of its 1×16 blocks, block-CSR.</li>
 * </ul>
 * on out×in = 256×784 (the MLP's first layer) and 1024×1024, at batch 1 and 64, one thread.
 * The {@code …BatchMinor} variants feed both layers the same batch stored batch-minor
 * ({@link SparseLinear#toBatchMinor}, done once in the setup, as in a stack of sparse layers whose
 * activations stay batch-minor): the sparse layer then runs with no transpose in or out, the
 * dense Linear's matmul packs the transposed operand. {@link SparseMlpBenchmark} times a whole
 * stack, the one transpose included.
 * The targets (docs/pruning.md): unstructured 90% at batch 64 at least 4× faster than dense on both shapes;
 * block 90% at batch 1 at least 4× on 1024×1024.
 *
 * <pre>
 * mvn -q -pl bench -am package -DskipTests
 * java -jar bench/target/benchmarks.jar SparseLinearBenchmark -prof gc
 * flock /tmp/pare-bench.lock java --add-modules jdk.incubator.vector -jar bench/target/benchmarks.jar \
 *     SparseLinearBenchmark -bm sample -tu us -f 1 -wi 3 -w 1 -i 8 -r 1 -p batch=64
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class SparseLinearBenchmark {
    /** The sparsity of the targets. */
    static final double SPARSITY = 0.9;

    @State(Scope.Thread)
    public static class Layers {
        @Param({"256x784", "1024x1024"})
        String shape;

        @Param({"1", "64"})
        int batch;

        @Param({"1"})
        int threads;

        Linear dense;
        SparseLinear csr;
        SparseLinear block16;
        Tensor x;
        Tensor xBatchMinor;

        @Setup
        public void setup() {
            Parallel.setThreads(threads);
            String[] p = shape.split("x");
            int out = Integer.parseInt(p[0]);
            int in = Integer.parseInt(p[1]);
            dense = new Linear(in, out, new Rng(42));
            Sequential unstructured = new Sequential(new Linear(in, out, new Rng(42)));
            MagnitudePruner.pruneLayer(unstructured, "0.weight", SPARSITY);
            csr = SparseLinear.fromLinear((Linear) unstructured.getModule("0"), SparseFormat.CSR);
            Sequential blocks = new Sequential(new Linear(in, out, new Rng(42)));
            BlockPruner.prune(blocks, "0.weight", SPARSITY, 16);
            block16 = SparseLinear.fromLinear((Linear) blocks.getModule("0"), SparseFormat.BLOCK_16);
            x = Tensor.randn(new Rng(7), batch, in);
            try (GradMode.Scope ignored = Tensor.noGrad()) {
                xBatchMinor = SparseLinear.toBatchMinor(x);
            }
        }
    }

    @Benchmark
    public Tensor dense(Layers s) {
        try (GradMode.Scope ignored = Tensor.noGrad()) {
            return s.dense.forward(s.x);
        }
    }

    @Benchmark
    public Tensor csr(Layers s) {
        try (GradMode.Scope ignored = Tensor.noGrad()) {
            return s.csr.forward(s.x);
        }
    }

    @Benchmark
    public Tensor block16(Layers s) {
        try (GradMode.Scope ignored = Tensor.noGrad()) {
            return s.block16.forward(s.x);
        }
    }

    @Benchmark
    public Tensor denseBatchMinor(Layers s) {
        try (GradMode.Scope ignored = Tensor.noGrad()) {
            return s.dense.forward(s.xBatchMinor);
        }
    }

    @Benchmark
    public Tensor csrBatchMinor(Layers s) {
        try (GradMode.Scope ignored = Tensor.noGrad()) {
            return s.csr.forward(s.xBatchMinor);
        }
    }
}
