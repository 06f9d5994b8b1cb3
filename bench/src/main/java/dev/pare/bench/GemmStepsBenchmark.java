package dev.pare.bench;

import dev.pare.tensor.kernels.Gemm;
import dev.pare.tensor.parallel.Parallel;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
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
 * Each step of docs/matmul.md, from the triple loop to the packed kernel, on one thread:
 * n × n times n × n. Read the {@code :gflops} lines (GFLOP/s, see {@link GemmBenchmark}).
 *
 * <pre>
 *   java -jar bench/target/benchmarks.jar GemmStepsBenchmark                 # n = 512, ~2 minutes
 *   java -jar bench/target/benchmarks.jar 'GemmStepsBenchmark.step[2-5]' -p n=2048
 * </pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx2g"})
@State(Scope.Benchmark)
public class GemmStepsBenchmark {

    @Param({"512"})
    public int n;

    float[] a;
    float[] b;
    float[] c;

    @Setup(Level.Trial)
    public void setUp() {
        Parallel.setThreads(1);
        SplittableRandom rnd = new SplittableRandom(42);
        a = GemmBenchData.random(rnd, n * n);
        b = GemmBenchData.random(rnd, n * n);
        c = new float[n * n];
    }

    private long flops() {
        return 2L * n * n * n;
    }

    @Benchmark
    public float[] step1Naive(GemmBenchmark.Flops f) {
        GemmSteps.naive(n, a, b, c);
        f.gflops += flops();
        return c;
    }

    @Benchmark
    public float[] step2ipjScalar(GemmBenchmark.Flops f) {
        GemmSteps.ipjScalar(n, a, b, c);
        f.gflops += flops();
        return c;
    }

    @Benchmark
    public float[] step3ipjVector(GemmBenchmark.Flops f) {
        GemmSteps.ipjVector(n, a, b, c);
        f.gflops += flops();
        return c;
    }

    @Benchmark
    public float[] step4tiled(GemmBenchmark.Flops f) {
        GemmSteps.tiled(n, a, b, c);
        f.gflops += flops();
        return c;
    }

    @Benchmark
    public float[] step5packed(GemmBenchmark.Flops f) {
        Gemm.gemm(false, false, n, n, n, a, 0, n, b, 0, n, c, 0, n, false);
        f.gflops += flops();
        return c;
    }
}
