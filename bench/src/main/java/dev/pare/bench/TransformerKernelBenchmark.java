package dev.pare.bench;

import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import dev.pare.tensor.kernels.LayerNormKernels;
import dev.pare.tensor.kernels.SoftmaxKernels;
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
 * The row kernels a Transformer adds (LayerNorm forward and backward, softmax backward), vector
 * version against scalar twin, on one row of {@code n} floats: n = 64 is a small model's
 * embedding or a short sequence's attention row, 768 BERT-base's embedding. Run with
 * {@code -prof gc}: every vector kernel must allocate about 0 B/op.
 *
 * <pre>
 * java -jar bench/target/benchmarks.jar TransformerKernelBenchmark -prof gc
 * </pre>
 *
 * <p>Trap: with a short warm-up ({@code -wi 2 -w 1}) on a loaded machine, C2 may not have
 * finished compiling the kernel when measurement starts, and the vectors of the interim code are
 * heap objects: the backward pass then shows tens to hundreds of B/op that vanish with
 * {@code -wi 6 -w 2}. Read the allocation of the last iterations, not of a run that was still
 * warming up.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class TransformerKernelBenchmark {
    @Param({"64", "768"})
    int n;

    float[] x;
    float[] g;
    float[] gamma;
    float[] beta;
    float[] y;
    float[] out;
    float[] dGamma;
    float[] dBeta;
    float[] stats;

    @Setup
    public void setup() {
        Rng rng = new Rng(1);
        x = Tensor.randn(rng, n).toArray();
        g = Tensor.randn(rng, n).toArray();
        gamma = Tensor.randn(rng, n).toArray();
        beta = Tensor.randn(rng, n).toArray();
        y = new float[n];
        SoftmaxKernels.softmax(x, 0, y, 0, n);
        out = new float[n];
        dGamma = new float[n];
        dBeta = new float[n];
        stats = new float[2];
        LayerNormKernels.moments(x, 0, n, 1e-5, stats, 0);
    }

    @Benchmark
    public float[] layerNormForwardVector() {
        LayerNormKernels.moments(x, 0, n, 1e-5, stats, 0);
        LayerNormKernels.normalize(x, 0, stats[0], stats[1], gamma, beta, 0, out, 0, n);
        return out;
    }

    @Benchmark
    public float[] layerNormForwardScalar() {
        LayerNormKernels.momentsScalar(x, 0, n, 1e-5, stats, 0);
        LayerNormKernels.normalizeScalar(x, 0, stats[0], stats[1], gamma, beta, 0, out, 0, n);
        return out;
    }

    @Benchmark
    public float[] layerNormBackwardVector() {
        LayerNormKernels.backwardRow(x, 0, g, 0, stats[0], stats[1], gamma, out, 0, n);
        LayerNormKernels.accumulateAffine(x, 0, g, 0, stats[0], stats[1], dGamma, dBeta, 0, n);
        return out;
    }

    @Benchmark
    public float[] layerNormBackwardScalar() {
        LayerNormKernels.backwardRowScalar(x, 0, g, 0, stats[0], stats[1], gamma, out, 0, n);
        LayerNormKernels.accumulateAffineScalar(x, 0, g, 0, stats[0], stats[1], dGamma, dBeta, 0, n);
        return out;
    }

    @Benchmark
    public float[] softmaxBackwardVector() {
        SoftmaxKernels.softmaxBackward(y, 0, g, 0, out, 0, n);
        return out;
    }

    @Benchmark
    public float[] softmaxBackwardScalar() {
        SoftmaxKernels.softmaxBackwardScalar(y, 0, g, 0, out, 0, n);
        return out;
    }
}
