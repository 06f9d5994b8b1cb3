package dev.pare.bench;

import dev.pare.compress.prune.MagnitudePruner;
import dev.pare.compress.prune.SparseFormat;
import dev.pare.compress.prune.SparseLinear;
import dev.pare.nn.Linear;
import dev.pare.nn.ReLU;
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
 * A whole stack, model against model, in the same run: the MLP 784-256-128-10 (ReLU between
 * layers) dense, against the same MLP with all three layers magnitude-pruned to 90% and stored
 * CSR, inference on a batch [batch, 784] in the usual row-major layout, under {@code noGrad}:
 * <ul>
 *   <li>{@code dense}: the dense MLP;</li>
 *   <li>{@code sparseRowMajor}: the sparse MLP fed the row-major batch: each layer transposes its
 *       input in and its output back;</li>
 *   <li>{@code sparseBatchMinor}: {@link SparseLinear#toBatchMinor} once, then the sparse MLP:
 *       activations stay batch-minor through all three layers and both ReLUs, and the logits come
 *       out as a batch-minor [batch, 10] view. The one transpose is inside the timing.</li>
 *   <li>{@code sparseFedBatchMinor} and {@code denseFedBatchMinor}: both models fed a batch that
 *       is already batch-minor (as a data loader could deliver it), so no transpose at all.</li>
 * </ul>
 *
 * <pre>
 * flock /tmp/pare-bench.lock java --add-modules jdk.incubator.vector -jar bench/target/benchmarks.jar \
 *     SparseMlpBenchmark -bm sample -tu us -f 1 -wi 3 -w 1 -i 8 -r 1
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class SparseMlpBenchmark {
    @State(Scope.Thread)
    public static class Models {
        @Param({"64"})
        int batch;

        @Param({"1"})
        int threads;

        Sequential dense;
        Sequential sparse;
        Tensor x;
        Tensor xBatchMinor;

        @Setup
        public void setup() {
            Parallel.setThreads(threads);
            dense = mlp(new Rng(42));
            Sequential pruned = mlp(new Rng(42));
            for (String layer : new String[] {"0", "2", "4"}) {
                MagnitudePruner.pruneLayer(pruned, layer + ".weight", SparseLinearBenchmark.SPARSITY);
            }
            sparse = new Sequential(sparse(pruned, "0"), new ReLU(), sparse(pruned, "2"), new ReLU(),
                    sparse(pruned, "4"));
            dense.eval();
            sparse.eval();
            x = Tensor.randn(new Rng(7), batch, 784);
            try (GradMode.Scope ignored = Tensor.noGrad()) {
                xBatchMinor = SparseLinear.toBatchMinor(x);
            }
        }

        private static Sequential mlp(Rng rng) {
            return new Sequential(new Linear(784, 256, rng), new ReLU(), new Linear(256, 128, rng), new ReLU(),
                    new Linear(128, 10, rng));
        }

        private static SparseLinear sparse(Sequential m, String layer) {
            return SparseLinear.fromLinear((Linear) m.getModule(layer), SparseFormat.CSR);
        }
    }

    @Benchmark
    public Tensor dense(Models s) {
        try (GradMode.Scope ignored = Tensor.noGrad()) {
            return s.dense.forward(s.x);
        }
    }

    @Benchmark
    public Tensor sparseRowMajor(Models s) {
        try (GradMode.Scope ignored = Tensor.noGrad()) {
            return s.sparse.forward(s.x);
        }
    }

    @Benchmark
    public Tensor sparseBatchMinor(Models s) {
        try (GradMode.Scope ignored = Tensor.noGrad()) {
            return s.sparse.forward(SparseLinear.toBatchMinor(s.x));
        }
    }

    @Benchmark
    public Tensor sparseFedBatchMinor(Models s) {
        try (GradMode.Scope ignored = Tensor.noGrad()) {
            return s.sparse.forward(s.xBatchMinor);
        }
    }

    @Benchmark
    public Tensor denseFedBatchMinor(Models s) {
        try (GradMode.Scope ignored = Tensor.noGrad()) {
            return s.dense.forward(s.xBatchMinor);
        }
    }
}
