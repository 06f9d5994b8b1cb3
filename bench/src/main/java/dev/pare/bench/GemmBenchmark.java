package dev.pare.bench;

import dev.pare.tensor.kernels.Gemm;
import dev.pare.tensor.parallel.Parallel;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Throughput of {@link Gemm}: square products and the three products of one MLP training step.
 *
 * <p>Read the {@code :gflops} line of each result: JMH counts floating-point operations
 * (2·M·N·K per multiply) per nanosecond, which is GFLOP/s. The primary score (multiplies per ns)
 * is there only because JMH requires one.
 *
 * <p>Run (about 2.5 minutes on 2 cores; docs/matmul.md has the numbers and the OpenBLAS comparison):
 * <pre>
 *   mvn -q -pl bench -am package -DskipTests &amp;&amp; java -jar bench/target/benchmarks.jar GemmBenchmark
 * </pre>
 * Add {@code -prof gc} to check that a multiply allocates nothing ({@code gc.alloc.rate.norm}).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx2g"})
public class GemmBenchmark {

    /** Counts floating-point operations; JMH reports the count per ns of each iteration. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Flops {
        /** Floating-point operations done (2 per multiply-add): per ns, this is GFLOP/s. */
        public long gflops;

        @Setup(Level.Iteration)
        public void reset() {
            gflops = 0;
        }
    }

    /** Square C = A·B, n × n. */
    @State(Scope.Benchmark)
    public static class Square {
        @Param({"128", "256", "512", "1024", "2048"})
        public int n;

        @Param({"1", "2"})
        public int threads;

        float[] a;
        float[] b;
        float[] c;

        @Setup(Level.Trial)
        public void setUp() {
            Parallel.setThreads(threads);
            SplittableRandom rnd = new SplittableRandom(42);
            a = GemmBenchData.random(rnd, n * n);
            b = GemmBenchData.random(rnd, n * n);
            c = new float[n * n];
        }
    }

    /**
     * The products of one training step of a 784 → 256 layer at batch 128, in the forms the
     * backward pass uses: forward X·W (128×784 · 784×256), input gradient dY·Wᵀ (128×256 · 256×784,
     * W read transposed in place), weight gradient Xᵀ·dY (784×128 · 128×256, X read transposed).
     */
    @State(Scope.Benchmark)
    public static class MlpStep {
        @Param({"forward", "inputGrad", "weightGrad"})
        public String product;

        @Param({"1", "2"})
        public int threads;

        static final int BATCH = 128;
        static final int IN = 784;
        static final int OUT = 256;

        float[] x;
        float[] w;
        float[] dy;
        float[] out;

        @Setup(Level.Trial)
        public void setUp() {
            Parallel.setThreads(threads);
            SplittableRandom rnd = new SplittableRandom(7);
            x = GemmBenchData.random(rnd, BATCH * IN);
            w = GemmBenchData.random(rnd, IN * OUT);
            dy = GemmBenchData.random(rnd, BATCH * OUT);
            out = new float[IN * OUT];
        }

        long run() {
            switch (product) {
                case "forward":      // Y = X·W: [128, 784] @ [784, 256]
                    Gemm.gemm(false, false, BATCH, OUT, IN, x, 0, IN, w, 0, OUT, out, 0, OUT, false);
                    break;
                case "inputGrad":    // dX = dY·Wᵀ: [128, 256] @ [784, 256]ᵀ
                    Gemm.gemm(false, true, BATCH, IN, OUT, dy, 0, OUT, w, 0, OUT, out, 0, IN, false);
                    break;
                case "weightGrad":   // dW = Xᵀ·dY: [128, 784]ᵀ @ [128, 256]
                    Gemm.gemm(true, false, IN, OUT, BATCH, x, 0, IN, dy, 0, OUT, out, 0, OUT, false);
                    break;
                default:
                    throw new IllegalArgumentException("MlpStep: unknown product " + product);
            }
            return 2L * BATCH * IN * OUT;
        }
    }

    @Benchmark
    public float[] square(Square s, Flops f) {
        Gemm.gemm(false, false, s.n, s.n, s.n, s.a, 0, s.n, s.b, 0, s.n, s.c, 0, s.n, false);
        f.gflops += 2L * s.n * s.n * s.n;
        return s.c;
    }

    @Benchmark
    public float[] mlpStep(MlpStep s, Flops f) {
        f.gflops += s.run();
        return s.out;
    }
}
