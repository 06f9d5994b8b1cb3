package dev.pare.samples;

import dev.pare.compress.quantize.Granularity;
import dev.pare.compress.quantize.HistogramObserver;
import dev.pare.compress.quantize.MinMaxObserver;
import dev.pare.compress.quantize.MovingAverageMinMaxObserver;
import dev.pare.compress.quantize.Observer;
import dev.pare.compress.quantize.PercentileObserver;
import dev.pare.compress.quantize.QuantizedCheckpoint;
import dev.pare.compress.quantize.Quantizer;
import dev.pare.nn.Module;
import dev.pare.nn.data.Batch;
import dev.pare.nn.data.DataLoader;
import dev.pare.nn.datasets.FashionMnist;
import dev.pare.nn.io.SafeTensors;
import dev.pare.nn.loss.CrossEntropyLoss;
import dev.pare.nn.optim.LrSchedule;
import dev.pare.nn.optim.LrScheduler;
import dev.pare.nn.optim.SGD;
import dev.pare.nn.train.SchedulerInterval;
import dev.pare.nn.train.Trainer;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Quantizes the Fashion-MNIST MLP to int8 six ways and compares them: accuracy on the test set,
 * bytes on disk, and the median latency of one forward pass at batch 1 and batch 256.
 *
 * <pre>
 * ./pare train-mlp --out mlp.safetensors && ./pare quantize --model mlp.safetensors
 * ./pare quantize --subset --epochs 2 --qat-epochs 1       # quick: trains a small MLP first
 * </pre>
 *
 * Variants: fp32; weight-only, dynamic and static per channel; static per tensor; and QAT
 * (quantization-aware fine-tuning of a fake-quantized copy, then the static per-channel
 * conversion). Static variants calibrate on the first {@code --calibration-batches} training
 * batches. docs/quantization.md explains the arithmetic and the figures.
 */
@Command(name = "quantize", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Quantize the MLP to int8 (weight-only, dynamic, static per-tensor/per-channel, QAT) and "
                + "print accuracy, file size and batch-1/batch-256 latency against fp32.")
public final class Quantize implements Callable<Integer> {
    @Mixin
    TrainingOptions options;

    @Option(names = "--model", paramLabel = "FILE",
            description = "A trained MLP (default: train one now with --epochs): a file from ./pare train-mlp or "
                    + "distill, or one with PyTorch's names and dtypes (./pare export, or PyTorch's own safetensors "
                    + "file of nn.Sequential(nn.Linear(784, H), nn.ReLU(), ...)).")
    Path model;

    /** The MLP being quantized: train-mlp's 784-256-128-10, or the --model file's widths. */
    private ModelFile.Architecture architecture = new ModelFile.Architecture(ModelFile.Kind.MLP, new int[] {256, 128});

    @Option(names = "--calibration-batches", paramLabel = "N",
            description = "Training batches the static variants calibrate on (default: ${DEFAULT-VALUE}).")
    int calibrationBatches = 10;

    @Option(names = "--observer", paramLabel = "KIND",
            description = "Calibration observer: minmax, moving-average, percentile (99.99) or histogram "
                    + "(default: ${DEFAULT-VALUE}).")
    String observer = "minmax";

    @Option(names = "--qat-epochs", paramLabel = "N",
            description = "Epochs of quantization-aware fine-tuning (default: ${DEFAULT-VALUE}).")
    int qatEpochs = 1;

    @Option(names = "--latency-reps", paramLabel = "R",
            description = "Timed forward passes per latency figure; the median is reported (default: ${DEFAULT-VALUE}).")
    int latencyReps = 200;

    public static void main(String[] args) {
        System.exit(new CommandLine(new Quantize()).execute(args));
    }

    private record Row(String name, double accuracy, long bytes, double batch1Micros, double batch256Micros) {}

    @Override
    public Integer call() throws Exception {
        options.applyThreads();
        FashionMnist data = SampleSupport.loadData(options);
        DataLoader train = DataLoader.builder(data.train(true)).batchSize(options.batchSize)
                .shuffle(options.seed).build();
        DataLoader test = DataLoader.builder(data.test(true)).batchSize(1000).build();
        Supplier<Observer> observers = observerFactory(observer);

        Map<String, Tensor> fp32State = trainedState(train, test);
        Supplier<Module> fresh = () -> {
            Module m = architecture.build();
            m.loadStateDict(fp32State, true);
            return m;
        };
        Tensor one = firstImages(test, 1);
        Tensor many = firstImages(test, 256);
        Path dir = Files.createTempDirectory("pare-quantize");

        List<Row> rows = new ArrayList<>();
        Module fp32 = fresh.get();
        Path fp32File = dir.resolve("fp32.safetensors");
        SafeTensors.save(fp32File, fp32.stateDict());
        rows.add(measure("fp32", fp32, Files.size(fp32File), test, one, many));

        Module weightOnly = Quantizer.weightOnly(fresh.get(), Granularity.PER_CHANNEL);
        rows.add(measure("weight-only per-channel", weightOnly, save(dir, weightOnly), test, one, many));

        Module dynamic = Quantizer.dynamic(fresh.get(), Granularity.PER_CHANNEL);
        rows.add(measure("dynamic per-channel", dynamic, save(dir, dynamic), test, one, many));

        for (Granularity g : new Granularity[] {Granularity.PER_TENSOR, Granularity.PER_CHANNEL}) {
            Module prepared = Quantizer.prepareStatic(fresh.get(), observers);
            int used = Quantizer.calibrate(prepared, train, calibrationBatches);
            Module st = Quantizer.convertStatic(prepared, g);
            rows.add(measure("static " + g.label() + " (" + used + " batches, " + observer + ")", st,
                    save(dir, st), test, one, many));
        }

        if (qatEpochs > 0) {
            Module qat = Quantizer.prepareQat(fresh.get(), Granularity.PER_CHANNEL);
            // Fine-tuning, not training: a tenth of the usual peak rate, decaying to 0.
            SGD sgd = new SGD(qat.parameters(), options.learningRateOr(0.005), 0.9, 0, true, 5e-4);
            LrScheduler schedule = new LrScheduler(sgd, LrSchedule.cosine(qatEpochs * train.numBatches(), 0));
            Trainer.builder(qat, new CrossEntropyLoss(), sgd).epochs(qatEpochs)
                    .scheduler(schedule, SchedulerInterval.BATCH).progress(options.progress).build().fit(train);
            Module converted = Quantizer.convertQat(qat);
            rows.add(measure("QAT per-channel (" + qatEpochs + " epochs)", converted, save(dir, converted), test, one, many));
        }
        print(rows, data);
        return 0;
    }

    private Map<String, Tensor> trainedState(DataLoader train, DataLoader test) throws Exception {
        Module m;
        if (model != null) {
            ModelFile f = ModelFile.readFloatModel(model, "--model");
            if (f.architecture.kind() != ModelFile.Kind.MLP) {
                throw new IllegalArgumentException("--model " + model + ": holds " + f.architecture
                        + "; quantize works on the MLPs of ./pare train-mlp and distill");
            }
            architecture = f.architecture;
            m = f.model;
            System.out.println("loaded " + model + " (" + architecture
                    + (f.torchNames ? ", PyTorch's names 0, 2, 4 read as 1, 3, 5" : "") + ")");
        } else {
            m = FashionModels.mlp(new Rng(options.seed));
            int epochs = options.epochsOr(10);
            SGD sgd = new SGD(m.parameters(), options.learningRateOr(0.05), 0.9, 0, true, 5e-4);
            LrScheduler schedule = new LrScheduler(sgd, LrSchedule.cosine(epochs * train.numBatches(), 0));
            Trainer.builder(m, new CrossEntropyLoss(), sgd).epochs(epochs)
                    .scheduler(schedule, SchedulerInterval.BATCH).progress(options.progress).build().fit(train, test);
        }
        Map<String, Tensor> state = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : m.stateDict().entrySet()) {
            state.put(e.getKey(), e.getValue().detach().copy());
        }
        return state;
    }

    private static Supplier<Observer> observerFactory(String kind) {
        switch (kind) {
            case "minmax":
                return MinMaxObserver::new;
            case "moving-average":
                return MovingAverageMinMaxObserver::new;
            case "percentile":
                return () -> new PercentileObserver(99.99);
            case "histogram":
                return HistogramObserver::new;
            default:
                throw new IllegalArgumentException("--observer " + kind
                        + ": expected minmax, moving-average, percentile or histogram");
        }
    }

    private static long save(Path dir, Module m) throws Exception {
        return QuantizedCheckpoint.save(dir.resolve("q" + System.nanoTime() + ".safetensors"), m);
    }

    private static Tensor firstImages(DataLoader test, int n) {
        Batch b = test.iterator().next();
        return b.inputs().narrow(0, 0, n).contiguous();
    }

    @SuppressWarnings("try")
    private Row measure(String name, Module m, long bytes, DataLoader test, Tensor one, Tensor many) {
        m.eval();
        long correct = 0;
        long total = 0;
        try (var ignored = Tensor.noGrad()) {
            for (Batch b : test) {
                int[] pred = argmax(m.forward(b.inputs()));
                int[] y = b.labelIndices();
                for (int i = 0; i < y.length; i++) {
                    correct += pred[i] == y[i] ? 1 : 0;
                }
                total += y.length;
            }
            double t1 = medianMicros(m, one, latencyReps);
            double t256 = medianMicros(m, many, Math.max(5, latencyReps / 4));
            Row r = new Row(name, (double) correct / total, bytes, t1, t256);
            System.out.printf(Locale.ROOT, "measured %s%n", name);
            return r;
        }
    }

    private static double medianMicros(Module m, Tensor x, int reps) {
        // Warm-up of at least half a second: C2 compiles the kernels only after thousands of calls
        // of their loops, and a cold first variant would otherwise look ten times slower.
        long warmEnd = System.nanoTime() + 500_000_000L;
        for (int i = 0; i < 10 || System.nanoTime() < warmEnd; i++) {
            m.forward(x);
        }
        double[] t = new double[reps];
        for (int i = 0; i < reps; i++) {
            long start = System.nanoTime();
            m.forward(x);
            t[i] = (System.nanoTime() - start) / 1e3;
        }
        Arrays.sort(t);
        return t[reps / 2];
    }

    private static int[] argmax(Tensor logits) {
        Tensor c = logits.contiguous();
        int n = c.size(0);
        int k = c.size(1);
        float[] d = c.storage();
        int off = c.offset();
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            int best = 0;
            for (int j = 1; j < k; j++) {
                if (d[off + i * k + j] > d[off + i * k + best]) {
                    best = j;
                }
            }
            out[i] = best;
        }
        return out;
    }

    private void print(List<Row> rows, FashionMnist data) {
        Row base = rows.get(0);
        System.out.println();
        System.out.printf(Locale.ROOT, "%-44s %9s %8s %11s %8s %9s %11s %8s%n", "variant", "accuracy", "Δ points",
                "file bytes", "smaller", "batch 1", "batch 256", "speed-up");
        for (Row r : rows) {
            System.out.printf(Locale.ROOT, "%-44s %9.4f %+8.2f %,11d %7.2fx %7.1fµs %9.0fµs %4.2f/%4.2f%n",
                    r.name(), r.accuracy(), 100 * (r.accuracy() - base.accuracy()), r.bytes(),
                    (double) base.bytes() / r.bytes(), r.batch1Micros(), r.batch256Micros(),
                    base.batch1Micros() / r.batch1Micros(), base.batch256Micros() / r.batch256Micros());
        }
        System.out.println("speed-up: fp32 median time / variant median time, batch 1 / batch 256; "
                + "threads: " + options.threads + (data.isSubset() ? "; bundled subset, not the full test set" : ""));
    }
}
