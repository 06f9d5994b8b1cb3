package dev.pare.samples;

import dev.pare.compress.report.LatencyStats;
import dev.pare.compress.report.TradeOffReport;
import dev.pare.compress.report.VariantResult;
import dev.pare.compress.search.Architecture;
import dev.pare.compress.search.Budget;
import dev.pare.compress.search.Hypervolume;
import dev.pare.compress.search.LatencyModel;
import dev.pare.compress.search.MultiplyAddLatency;
import dev.pare.compress.search.Objective;
import dev.pare.compress.search.SearchFrontier;
import dev.pare.compress.search.SearchSpace;
import dev.pare.compress.search.SearchStrategy;
import dev.pare.compress.search.Trial;
import dev.pare.compress.search.TrainingEvaluator;
import dev.pare.compress.search.latency.ForwardTimer;
import dev.pare.compress.search.latency.LatencyTable;
import dev.pare.compress.search.latency.MeasurementSettings;
import dev.pare.nn.Module;
import dev.pare.nn.data.DataLoader;
import dev.pare.nn.data.TensorDataset;
import dev.pare.nn.datasets.FashionMnist;
import dev.pare.nn.io.AtomicFiles;
import dev.pare.nn.io.SafeTensors;
import dev.pare.nn.loss.CrossEntropyLoss;
import dev.pare.nn.optim.LrSchedule;
import dev.pare.nn.optim.LrScheduler;
import dev.pare.nn.optim.SGD;
import dev.pare.nn.train.FitResult;
import dev.pare.nn.train.ProgressMode;
import dev.pare.nn.train.SchedulerInterval;
import dev.pare.nn.train.Trainer;
import dev.pare.tensor.Rng;
import dev.pare.tensor.parallel.Parallel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Searches a space of architectures for accurate and fast models on Fashion-MNIST, then retrains
 * the best of them with the full recipe and draws them on the trade-off chart.
 *
 * <pre>
 * ./pare search --subset --budget 2m                      # quick mode: under 3 minutes
 * ./pare search --budget 20m --strategy evolution --out search-out
 * ./pare search --budget 50 --strategy halving --seed 1  # 50 evaluations: reproducible
 * ./pare search --out search-out --resume                 # after a kill: carries on
 * </pre>
 *
 * <p>What it writes into {@code --out}: {@code search-state.txt} (after every evaluation),
 * {@code search.csv} (every evaluation), {@code frontier.csv} (the accuracy–latency frontier),
 * {@code retrained.csv} and {@code chart.png}/{@code .svg} (the retrained models beside the
 * hand-designed ones), and {@code found.safetensors} (the best retrained model; its metadata
 * names the architecture).
 */
@Command(name = "search", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Search architectures (MobileNetV2-style blocks or MLPs) for accuracy against latency on this "
                + "machine, retrain the best and chart them.")
public final class Search implements Callable<Integer> {
    @Option(names = "--space", paramLabel = "SPACE", description = "mbv2 (inverted-residual CNNs) or mlp (default: ${DEFAULT-VALUE}).")
    String space = "mbv2";

    @Option(names = "--strategy", paramLabel = "S", description = "random, evolution or halving (default: ${DEFAULT-VALUE}).")
    String strategy = "evolution";

    @Option(names = "--budget", paramLabel = "B",
            description = "Evaluations (50; reproducible) or search time (90s, 20m, 2h) (default: ${DEFAULT-VALUE}).")
    String budget = "20m";

    @Option(names = "--seed", paramLabel = "S", description = "Seed of every random choice (default: ${DEFAULT-VALUE}).")
    long seed = 0;

    @Option(names = "--threads", paramLabel = "T", description = "Kernel threads (default: all processors).")
    int threads = Runtime.getRuntime().availableProcessors();

    @Option(names = "--data", paramLabel = "DIR", description = "Directory with the Fashion-MNIST IDX files (default: as train-mlp).")
    Path data;

    @Option(names = "--subset", description = "Use the bundled 10,000-image subset (quick mode).")
    boolean subset;

    @Option(names = "--out", paramLabel = "DIR", description = "Where the state, CSVs, chart and model go (default: ${DEFAULT-VALUE}).")
    Path out = Path.of("search-out");

    @Option(names = "--resume", description = "Continue the search saved in --out (the settings must match; the budget may grow).")
    boolean resume;

    @Option(names = "--search-images", paramLabel = "N",
            description = "Training images per evaluation (default: 1,000 with --subset, 5,000 otherwise).")
    int searchImages = -1;

    @Option(names = "--validation-images", paramLabel = "N",
            description = "Held-out training images that score each evaluation (default: 500 with --subset, 1,000 otherwise).")
    int validationImages = -1;

    @Option(names = "--search-epochs", paramLabel = "E", description = "Epochs of an evaluation at fidelity 1 (default: ${DEFAULT-VALUE}).")
    int searchEpochs = 1;

    @Option(names = "--latency", paramLabel = "L",
            description = "Latency predictor: table (measured per unit on this machine, cached) or macs (a multiply-add "
                    + "proxy, no measuring) (default: ${DEFAULT-VALUE}).")
    String latency = "table";

    @Option(names = "--max-latency", paramLabel = "US", description = "Hard limit on predicted batch-1 latency, µs (default: none).")
    double maxLatency = 0;

    @Option(names = "--max-bytes", paramLabel = "B", description = "Hard limit on the model's float32 bytes (default: none).")
    long maxBytes = 0;

    @Option(names = "--target-latency", paramLabel = "US",
            description = "MnasNet's soft latency target, µs: slower models need more accuracy to rank equal (default: none).")
    double targetLatency = 0;

    @Option(names = "--retrain", paramLabel = "K", description = "Retrain the K most accurate frontier architectures (default: 3; 1 with --subset).")
    int retrain = -1;

    @Option(names = "--epochs", paramLabel = "E", description = "Epochs of the full-recipe retraining (default: 8; 1 with --subset).")
    int epochs = -1;

    @Option(names = "--baselines", paramLabel = "B,B,...", split = ",",
            description = "Hand-designed models trained with the retraining recipe for the chart, of: mlp, cnn, mobilenet, "
                    + "none (default: mlp,mobilenet; the small CNN is the slowest to train).")
    List<String> baselines = List.of("mlp", "mobilenet");

    @Option(names = "--hv-latency", paramLabel = "US",
            description = "Reference latency of the hypervolume, µs: give the same one to compare runs (default: 1.1 × the "
                    + "slowest predicted candidate of this run).")
    double hvLatency = 0;

    @Option(names = "--progress", paramLabel = "MODE", description = "${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    ProgressMode progress = ProgressMode.AUTO;

    /**
     * A low-fidelity run is a few dozen steps: small batches give it more of them, and a higher
     * peak rate than the samples' 0.05 moves BatchNorm networks off chance within them.
     */
    static final int EVALUATION_BATCH = 32;
    static final double EVALUATION_LR = 0.1;

    public static void main(String[] args) {
        System.exit(new CommandLine(new Search()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        // Each evaluation is a whole training run; the trainer's line per epoch would bury the progress bar.
        System.setProperty("org.slf4j.simpleLogger.log.dev.pare.nn.train.Trainer", "warn");
        if (threads < 1) {
            throw new IllegalArgumentException("--threads must be at least 1, got " + threads);
        }
        Parallel.setThreads(threads);
        for (String b : baselines) {
            if (!List.of("mlp", "cnn", "mobilenet", "none").contains(b)) {
                throw new IllegalArgumentException("--baselines: \"" + b + "\" is not one of mlp, cnn, mobilenet, none");
            }
        }
        SearchSpace searchSpace = SearchSpace.named(space);
        SearchStrategy searchStrategy = SearchStrategy.named(strategy);
        Budget searchBudget = Budget.parse(budget);
        Objective objective = new Objective(maxLatency, maxBytes, targetLatency);
        if (subset && data != null) {
            throw new IllegalArgumentException("--subset and --data " + data + " exclude each other");
        }
        FashionMnist fashion = subset ? FashionMnist.bundledSubset() : data == null ? FashionMnist.load() : FashionMnist.load(data);
        System.out.println("data: " + fashion);
        TensorDataset trainSet = fashion.train(true);
        int n = searchImages > 0 ? searchImages : fashion.isSubset() ? 1_000 : 5_000;
        int validationImages = this.validationImages > 0 ? this.validationImages : fashion.isSubset() ? 500 : 1_000;
        if (n + validationImages > trainSet.size()) {
            throw new IllegalArgumentException("--search-images " + n + " and --validation-images " + validationImages
                    + " need " + (n + validationImages) + " training images; the data has " + trainSet.size());
        }
        // The search trains on the first images and scores on the last ones; the test set is kept
        // for the retrained models.
        TrainingEvaluator evaluator = new TrainingEvaluator(TrainingEvaluator.slice(trainSet, 0, n),
                TrainingEvaluator.slice(trainSet, trainSet.size() - validationImages, validationImages),
                searchEpochs, EVALUATION_BATCH, EVALUATION_LR);

        // Short timings: a table entry is one term of a sum, and a trial's measured latency one
        // point of a scatter; the retrained models get careful ones below.
        MeasurementSettings light = new MeasurementSettings(List.of(1), threads, 50, 500, 0.1, 5, 50, 100, 0);
        LatencyModel model = latencyModel(light);
        ForwardTimer meter = new ForwardTimer(light);
        Files.createDirectories(out);
        Path stateFile = out.resolve("search-state.txt");
        System.out.printf(Locale.ROOT, "search: space %s, strategy %s, budget %s, seed %d, %d thread(s)%n", space,
                searchStrategy.describe(), searchBudget, seed, threads);
        System.out.println("evaluator: " + evaluator.describe());
        System.out.println("latency: " + model.describe());

        dev.pare.compress.search.Search.Result result;
        try (SearchBar bar = new SearchBar(progress, searchBudget)) {
            result = dev.pare.compress.search.Search.builder(searchSpace, searchStrategy, evaluator)
                    .latency(model).meter(meter).objective(objective).budget(searchBudget).seed(seed)
                    .stateFile(stateFile).resume(resume).listener(bar::update)
                    .build().run();
        }
        List<Trial> trials = result.trials();
        System.out.printf(Locale.ROOT, "search stopped: %s; %d evaluations (%d from the state file)%n",
                result.stopReason(), trials.size(), result.replayed());
        if (trials.isEmpty()) {
            System.out.println("no evaluation fitted in the budget");
            return 1;
        }
        writeCsv(out.resolve("search.csv"), trials);
        List<Trial> frontier = SearchFrontier.latency(trials);
        writeCsv(out.resolve("frontier.csv"), frontier);
        System.out.println();
        System.out.println("accuracy-latency frontier (validation accuracy after the search's short training):");
        for (Trial t : frontier) {
            System.out.printf(Locale.ROOT, "  %-44s acc %.4f  predicted %8.1f µs  measured %8.1f µs  %,9d params  %,11d MACs%n",
                    t.encoding(), t.accuracy(), t.predictedMicros(), t.measuredMicros(), t.parameters(), t.multiplyAdds());
        }
        double refLatency = hvLatency > 0 ? hvLatency
                : trials.stream().mapToDouble(Trial::predictedMicros).max().orElse(1) * 1.1;
        System.out.printf(Locale.ROOT, "hypervolume of accuracy above 0.5 against predicted latency below %.1f µs: %.2f%n",
                refLatency, Hypervolume.of(SearchFrontier.best(trials), refLatency, 0.5));

        retrainAndChart(searchSpace, frontier, fashion);
        return 0;
    }

    private LatencyModel latencyModel(MeasurementSettings settings) {
        switch (latency) {
            case "table": {
                LatencyTable table = LatencyTable.forThisMachine(settings);
                System.out.println("latency table: " + (table.isSaving() ? table.file() : "in memory") + ", "
                        + table.size() + " unit signatures cached");
                return LatencyModel.of(table, "latency table, machine " + table.key().id());
            }
            case "macs":
                return new MultiplyAddLatency(1_000, 20);
            default:
                throw new IllegalArgumentException("--latency \"" + latency + "\": expected table or macs");
        }
    }

    /** Retrains the most accurate frontier architectures with the full recipe, measures and charts them. */
    private void retrainAndChart(SearchSpace searchSpace, List<Trial> frontier, FashionMnist fashion) throws IOException {
        // Quick mode (the subset) retrains one architecture for one epoch: a taste of the full
        // recipe that keeps the whole command within a few minutes on two cores.
        int k = retrain >= 0 ? retrain : fashion.isSubset() ? 1 : 3;
        int e = epochs > 0 ? epochs : fashion.isSubset() ? 1 : 8;
        if (k == 0) {
            return;
        }
        List<Trial> best = new ArrayList<>(frontier);
        best.sort(Comparator.comparingDouble(Trial::accuracy).reversed());
        best = best.subList(0, Math.min(k, best.size()));
        DataLoader train = DataLoader.builder(fashion.train(true)).batchSize(128).shuffle(seed).build();
        DataLoader test = DataLoader.builder(fashion.test(true)).batchSize(500).build();
        ForwardTimer careful = new ForwardTimer(MeasurementSettings.quick().withThreads(threads));
        List<VariantResult> rows = new ArrayList<>();
        Map<String, Module> models = new LinkedHashMap<>();
        System.out.printf(Locale.ROOT, "%nretraining %d architecture(s) for %d epochs on %,d images, tested on %,d%n",
                best.size(), e, train.dataset().size(), test.dataset().size());
        int i = 0;
        for (Trial t : best) {
            Architecture a = searchSpace.decode(t.encoding());
            String name = "found-" + (++i);
            rows.add(trainAndMeasure(name, t.encoding(), a::build, a.inputShape(), e, train, test, careful, models));
        }
        for (String b : baselines) {
            switch (b) {
                case "mlp" -> rows.add(trainAndMeasure("MLP", "784-256-128-10", FashionModels::mlp, new int[] {1, 28, 28},
                        e, train, test, careful, models));
                case "cnn" -> rows.add(trainAndMeasure("small CNN", "FashionModels.smallCnn", FashionModels::smallCnn,
                        new int[] {1, 28, 28}, e, train, test, careful, models));
                case "mobilenet" -> rows.add(trainAndMeasure("MobileNet", "FashionModels.mobileNet", FashionModels::mobileNet,
                        new int[] {1, 28, 28}, e, train, test, careful, models));
                case "none" -> { }
                default -> throw new IllegalArgumentException("--baselines: \"" + b + "\" is not one of mlp, cnn, mobilenet, none");
            }
        }
        TradeOffReport report = new TradeOffReport(rows);
        System.out.println(report.table());
        AtomicFiles.write(out.resolve("retrained.csv"), report.csv().getBytes(StandardCharsets.UTF_8));
        TradeOffChart.write(report, "Architecture search (" + space + ", " + strategy + ", " + e + " epochs)", out);

        // The most accurate retrained architecture, as a model file.
        VariantResult top = rows.subList(0, best.size()).stream()
                .max(Comparator.comparingDouble(VariantResult::accuracy)).orElseThrow();
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("architecture", top.recipe());
        metadata.put("test_accuracy", String.format(Locale.ROOT, "%.4f", top.accuracy()));
        metadata.put("epochs", Integer.toString(e));
        metadata.put("seed", Long.toString(seed));
        metadata.put("dataset", fashion.isSubset() ? "fashion-mnist-subset" : "fashion-mnist");
        Path file = out.resolve("found.safetensors");
        SafeTensors.save(file, models.get(top.name()).stateDict(), metadata);
        System.out.printf(Locale.ROOT, "saved %s (%s, test accuracy %.4f); chart in %s%n", file, top.recipe(),
                top.accuracy(), out.resolve("chart.png"));
    }

    private VariantResult trainAndMeasure(String name, String recipe, Function<Rng, Module> build, int[] shape, int e,
                                          DataLoader train, DataLoader test, ForwardTimer timer, Map<String, Module> models)
            throws IOException {
        Module m = build.apply(new Rng(seed));
        SGD sgd = new SGD(m.parameters(), 0.05, 0.9, 0, true, 5e-4);
        LrScheduler schedule = new LrScheduler(sgd, LrSchedule.cosine(e * train.numBatches(), 0));
        Trainer trainer = Trainer.builder(m, new CrossEntropyLoss(), sgd).epochs(e)
                .scheduler(schedule, SchedulerInterval.BATCH).progress(progress).build();
        FitResult fit = trainer.fit(train, null);
        double accuracy = trainer.evaluate(test).accuracy();
        LatencyStats one = timer.time(m, shape, 1, name);
        LatencyStats many = timer.time(m, shape, 256, name);
        Path tmp = Files.createTempFile("pare-search", ".safetensors");
        long bytes;
        try {
            SafeTensors.save(tmp, m.stateDict(), Map.of());
            bytes = Files.size(tmp);
        } finally {
            Files.deleteIfExists(tmp);
        }
        models.put(name, m);
        System.out.printf(Locale.ROOT, "  %-10s %-44s test acc %.4f  batch-1 %8.1f µs  (%.0f s)%n", name, recipe, accuracy,
                one.medianMicros(), fit.seconds());
        return new VariantResult(name, recipe, accuracy, m.numParameters(), m.numParameters(), bytes, one,
                256 * 1e6 / many.medianMicros());
    }

    private static void writeCsv(Path file, List<Trial> trials) throws IOException {
        StringBuilder sb = new StringBuilder(Trial.csvHeader()).append('\n');
        for (Trial t : trials) {
            sb.append(t.csvRow()).append('\n');
        }
        AtomicFiles.write(file, sb.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** The search's progress: a bar over the budget with the best so far and the frontier's size, or a line per evaluation. */
    private static final class SearchBar implements AutoCloseable {
        private final ProgressBar bar;
        private final ProgressMode mode;
        private final Budget budget;

        SearchBar(ProgressMode mode, Budget budget) {
            this.mode = mode.resolved();
            this.budget = budget;
            this.bar = this.mode == ProgressMode.BAR
                    ? new ProgressBarBuilder().setTaskName("search").setInitialMax((long) Math.ceil(budget.amount()))
                            .setUnit(budget.timed() ? " s" : " evaluations", 1).setStyle(ProgressBarStyle.ASCII)
                            .setUpdateIntervalMillis(200).continuousUpdate().build()
                    : null;
        }

        void update(Trial t, boolean replayed, dev.pare.compress.search.Search.Status s) {
            String note = String.format(Locale.ROOT, "best %.4f %s | frontier %d", s.best().accuracy(), s.best().encoding(),
                    s.frontierSize());
            if (bar != null) {
                bar.stepTo((long) Math.min(Math.ceil(budget.amount()), Math.round(s.used())));
                bar.setExtraMessage(note);
            } else if (mode != ProgressMode.NONE) {
                System.out.printf(Locale.ROOT, "%s %3d %-44s @%d acc %.4f %6.1f s | %s%n", replayed ? "replayed" : "trial   ",
                        t.index(), t.encoding(), t.fidelity(), t.accuracy(), t.seconds(), note);
            }
        }

        @Override
        public void close() {
            if (bar != null) {
                bar.close();
            }
        }
    }
}
