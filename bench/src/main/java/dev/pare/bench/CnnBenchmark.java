package dev.pare.bench;

import dev.pare.nn.Module;
import dev.pare.nn.loss.CrossEntropyLoss;
import dev.pare.nn.optim.SGD;
import dev.pare.samples.FashionModels;
import dev.pare.tensor.GradMode;
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
 * The samples' two CNNs ({@link FashionModels#smallCnn} and {@link FashionModels#mobileNet}):
 * one SGD training step at batch 128, and inference at batch 1 and 256, at 1 and 2 threads.
 *
 * <p>This measures what {@code ./pare train-cnn} spends its time on, without the data loading,
 * the evaluation pass and the minutes of a whole epoch, and in the same per-call style as its
 * PyTorch twin {@code bench/peers/torch_cnn.py}, so the two can be compared cell by cell.
 * Training throughput in samples/s is 128 / (seconds per {@code trainStep}).
 *
 * <pre>
 * java -jar bench/target/benchmarks.jar CnnBenchmark
 * java -jar bench/target/benchmarks.jar CnnBenchmark -p arch=small -p threads=2 -wi 2 -i 3
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class CnnBenchmark {
    @Param({"small", "mobilenet"})
    String arch;

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
        model = arch.equals("small") ? FashionModels.smallCnn(rng) : FashionModels.mobileNet(rng);
        // The optimizer of TrainCnn: its momentum and weight-decay buffers are part of the step's cost.
        sgd = new SGD(model.parameters(), 0.05, 0.9, 0, true, 5e-4);
        loss = new CrossEntropyLoss();
        batch128 = Tensor.randn(rng, 128, 1, 28, 28);
        float[] y = new float[128];
        for (int i = 0; i < y.length; i++) {
            y[i] = rng.nextInt(10);
        }
        labels128 = Tensor.fromArray(y);
        batch1 = Tensor.randn(rng, 1, 1, 28, 28);
        batch256 = Tensor.randn(rng, 256, 1, 28, 28);
        // One training-mode pass moves BatchNorm's running statistics away from their initial
        // 0 and 1, so that eval-mode forwards normalise with figures like a trained network's.
        try (GradMode.Scope ignored = Tensor.noGrad()) {
            model.train();
            model.forward(batch128);
        }
    }

    /** One optimizer step at batch 128: forward, cross-entropy, backward, Nesterov SGD update. */
    @Benchmark
    public float trainStep() {
        model.train();
        sgd.zeroGrad();
        Tensor l = loss.apply(model.forward(batch128), labels128);
        l.backward();
        sgd.step();
        return l.item();
    }

    /** Inference on one image (eval mode, no graph recorded): the latency case. */
    @Benchmark
    public Tensor forwardBatch1() {
        model.eval();
        try (GradMode.Scope ignored = Tensor.noGrad()) {
            return model.forward(batch1);
        }
    }

    /** Inference on 256 images (eval mode, no graph recorded): the throughput case. */
    @Benchmark
    public Tensor forwardBatch256() {
        model.eval();
        try (GradMode.Scope ignored = Tensor.noGrad()) {
            return model.forward(batch256);
        }
    }
}
