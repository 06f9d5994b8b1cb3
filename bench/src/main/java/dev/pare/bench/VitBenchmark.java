package dev.pare.bench;

import dev.pare.nn.attention.ViTConfig;
import dev.pare.nn.attention.VisionTransformer;
import dev.pare.nn.loss.CrossEntropyLoss;
import dev.pare.nn.loss.Reduction;
import dev.pare.nn.optim.AdamWGroups;
import dev.pare.nn.optim.LrScheduler;
import dev.pare.samples.FashionModels;
import dev.pare.samples.TrainVit;
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
 * The Vision Transformer of {@code ./pare train-vit} ({@link FashionModels#vit}): one training
 * step at batch 128 with TrainVit's optimizer, schedule and label smoothing, and inference at
 * batch 1 and 256, at 1 and 2 threads: the cells of its PyTorch twin
 * {@code bench/peers/torch_vit.py}, which times the same network (the state-dict twin of the
 * fixtures) the same way. Training throughput in samples/s is 128 / (seconds per {@code trainStep}).
 *
 * <pre>
 * java -jar bench/target/benchmarks.jar VitBenchmark
 * java -jar bench/target/benchmarks.jar 'VitBenchmark.trainStep$' -p threads=1 -f 1
 * java -jar bench/target/benchmarks.jar VitBenchmark -p patch=4 -p threads=2
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
// Long warm-up: a training step reaches its steady time only after about 12 s, while C2
// compiles its many kernels; shorter warm-ups time the compilation (docs/attention.md §9, Speed).
@Warmup(iterations = 18, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class VitBenchmark {
    /** 7: 16 patch tokens (the calibration model); 4: 49. */
    @Param({"7"})
    int patch;

    @Param({"64"})
    int dim;

    @Param({"1", "2"})
    int threads;

    VisionTransformer model;
    AdamWGroups adamw;
    LrScheduler schedule;
    CrossEntropyLoss loss;
    Tensor batch128;
    Tensor labels128;
    Tensor batch1;
    Tensor batch256;

    @Setup(Level.Trial)
    public void setup() {
        Parallel.setThreads(threads);
        Rng rng = new Rng(42);
        model = FashionModels.vit(rng, ViTConfig.fashion(patch, dim, 6, 4));
        // TrainVit's optimizer and schedule (10 epochs of 469 steps): their state is part of a step's cost.
        adamw = TrainVit.optimizer(model, 1e-3, 0.05);
        schedule = new LrScheduler(adamw, TrainVit.schedule(469, 4690));
        loss = new CrossEntropyLoss(Reduction.MEAN, 0.1f);
        batch128 = Tensor.randn(rng, 128, 1, 28, 28);
        float[] y = new float[128];
        for (int i = 0; i < y.length; i++) {
            y[i] = rng.nextInt(10);
        }
        labels128 = Tensor.fromArray(y);
        batch1 = Tensor.randn(rng, 1, 1, 28, 28);
        batch256 = Tensor.randn(rng, 256, 1, 28, 28);
    }

    /** One optimizer step at batch 128: forward, smoothed cross-entropy, backward, AdamW, schedule. */
    @Benchmark
    public float trainStep() {
        model.train();
        adamw.zeroGrad();
        Tensor l = loss.apply(model.forward(batch128), labels128);
        l.backward();
        adamw.step();
        schedule.step();
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
