package dev.pare.samples;

import dev.pare.compress.prune.BlockPruner;
import dev.pare.compress.prune.GradualPruner;
import dev.pare.compress.prune.GradualSchedule;
import dev.pare.compress.prune.MagnitudePruner;
import dev.pare.compress.prune.Mask;
import dev.pare.compress.prune.SparseCheckpoint;
import dev.pare.compress.prune.SparseFormat;
import dev.pare.compress.prune.SparseLinear;
import dev.pare.compress.prune.SparsityReport;
import dev.pare.compress.prune.StructuredPruner;
import dev.pare.nn.Linear;
import dev.pare.nn.Module;
import dev.pare.nn.data.Batch;
import dev.pare.nn.data.DataLoader;
import dev.pare.nn.datasets.FashionMnist;
import dev.pare.nn.loss.CrossEntropyLoss;
import dev.pare.nn.optim.LrSchedule;
import dev.pare.nn.optim.LrScheduler;
import dev.pare.nn.optim.SGD;
import dev.pare.nn.train.SchedulerInterval;
import dev.pare.nn.train.Trainer;
import dev.pare.tensor.GradMode;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Prunes the MLP 784-256-128-10 and measures what the zeros buy: accuracy, file bytes and latency.
 *
 * <p>For each sparsity s it compares two recipes from the same trained model:
 * <ul>
 *   <li><b>one-shot</b>: global magnitude pruning to s, then {@code --finetune-epochs} epochs of
 *       fine-tuning with the mask fixed;</li>
 *   <li><b>gradual</b>: Zhu and Gupta's cubic schedule from 0 to s over the first two thirds of
 *       the same epochs, training all along, the last third at s.</li>
 * </ul>
 * and, as the reference, the dense model trained on for the same epochs with the same recipe.
 * The gradual model is then converted to {@link SparseLinear} (CSR) layers, saved with
 * {@link SparseCheckpoint} and timed at batch 1 and 64 against the dense model. At 90% it also
 * tries 1×16 block pruning (the format that is fast at batch 1), and removes 50% of the hidden
 * neurons (structured pruning), before and after fine-tuning.
 *
 * <pre>
 * ./pare prune --subset --finetune-epochs 1                       # quick look, a few minutes
 * ./pare train-mlp --out mlp.safetensors
 * ./pare prune --model mlp.safetensors --finetune-epochs 10        # the full run (docs/pruning.md)
 * </pre>
 *
 * Latencies here are medians of plain timed loops, good enough to compare rows of one run; the
 * JMH figures are in {@code bench} (SparseLinearBenchmark).
 */
@Command(name = "prune", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Prune the Fashion-MNIST MLP (one-shot + fine-tune vs gradual, block, structured) and "
                + "print accuracy, non-zeros, file bytes and latency of sparse vs dense layers.")
public final class Prune implements Callable<Integer> {
    /** The three Linear layers of FashionModels.mlp (two hidden layers), by their path in its Sequential. */
    static final List<String> LAYERS = FashionModels.mlpLinearPaths(2);
    static final List<String> WEIGHTS = LAYERS.stream().map(p -> p + ".weight").toList();

    @Mixin
    TrainingOptions options;

    @Option(names = "--model", paramLabel = "FILE",
            description = "Start from this MLP with two hidden layers instead of training one first: a file from "
                    + "./pare train-mlp, or one with PyTorch's names and dtypes (./pare export, or PyTorch's own "
                    + "safetensors file of nn.Sequential(nn.Linear(784, H1), nn.ReLU(), ...)).")
    Path model;

    @Option(names = "--sparsities", paramLabel = "S,S,...", split = ",",
            description = "Sparsities to try (default: ${DEFAULT-VALUE}).")
    double[] sparsities = {0.5, 0.8, 0.9, 0.95};

    @Option(names = "--finetune-epochs", paramLabel = "N",
            description = "Epochs after pruning (one-shot) or while pruning (gradual) (default: ${DEFAULT-VALUE}).")
    int finetuneEpochs = 4;

    // 0.1, twice train-mlp's peak: a warm restart at a high rate (as in Renda, Frankle and Carbin's
    // "learning rate rewinding") let the gradual 90% model recover to within about 0.1 point of
    // the dense model trained as long; at 0.01 it stayed about 0.5 below (docs/pruning.md, §6).
    @Option(names = "--finetune-lr", paramLabel = "LR", description = "Peak learning rate of fine-tuning, for every "
            + "recipe and the dense reference (default: ${DEFAULT-VALUE}).")
    double finetuneLr = 0.1;

    @Option(names = "--finetune-wd", paramLabel = "WD", description = "Weight decay of fine-tuning (default: ${DEFAULT-VALUE}).")
    double finetuneWd = 5e-4;

    @Option(names = "--lr-schedule", paramLabel = "S",
            description = "Learning rate over the fine-tuning epochs, the same for every recipe and the dense reference: "
                    + "${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    FineTuneSchedule lrSchedule = FineTuneSchedule.COSINE;

    @Option(names = "--prune-end", paramLabel = "F",
            description = "Fraction of the fine-tuning steps by which gradual pruning reaches its target (default: ${DEFAULT-VALUE}).")
    double pruneEnd = 2.0 / 3;

    @Option(names = "--prunings", paramLabel = "N", description = "Pruning steps of the gradual schedule (default: ${DEFAULT-VALUE}).")
    int prunings = 10;

    @Option(names = "--layerwise", description = "Gradual and one-shot pruning give every layer the same sparsity (default: global).")
    boolean layerwise;

    @Option(names = "--no-one-shot", description = "Skip the one-shot rows (quicker recipe experiments).")
    boolean noOneShot;

    @Option(names = "--no-extras", description = "Skip the block and structured pruning rows.")
    boolean noExtras;

    /** How the learning rate moves over the fine-tuning epochs. */
    enum FineTuneSchedule {
        /** One cosine decay from the peak to 0 over all the fine-tuning steps. */
        COSINE,
        /**
         * A cosine decay over the pruning phase, then a second one (a warm restart at the peak) over
         * the steps left: the network trains at the final sparsity with a fresh, decaying rate.
         */
        RESTART
    }

    /** The MLP being pruned: train-mlp's 784-256-128-10, or the --model file's widths. */
    private ModelFile.Architecture architecture = new ModelFile.Architecture(ModelFile.Kind.MLP, new int[] {256, 128});
    private FashionMnist data;
    private DataLoader train;
    private DataLoader test;
    private Tensor one;
    private Tensor batch64;

    public static void main(String[] args) {
        System.exit(new CommandLine(new Prune()).execute(args));
    }

    /** One line of the results table. */
    record Row(String recipe, double sparsity, double accuracy, long nonZeros, long fileBytes, double us1, double us64) {}

    @Override
    public Integer call() throws Exception {
        options.applyThreads();
        data = SampleSupport.loadData(options);
        train = DataLoader.builder(data.train(true)).batchSize(options.batchSize).shuffle(options.seed).build();
        test = DataLoader.builder(data.test(true)).batchSize(1000).build();
        Batch first = test.iterator().next();
        batch64 = first.inputs().narrow(0, 0, 64).contiguous();
        one = first.inputs().narrow(0, 0, 1).contiguous();

        Module base = baseModel();
        List<Row> rows = new ArrayList<>();
        long t0 = System.nanoTime();
        rows.add(measure("dense (start)", base, 0));

        Module denseLonger = copyOf(base);
        fineTune(denseLonger, null);
        rows.add(measure("dense +" + finetuneEpochs + " epochs", denseLonger, 0));

        SparsityReport lastReport = null;
        for (double s : sparsities) {
            if (!noOneShot) {
                Module oneShot = copyOf(base);
                if (layerwise) {
                    MagnitudePruner.pruneEachLayer(oneShot, WEIGHTS, s);
                } else {
                    MagnitudePruner.pruneGlobal(oneShot, WEIGHTS, s);
                }
                fineTune(oneShot, null);
                rows.add(measure("one-shot+FT", toSparse(oneShot, SparseFormat.CSR), s));
            }

            Module gradual = copyOf(base);
            long span = pruningSteps();
            // Prune over the first --prune-end of the steps, in --prunings steps (or one per batch
            // if there are fewer); the rest trains at the final sparsity to recover.
            int n = (int) Math.max(1, Math.min(prunings, span));
            GradualPruner pruner = new GradualPruner(gradual, WEIGHTS, !layerwise,
                    GradualSchedule.over(s, 0, span, n));
            fineTune(gradual, pruner);
            pruner.finish();
            Module sparse = toSparse(gradual, SparseFormat.CSR);
            rows.add(measure("gradual", sparse, s));
            lastReport = SparsityReport.of(sparse);
        }

        if (!noExtras) {
            Module block = copyOf(base);
            // The 10-output classifier is left dense: its rows are too short and too important to cut into blocks.
            BlockPruner.prune(block, "1.weight", 0.9, 16);
            BlockPruner.prune(block, "3.weight", 0.9, 16);
            fineTune(block, null);
            rows.add(measure("block 1x16 one-shot+FT", toSparse(block, SparseFormat.BLOCK_16), 0.9));

            Module structured = copyOf(base);
            StructuredPruner.pruneNeurons(structured, "1", "3", 0.5, StructuredPruner.Norm.L2);
            StructuredPruner.pruneNeurons(structured, "3", "5", 0.5, StructuredPruner.Norm.L2);
            rows.add(measure("structured 50% neurons", structured, 0.5));
            fineTune(structured, null);
            rows.add(measure("structured 50% +FT", structured, 0.5));
        }

        System.out.println();
        System.out.printf(Locale.ROOT, "%-24s %8s %9s %11s %12s %11s %11s%n", "recipe", "sparsity", "accuracy",
                "non-zeros", "file bytes", "batch 1 us", "batch 64 us");
        for (Row r : rows) {
            System.out.printf(Locale.ROOT, "%-24s %7.0f%% %9.4f %,11d %,12d %11.1f %11.1f%n", r.recipe(), 100 * r.sparsity(),
                    r.accuracy(), r.nonZeros(), r.fileBytes(), r.us1(), r.us64());
        }
        System.out.printf(Locale.ROOT, "%n(%s, %d fine-tuning epochs, %.0f s in all; latencies: median of timed loops, "
                + "whole model, %d thread(s))%n", data.isSubset() ? "bundled subset" : "full Fashion-MNIST", finetuneEpochs,
                (System.nanoTime() - t0) / 1e9, dev.pare.tensor.parallel.Parallel.threads());
        if (lastReport != null) {
            System.out.println();
            System.out.println("per-layer report of the last gradual model:");
            System.out.print(lastReport);
        }
        return 0;
    }

    /** The trained MLP: loaded from --model, or trained here with train-mlp's recipe. */
    private Module baseModel() throws Exception {
        if (model != null) {
            ModelFile f = ModelFile.readFloatModel(model, "--model");
            if (f.architecture.kind() != ModelFile.Kind.MLP || f.architecture.hidden().length != 2) {
                throw new IllegalArgumentException("--model " + model + ": holds " + f.architecture + "; prune works on "
                        + "an MLP with two hidden layers (784-H1-H2-10, as ./pare train-mlp writes)");
            }
            architecture = f.architecture;
            System.out.println("loaded " + model + " (" + architecture
                    + (f.torchNames ? ", PyTorch's names 0, 2, 4 read as 1, 3, 5" : "") + ")");
            return f.model;
        }
        Module m = FashionModels.mlp(new Rng(options.seed));
        int epochs = options.epochsOr(10);
        System.out.println("training the dense MLP for " + epochs + " epochs (or pass --model FILE from ./pare train-mlp)");
        SGD sgd = new SGD(m.parameters(), options.learningRateOr(0.05), 0.9, 0, true, 5e-4);
        LrScheduler schedule = new LrScheduler(sgd, LrSchedule.cosine(epochs * train.numBatches(), 0));
        Trainer.builder(m, new CrossEntropyLoss(), sgd).epochs(epochs).scheduler(schedule, SchedulerInterval.BATCH)
                .progress(options.progress).build().fit(train, test);
        return m;
    }

    private Module copyOf(Module base) {
        Module m = architecture.build();
        Mask.loadStateDict(m, base.stateDict());
        return m;
    }

    /** The optimizer steps over which gradual pruning runs: the first --prune-end of the fine-tuning. */
    private long pruningSteps() {
        if (!(pruneEnd > 0 && pruneEnd <= 1)) {
            throw new IllegalArgumentException("--prune-end must be in (0, 1], got " + pruneEnd);
        }
        return Math.max(1, (long) (pruneEnd * finetuneEpochs * train.numBatches()));
    }

    /**
     * --finetune-epochs of SGD (Nesterov momentum 0.9, --finetune-wd) with the --lr-schedule
     * learning rate; {@code pruner} (may be null) prunes along the way. Every recipe, the dense
     * reference included, gets exactly this schedule, so that only the pruning differs.
     */
    private void fineTune(Module m, GradualPruner pruner) {
        if (finetuneEpochs == 0) {
            return;
        }
        SGD sgd = new SGD(m.parameters(), finetuneLr, 0.9, 0, true, finetuneWd);
        int total = finetuneEpochs * train.numBatches();
        LrSchedule lr = LrSchedule.cosine(total, 0);
        int phase = (int) pruningSteps();
        if (lrSchedule == FineTuneSchedule.RESTART && phase < total) {
            lr = LrSchedule.cosine(phase, 0).then(phase, LrSchedule.cosine(total - phase, 0));
        }
        LrScheduler schedule = new LrScheduler(sgd, lr);
        Trainer t = Trainer.builder(m, new CrossEntropyLoss(), sgd).epochs(finetuneEpochs)
                .scheduler(schedule, SchedulerInterval.BATCH).progress(options.progress).build();
        if (pruner == null) {
            t.fit(train);
        } else {
            t.fit(pruner.wrap(train));
        }
    }

    /** The model with its masked layers replaced by SparseLinear in {@code format} (unmasked ones stay dense). */
    private static Module toSparse(Module m, SparseFormat format) {
        for (String p : LAYERS) {
            Module layer = m.getModule(p);
            if (layer instanceof Linear && Mask.isMasked(layer, "weight")) {
                m.replaceModule(p, SparseLinear.fromLinear((Linear) layer, format));
            }
        }
        return m;
    }

    private Row measure(String recipe, Module m, double sparsity) throws Exception {
        m.eval();
        double acc = Trainer.builder(m, new CrossEntropyLoss(), new SGD(List.of(Tensor.zeros(1).requiresGrad(true)), 0))
                .build().evaluate(test).accuracy();
        Path file = Files.createTempFile("pare-prune", ".safetensors");
        try {
            SparseCheckpoint.save(file, m, Map.of("architecture", "mlp"));
            long bytes = Files.size(file);
            long nnz = SparsityReport.of(m).total().nonZeros();
            Row r = new Row(recipe, sparsity, acc, nnz, bytes, microseconds(m, one, 2000), microseconds(m, batch64, 200));
            System.out.printf(Locale.ROOT, "%s at %.0f%%: accuracy %.4f%n", recipe, 100 * sparsity, acc);
            return r;
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** Median time of one forward pass in microseconds, after as many warm-up calls. */
    private static double microseconds(Module m, Tensor x, int reps) {
        try (GradMode.Scope ignored = Tensor.noGrad()) {
            for (int i = 0; i < reps; i++) {
                m.forward(x);
            }
            long[] ns = new long[reps];
            for (int i = 0; i < reps; i++) {
                long t = System.nanoTime();
                m.forward(x);
                ns[i] = System.nanoTime() - t;
            }
            Arrays.sort(ns);
            return ns[reps / 2] / 1e3;
        }
    }
}
