package dev.pare.bench;

import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import dev.pare.tensor.kernels.BatchNormKernels;
import dev.pare.tensor.kernels.Binary;
import dev.pare.tensor.kernels.BinaryKernels;
import dev.pare.tensor.kernels.ReduceKernels;
import dev.pare.tensor.kernels.SoftmaxKernels;
import dev.pare.tensor.kernels.Unary;
import dev.pare.tensor.kernels.UnaryKernels;
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
 * The elementwise and reduction kernels, vector version against scalar twin, on one run of
 * {@code n} floats. Run with {@code -prof gc}: every vector kernel must allocate about 0 B/op
 * (a non-zero figure means C2 gave up on keeping vectors in registers).
 *
 * <pre>
 * java -jar bench/target/benchmarks.jar KernelBenchmark -prof gc
 * </pre>
 *
 * <p>Trap: at n = 100,352 one call is long, so JMH's own measurement loop is compiled by
 * on-stack replacement (OSR) with the kernel inlined into it, and in that compilation C2 boxes
 * some vectors (softmax then allocates for every element and runs several times slower). Add
 * {@code -jvmArgsAppend "--add-modules=jdk.incubator.vector -XX:-UseOnStackReplacement"} to see
 * the figures of normally compiled code, which is what a training loop runs.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class KernelBenchmark {
    @Param({"1024", "100352"})
    int n;

    float[] x;
    float[] y;
    float[] out;

    @Setup
    public void setup() {
        Rng rng = new Rng(1);
        x = Tensor.randn(rng, n).toArray();
        y = Tensor.randn(rng, n).toArray();
        out = new float[n];
    }

    @Benchmark
    public float[] reluVector() {
        UnaryKernels.apply(Unary.RELU, 0f, 0f, x, 0, 1, out, 0, 1, n);
        return out;
    }

    @Benchmark
    public float[] reluScalar() {
        UnaryKernels.scalar(Unary.RELU, 0f, 0f, x, 0, 1, out, 0, 1, n);
        return out;
    }

    /** Evaluation-mode batch norm with a fused ReLU: one channel of n floats. */
    @Benchmark
    public float[] batchNormEvalVector() {
        BatchNormKernels.evalAffine(x, 0, out, 0, n, 1, n, 0.1f, 1.3f, true, 0.9f, 0.05f, true);
        return out;
    }

    @Benchmark
    public float[] batchNormEvalScalar() {
        BatchNormKernels.evalAffineScalar(x, 0, out, 0, n, 1, n, 0.1f, 1.3f, true, 0.9f, 0.05f, true);
        return out;
    }

    @Benchmark
    public float[] expVector() {
        UnaryKernels.apply(Unary.EXP, 0f, 0f, x, 0, 1, out, 0, 1, n);
        return out;
    }

    @Benchmark
    public float[] expScalar() {
        UnaryKernels.scalar(Unary.EXP, 0f, 0f, x, 0, 1, out, 0, 1, n);
        return out;
    }

    @Benchmark
    public float[] mulVector() {
        BinaryKernels.apply(Binary.MUL, x, 0, 1, y, 0, 1, out, 0, 1, n);
        return out;
    }

    @Benchmark
    public float[] mulScalar() {
        BinaryKernels.scalar(Binary.MUL, x, 0, 1, y, 0, 1, out, 0, 1, n);
        return out;
    }

    @Benchmark
    public float sumVector() {
        return ReduceKernels.sum(x, 0, 1, n);
    }

    @Benchmark
    public float sumScalar() {
        return ReduceKernels.sumScalar(x, 0, 1, n);
    }

    @Benchmark
    public float dotVector() {
        return ReduceKernels.dot(x, 0, 1, y, 0, 1, n);
    }

    @Benchmark
    public float dotScalar() {
        return ReduceKernels.dotScalar(x, 0, 1, y, 0, 1, n);
    }

    @Benchmark
    public float[] axpyVector() {
        ReduceKernels.axpy(1e-9f, x, 0, 1, out, 0, 1, n);
        return out;
    }

    @Benchmark
    public float[] softmaxVector() {
        SoftmaxKernels.softmax(x, 0, out, 0, n);
        return out;
    }

    @Benchmark
    public float[] softmaxScalar() {
        SoftmaxKernels.softmaxScalar(x, 0, out, 0, n);
        return out;
    }
}
