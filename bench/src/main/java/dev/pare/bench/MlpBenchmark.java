package dev.pare.bench;

import dev.pare.nn.Flatten;
import dev.pare.nn.Linear;
import dev.pare.nn.Module;
import dev.pare.nn.ReLU;
import dev.pare.nn.Sequential;
import dev.pare.nn.loss.CrossEntropyLoss;
import dev.pare.nn.optim.SGD;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import dev.pare.tensor.parallel.Parallel;
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
 * The MLP 784-256-128-10 of the samples: one SGD training step at batch 128 (forward, loss,
 * backward, update), and inference latency at batch 1 and 256, at 1 and 2 threads.
 *
 * <p>Training throughput in samples/s is 128 / (seconds per {@code trainStep}).
 *
 * <pre>
 * java -jar bench/target/benchmarks.jar MlpBenchmark
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class MlpBenchmark {
    @Param({"1", "2"})
    int threads;

    Module model;
    SGD sgd;
    CrossEntropyLoss loss;
    Tensor batch128;
    Tensor labels128;
    Tensor batch1;
    Tensor batch256;

    @Setup(Level.Trial)
    public void setup() {
        Parallel.setThreads(threads);
        Rng rng = new Rng(42);
        model = new Sequential(new Flatten(), new Linear(784, 256, rng), new ReLU(), new Linear(256, 128, rng),
                new ReLU(), new Linear(128, 10, rng));
        sgd = new SGD(model.parameters(), 0.01, 0.9, 0, true, 5e-4);
        loss = new CrossEntropyLoss();
        batch128 = Tensor.randn(rng, 128, 1, 28, 28);
        float[] y = new float[128];
        for (int i = 0; i < y.length; i++) {
            y[i] = rng.nextInt(10);
        }
        labels128 = Tensor.fromArray(y);
        batch1 = Tensor.randn(rng, 1, 1, 28, 28);
        batch256 = Tensor.randn(rng, 256, 1, 28, 28);
    }

    /** One optimizer step at batch 128. */
    @Benchmark
    public float trainStep() {
        model.train();
        sgd.zeroGrad();
        Tensor l = loss.apply(model.forward(batch128), labels128);
        l.backward();
        sgd.step();
        return l.item();
    }

    /** Inference on one image (no graph recorded). */
    @Benchmark
    public Tensor forwardBatch1() {
        model.eval();
        try (var s = Tensor.noGrad()) {
            return model.forward(batch1);
        }
    }

    /** Inference on 256 images (no graph recorded). */
    @Benchmark
    public Tensor forwardBatch256() {
        model.eval();
        try (var s = Tensor.noGrad()) {
            return model.forward(batch256);
        }
    }
}
