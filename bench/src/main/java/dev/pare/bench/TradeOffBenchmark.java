package dev.pare.bench;

import dev.pare.compress.prune.MagnitudePruner;
import dev.pare.compress.prune.Mask;
import dev.pare.compress.prune.SparseFormat;
import dev.pare.compress.prune.SparseLinear;
import dev.pare.compress.prune.StructuredPruner;
import dev.pare.compress.quantize.Granularity;
import dev.pare.compress.quantize.MinMaxObserver;
import dev.pare.compress.quantize.Quantizer;
import dev.pare.nn.Linear;
import dev.pare.nn.Module;
import dev.pare.nn.train.LabeledBatch;
import dev.pare.samples.FashionModels;
import dev.pare.tensor.GradMode;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import dev.pare.tensor.parallel.Parallel;
import java.util.List;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The forward passes that {@code ./pare pipeline} times, under JMH, to cross-check its report:
 * every variant of the trade-off table (same architectures and formats, random weights pruned
 * and quantized the same way), at batch 1 and 256, plus the small CNN and its int8 version for
 * convolutions.
 *
 * <pre>
 * java -jar bench/target/benchmarks.jar TradeOffBenchmark -prof gc
 * java -jar bench/target/benchmarks.jar TradeOffBenchmark -p variant=teacher,stacked -p batch=1
 * </pre>
 *
 * Variants: {@code teacher} (MLP 784-256-128-10, fp32), {@code pruned-teacher} (90% global
 * magnitude, CSR {@link SparseLinear}), {@code structured-teacher} (half the hidden neurons:
 * 784-128-64-10), {@code int8-teacher} (static per-channel), {@code student} (784-128-10),
 * {@code pruned-student} (90%, CSR), {@code int8-student}, {@code stacked} (90% pruned then
 * static int8: what a {@code CompressedCheckpoint} loads into), {@code cnn} and
 * {@code int8-cnn} (the samples' small CNN, static per-channel).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class TradeOffBenchmark {
    @Param({"teacher", "pruned-teacher", "structured-teacher", "int8-teacher", "student", "pruned-student",
            "int8-student", "stacked", "cnn", "int8-cnn"})
    String variant;

    @Param({"1", "256"})
    int batch;

    @Param({"2"})
    int threads;

    Module model;
    Tensor x;
    private GradMode.Scope noGrad;

    @Setup(Level.Trial)
    public void setup() {
        Parallel.setThreads(threads);
        Rng rng = new Rng(7);
        boolean cnn = variant.endsWith("cnn");
        x = Tensor.randn(rng, batch, 1, 28, 28);
        Tensor calibration = Tensor.randn(rng, 64, 1, 28, 28);
        switch (variant) {
            case "teacher":
                model = FashionModels.mlp(rng);
                break;
            case "pruned-teacher":
                model = sparse(FashionModels.mlp(rng), List.of("1", "3", "5"));
                break;
            case "structured-teacher":
                model = FashionModels.mlp(rng);
                StructuredPruner.pruneNeurons(model, "1", "3", 0.5, StructuredPruner.Norm.L2);
                StructuredPruner.pruneNeurons(model, "3", "5", 0.5, StructuredPruner.Norm.L2);
                break;
            case "int8-teacher":
                model = int8(FashionModels.mlp(rng), calibration);
                break;
            case "student":
                model = student(rng);
                break;
            case "pruned-student":
                model = sparse(student(rng), List.of("1", "3"));
                break;
            case "int8-student":
                model = int8(student(rng), calibration);
                break;
            case "stacked":
                model = student(rng);
                MagnitudePruner.pruneGlobal(model, List.of("1.weight", "3.weight"), 0.9);
                Mask.removeAll(model);
                model = int8(model, calibration);
                break;
            case "cnn":
                model = FashionModels.smallCnn(rng);
                break;
            case "int8-cnn":
                model = int8(FashionModels.smallCnn(rng), calibration);
                break;
            default:
                throw new IllegalArgumentException("unknown variant " + variant);
        }
        model.eval();
        if (cnn) {
            // Running statistics away from their initial 0/1, as in a trained network.
            model.train();
            try (GradMode.Scope ignored = Tensor.noGrad()) {
                model.forward(calibration);
            }
            model.eval();
        }
        noGrad = Tensor.noGrad();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        noGrad.close();
    }

    /** One forward pass of the variant at the chosen batch, as the report times it. */
    @Benchmark
    public Tensor forward() {
        return model.forward(x);
    }

    /** The pipeline's default student, 784-128-10. */
    static Module student(Rng rng) {
        return FashionModels.mlp(rng, 128);
    }

    /** 90% global magnitude pruning of every Linear at {@code paths}, then CSR layers. */
    static Module sparse(Module m, List<String> paths) {
        MagnitudePruner.pruneGlobal(m, paths.stream().map(p -> p + ".weight").toList(), 0.9);
        for (String p : paths) {
            m.replaceModule(p, SparseLinear.fromLinear((Linear) m.getModule(p), SparseFormat.CSR));
        }
        return m;
    }

    /** Static per-channel int8, calibrated on one batch of random images. */
    static Module int8(Module m, Tensor calibration) {
        Module prepared = Quantizer.prepareStatic(m, MinMaxObserver::new);
        Quantizer.calibrate(prepared, List.of(LabeledBatch.of(calibration, Tensor.zeros(calibration.size(0)))), 1);
        return Quantizer.convertStatic(prepared, Granularity.PER_CHANNEL);
    }
}
