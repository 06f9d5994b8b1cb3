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
import dev.pare.compress.search.latency.CorrelationReport;
import dev.pare.compress.search.latency.ForwardTimer;
import dev.pare.compress.search.latency.LatencyTable;
import dev.pare.compress.search.latency.MachineKey;
import dev.pare.compress.search.latency.MeasurementSettings;
import dev.pare.compress.search.latency.ProbeArchitectures;
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
import dev.pare.tensor.Tensor;
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
 * the best of them with the full recipe, beside the hand-designed MobileNet trained the same way,
 * and draws them on the trade-off chart.
 *
 * <pre>
 * ./pare search --subset --budget 2m                      # quick mode: under 3 minutes
 * ./pare search --budget 20m --max-latency mobilenet --out search-out   # against MobileNet, full data
 * ./pare search --budget 50 --strategy halving --seed 1  # 50 evaluations: reproducible
 * ./pare search --out search-out --resume                 # after a kill: carries on
 * </pre>
 *
 * <p>What it writes into {@code --out}: {@code search-state.txt} (after every evaluation),
 * {@code search.csv} (every evaluation), {@code frontier.csv} (the accuracy–latency frontier),
 * {@code correlation.txt} (predicted against measured latency of every evaluated architecture),
 * {@code summary.txt} (the search's figures, one {@code key=value} a line, for scripts that
 * compare runs), {@code retrained.csv} and {@code chart.png}/{@code .svg} (the retrained models
 * beside the hand-designed ones), {@code comparison.txt} (each found model against MobileNet,
 * with the verdict) and {@code found.safetensors} (the best retrained model; its metadata names
 * the architecture).
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

    @Option(names = "--threads", paramLabel = "T", description = "Kernel threads for training (default: all processors).")
    int threads = Runtime.getRuntime().availableProcessors();

    @Option(names = "--latency-threads", paramLabel = "T",
            description = "Kernel threads for every latency measurement and the latency table (default: ${DEFAULT-VALUE}: "
                    + "at batch 1 the steadiest and, for these small models, the fastest; see docs/search.md).")
    int latencyThreads = 1;

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

    @Option(names = "--max-latency", paramLabel = "L",
            description = "Hard limit on predicted batch-1 latency: µs (150), or mobilenet (the hand-designed MobileNet's "
                    + "latency, predicted on the same table), or a fraction of it (0.7xmobilenet) (default: none).")
    String maxLatency = "";

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

    @Option(names = "--recheck", paramLabel = "N",
            description = "After the search, time N of the evaluated architectures again with the careful settings, "
                    + "spread over their predicted latencies, and report how the predictions rank those timings "
                    + "(default: 40; 0 with --subset).")
    int recheck = -1;

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
        if (threads < 1 || latencyThreads < 1) {
            throw new IllegalArgumentException("--threads " + threads + " and --latency-threads " + latencyThreads
                    + " must be at least 1");
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
        LatencyLimit limit = LatencyLimit.parse(maxLatency);
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
        MeasurementSettings light = new MeasurementSettings(List.of(1), latencyThreads, 50, 500, 0.1, 5, 50, 100, 0);
        // A table entry is cached for good, so it may wait longer for the JIT than a trial's figure:
        // the first entries of a run are timed before any training has compiled the kernels.
        MeasurementSettings tableSettings = new MeasurementSettings(List.of(1), latencyThreads, 50, 2000, 0.1, 5, 50,
                100, 0);
        LatencyModel model = latencyModel(searchSpace, tableSettings);
        double maxMicros = limit.micros(model);
        Objective objective = new Objective(maxMicros, maxBytes, targetLatency);
        ForwardTimer meter = new ForwardTimer(light);
        Files.createDirectories(out);
        Path stateFile = out.resolve("search-state.txt");
        System.out.printf(Locale.ROOT, "search: space %s, strategy %s, budget %s, seed %d, %d training thread(s), "
                + "latency on %d thread(s)%n", space, searchStrategy.describe(), searchBudget, seed, threads, latencyThreads);
        System.out.println("evaluator: " + evaluator.describe());
        System.out.println("latency: " + model.describe());
        if (limit.reference()) {
            System.out.printf(Locale.ROOT, "hard limit: %s × MobileNet (%s, predicted %.1f µs) = %.1f µs%n",
                    limit.fraction(), ProbeArchitectures.mobileNet().encode(), maxMicros / limit.fraction(), maxMicros);
        }

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
        double hypervolume = Hypervolume.of(SearchFrontier.best(trials), refLatency, 0.5);
        String hvLine = String.format(Locale.ROOT,
                "hypervolume of accuracy above 0.5 against predicted latency below %.1f µs: %.2f", refLatency, hypervolume);
        System.out.println(hvLine);

        CorrelationReport correlation = correlation(trials);
        System.out.println();
        System.out.println("predicted against measured batch-1 latency of every evaluated architecture ("
                + model.describe() + "):");
        System.out.print(correlation.format());
        AtomicFiles.write(out.resolve("correlation.txt"), ("latency model: " + model.describe() + "\n"
                + correlation.format()).getBytes(StandardCharsets.UTF_8));
        int rechecks = recheck >= 0 ? recheck : fashion.isSubset() ? 0 : 40;
        CorrelationReport careful = rechecks >= 2 ? recheck(searchSpace, trials, rechecks) : null;
        if (careful != null) {
            System.out.println();
            System.out.printf(Locale.ROOT, "%d of them timed again with the careful settings:%n", careful.rows().size());
            System.out.print(careful.format());
            AtomicFiles.write(out.resolve("recheck.txt"), ("latency model: " + model.describe() + "\n"
                    + careful.format()).getBytes(StandardCharsets.UTF_8));
        }
        AtomicFiles.write(out.resolve("summary.txt"), String.format(Locale.ROOT,
                "space=%s%nstrategy=%s%nseed=%d%nbudget=%s%nevaluations=%d%nstop=%s%nlatency=%s%nmax_latency_us=%s%n"
                        + "hypervolume=%.4f%nhypervolume_reference_us=%.1f%nspearman=%.4f%n%s",
                space, searchStrategy.describe(), seed, searchBudget, trials.size(), result.stopReason(), model.describe(),
                maxMicros == 0 ? "none" : String.format(Locale.ROOT, "%.1f", maxMicros), hypervolume, refLatency,
                correlation.spearman(), careful == null ? ""
                        : String.format(Locale.ROOT, "spearman_recheck=%.4f%nrecheck_architectures=%d%n",
                                careful.spearman(), careful.rows().size())).getBytes(StandardCharsets.UTF_8));

        retrainAndChart(searchSpace, frontier, fashion);
        return 0;
    }

    /**
     * {@code n} of the evaluated architectures, evenly spread over their predicted latencies, timed
     * again at batch 1 with the careful settings after a prewarm of all of them, against the
     * predictions the search used. Why: during the search each candidate is timed once, briefly,
     * between two trainings, and when a latency limit keeps every candidate in a narrow band those
     * short timings reorder many neighbours; this separates what the predictor gets wrong from what
     * the quick timing does.
     */
    private CorrelationReport recheck(SearchSpace searchSpace, List<Trial> trials, int n) {
        List<Trial> pool = new ArrayList<>();
        for (Trial t : SearchFrontier.best(trials)) {
            if (t.predictedMicros() > 0) {
                pool.add(t);
            }
        }
        pool.sort(Comparator.comparingDouble(Trial::predictedMicros));
        List<Trial> picked = new ArrayList<>();
        for (int i = 0; i < Math.min(n, pool.size()); i++) {
            Trial t = pool.get(n >= pool.size() ? i : (int) ((long) i * (pool.size() - 1) / (n - 1)));
            if (picked.isEmpty() || picked.get(picked.size() - 1) != t) {
                picked.add(t);
            }
        }
        List<Architecture> architectures = new ArrayList<>();
        for (Trial t : picked) {
            architectures.add(searchSpace.decode(t.encoding()));
        }
        ForwardTimer careful = new ForwardTimer(MeasurementSettings.defaults().withBatches(1).withThreads(latencyThreads));
        careful.prewarm(architectures, RECHECK_PREWARM_MILLIS);
        List<CorrelationReport.Row> rows = new ArrayList<>();
        for (int i = 0; i < picked.size(); i++) {
            rows.add(new CorrelationReport.Row(picked.get(i).encoding(), picked.get(i).predictedMicros(),
                    careful.measure(architectures.get(i), 1).medianMicros()));
        }
        return CorrelationReport.of(1, rows);
    }

    /** Untimed time given to the rechecked architectures, in turns, before they are timed. */
    static final long RECHECK_PREWARM_MILLIS = 5_000;

    /**
     * The trials' predicted against measured latency, each architecture once (at its longest
     * training: the latencies do not depend on it).
     */
    static CorrelationReport correlation(List<Trial> trials) {
        List<CorrelationReport.Row> rows = new ArrayList<>();
        for (Trial t : SearchFrontier.best(trials)) {
            if (t.measuredMicros() > 0 && t.predictedMicros() > 0) {
                rows.add(new CorrelationReport.Row(t.encoding(), t.predictedMicros(), t.measuredMicros()));
            }
        }
        return CorrelationReport.of(1, rows);
    }

    private LatencyModel latencyModel(SearchSpace searchSpace, MeasurementSettings settings) {
        switch (latency) {
            case "table": {
                LatencyTable table = openTable(searchSpace, settings);
                System.out.println("latency table: " + (table.isSaving() ? table.file() : "in memory") + ", "
                        + table.size() + " unit signatures cached");
                return LatencyModel.of(table, "latency table, machine " + table.key().id());
            }
            case "macs": {
                // The rates are fitted to the table's predictions of a fixed sample of the space:
                // this machine's microseconds, measured once and cached, never a guessed constant.
                LatencyTable table = openTable(searchSpace, settings);
                System.out.println("latency table (to fit the multiply-add rates): "
                        + (table.isSaving() ? table.file() : "in memory") + ", " + table.size() + " unit signatures cached");
                return MultiplyAddLatency.fittedTo(searchSpace, table, "latency table, machine " + table.key().id());
            }
            default:
                throw new IllegalArgumentException("--latency \"" + latency + "\": expected table or macs");
        }
    }

    /**
     * This machine's latency table ({@link LatencyTable#forThisMachine}), which before timing its
     * first missing entry of the run runs MobileNet's twin and a few architectures of the space,
     * untimed. In a fresh JVM the kernels are not compiled yet: an entry timed then ran many times
     * slower (a 3×3 stem at 34 ms instead of tens of µs, on a busy machine), and a cached entry
     * stays wrong. A run whose table is complete never pays for the warm-up.
     */
    private LatencyTable openTable(SearchSpace searchSpace, MeasurementSettings settings) {
        MachineKey key = MachineKey.current(settings.threads());
        ForwardTimer timer = new ForwardTimer(settings);
        boolean[] warm = {false};
        return LatencyTable.open(LatencyTable.defaultFile(key), key, (unit, batch) -> {
            if (!warm[0]) {
                warm[0] = true;
                List<Architecture> workload = new ArrayList<>(List.of(ProbeArchitectures.mobileNet()));
                Rng rng = new Rng(seed);
                for (int i = 0; i < 3; i++) {
                    workload.add(searchSpace.sample(rng));
                }
                timer.prewarm(workload, PREWARM_MILLIS);
            }
            return timer.time(unit, batch);
        });
    }

    static final long PREWARM_MILLIS = 4_000;

    /**
     * {@code --max-latency}: none, a number of µs, or a fraction of the hand-designed MobileNet's
     * predicted latency (MnasNet's hard constraint, with the reference measured on this machine's
     * kernels rather than a phone's).
     *
     * @param value    µs, or the fraction of MobileNet's latency when {@code reference}
     * @param reference whether the limit is relative to MobileNet
     */
    record LatencyLimit(double value, boolean reference) {
        static LatencyLimit parse(String text) {
            String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
            if (t.isEmpty() || t.equals("none") || t.equals("0")) {
                return new LatencyLimit(0, false);
            }
            try {
                if (t.endsWith("mobilenet")) {
                    String f = t.substring(0, t.length() - "mobilenet".length());
                    double fraction = f.isEmpty() ? 1 : Double.parseDouble(f.substring(0, f.length() - 1));
                    if (!f.isEmpty() && !f.endsWith("x") || !(fraction > 0) || Double.isInfinite(fraction)) {
                        throw new NumberFormatException();
                    }
                    return new LatencyLimit(fraction, true);
                }
                double us = Double.parseDouble(t);
                if (!(us > 0) || Double.isInfinite(us)) {
                    throw new NumberFormatException();
                }
                return new LatencyLimit(us, false);
            } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
                throw new IllegalArgumentException("--max-latency \"" + text + "\": expected µs (150), mobilenet, or a "
                        + "positive fraction of it (0.7xmobilenet)");
            }
        }

        double fraction() {
            return reference ? value : 1;
        }

        /** The limit in µs (0: none), predicting MobileNet with {@code model} when relative to it. */
        double micros(LatencyModel model) {
            return reference ? value * model.predictMicros(ProbeArchitectures.mobileNet()) : value;
        }
    }

    /**
     * Retrains the most accurate frontier architectures with the full recipe, beside the
     * hand-designed baselines trained the same way in the same run; then times them all, compares
     * each found model with MobileNet, and charts them.
     */
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
        System.out.printf(Locale.ROOT, "%nretraining %d architecture(s) for %d epochs on %,d images, tested on %,d%n",
                best.size(), e, train.dataset().size(), test.dataset().size());
        List<Trained> trained = new ArrayList<>();
        int i = 0;
        for (Trial t : best) {
            Architecture a = searchSpace.decode(t.encoding());
            trained.add(train("found-" + (++i), t.encoding(), a::build, a.inputShape(), e, train, test));
        }
        for (String b : baselines) {
            switch (b) {
                case "mlp" -> trained.add(train("MLP", "784-256-128-10", FashionModels::mlp, new int[] {1, 28, 28}, e,
                        train, test));
                case "cnn" -> trained.add(train("small CNN", "FashionModels.smallCnn", FashionModels::smallCnn,
                        new int[] {1, 28, 28}, e, train, test));
                case "mobilenet" -> trained.add(train(MOBILENET, "FashionModels.mobileNet", FashionModels::mobileNet,
                        new int[] {1, 28, 28}, e, train, test));
                case "none" -> { }
                default -> throw new IllegalArgumentException("--baselines: \"" + b + "\" is not one of mlp, cnn, mobilenet, none");
            }
        }
        List<VariantResult> rows = measure(trained, fashion.isSubset());
        TradeOffReport report = new TradeOffReport(rows);
        System.out.println(report.table());
        AtomicFiles.write(out.resolve("retrained.csv"), report.csv().getBytes(StandardCharsets.UTF_8));
        TradeOffChart.write(report, "Architecture search (" + space + ", " + strategy + ", " + e + " epochs)", out);
        VariantResult mobileNet = rows.stream().filter(r -> r.name().equals(MOBILENET)).findFirst().orElse(null);
        if (mobileNet != null) {
            String comparison = comparison(rows.subList(0, best.size()), mobileNet);
            System.out.print(comparison);
            AtomicFiles.write(out.resolve("comparison.txt"), comparison.getBytes(StandardCharsets.UTF_8));
        }

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
        Module topModel = trained.stream().filter(t -> t.name.equals(top.name())).findFirst().orElseThrow().model;
        SafeTensors.save(file, topModel.stateDict(), metadata);
        System.out.printf(Locale.ROOT, "saved %s (%s, test accuracy %.4f); chart in %s%n", file, top.recipe(),
                top.accuracy(), out.resolve("chart.png"));
    }

    static final String MOBILENET = "MobileNet";

    /**
     * One standard error of a test accuracy near 0.9 on Fashion-MNIST's 10,000 test images,
     * √(0.9 · 0.1 / 10,000) = 0.003: two accuracies closer than this are a tie, so "matches" allows it.
     */
    static final double ACCURACY_TIE = 0.003;

    /** A retrained model before it is timed. */
    private record Trained(String name, String recipe, Module model, int[] shape, double accuracy, long bytes) {}

    private Trained train(String name, String recipe, Function<Rng, Module> build, int[] shape, int e, DataLoader train,
                          DataLoader test) throws IOException {
        Module m = build.apply(new Rng(seed));
        SGD sgd = new SGD(m.parameters(), 0.05, 0.9, 0, true, 5e-4);
        LrScheduler schedule = new LrScheduler(sgd, LrSchedule.cosine(e * train.numBatches(), 0));
        Trainer trainer = Trainer.builder(m, new CrossEntropyLoss(), sgd).epochs(e)
                .scheduler(schedule, SchedulerInterval.BATCH).progress(progress).build();
        FitResult fit = trainer.fit(train, null);
        double accuracy = trainer.evaluate(test).accuracy();
        Path tmp = Files.createTempFile("pare-search", ".safetensors");
        long bytes;
        try {
            SafeTensors.save(tmp, m.stateDict(), Map.of());
            bytes = Files.size(tmp);
        } finally {
            Files.deleteIfExists(tmp);
        }
        System.out.printf(Locale.ROOT, "  %-10s %-44s test acc %.4f  (%.0f s)%n", name, recipe, accuracy, fit.seconds());
        return new Trained(name, recipe, m, shape, accuracy, bytes);
    }

    /**
     * Times every retrained model at batch 1 and 256 on the latency threads, all after training,
     * keeping each model's fastest median over the rounds: a busy neighbour can only slow a round
     * down, and timing the models back to back, not each after its own training, lets them share
     * the machine's state of the moment.
     *
     * <p>Trap: each model's own warm-up is not enough once several models take turns (see
     * {@link LatencyStats#prewarmInTurns}; docs/search.md, "A trap in the timing", has the figures).
     * So every model first runs untimed, in turns ({@link #RETRAINED_PREWARM_MILLIS}), then they
     * are timed with the careful settings on the full data.
     */
    private List<VariantResult> measure(List<Trained> trained, boolean subset) {
        prewarm(trained, subset ? RETRAINED_PREWARM_MILLIS / 3 : RETRAINED_PREWARM_MILLIS);
        MeasurementSettings settings = subset ? MeasurementSettings.quick() : MeasurementSettings.defaults();
        ForwardTimer careful = new ForwardTimer(settings.withThreads(latencyThreads));
        LatencyStats[] one = new LatencyStats[trained.size()];
        LatencyStats[] many = new LatencyStats[trained.size()];
        for (int round = 0; round < (subset ? 2 : 3); round++) {
            for (int i = 0; i < trained.size(); i++) {
                Trained t = trained.get(i);
                LatencyStats b1 = careful.time(t.model, t.shape, 1, t.name);
                LatencyStats b256 = careful.time(t.model, t.shape, 256, t.name);
                one[i] = one[i] == null || b1.medianMicros() < one[i].medianMicros() ? b1 : one[i];
                many[i] = many[i] == null || b256.medianMicros() < many[i].medianMicros() ? b256 : many[i];
            }
        }
        List<VariantResult> rows = new ArrayList<>();
        for (int i = 0; i < trained.size(); i++) {
            Trained t = trained.get(i);
            System.out.printf(Locale.ROOT, "  %-10s batch-1 %8.1f µs on %d thread(s)%n", t.name, one[i].medianMicros(),
                    latencyThreads);
            rows.add(new VariantResult(t.name, t.recipe, t.accuracy, t.model.numParameters(), t.model.numParameters(),
                    t.bytes, one[i], 256 * 1e6 / many[i].medianMicros()));
        }
        return rows;
    }

    /** Untimed time given to all the retrained models, in turns, before any of them is timed (see {@link #measure}). */
    static final long RETRAINED_PREWARM_MILLIS = 12_000;

    /** Runs every model at batch 1 and 256 untimed, in turns ({@link LatencyStats#prewarmInTurns}), {@code totalMillis} in all. */
    private void prewarm(List<Trained> trained, long totalMillis) {
        List<Module> models = new ArrayList<>();
        List<List<Tensor>> inputs = new ArrayList<>();
        for (Trained t : trained) {
            models.add(t.model);
            List<Tensor> xs = new ArrayList<>();
            for (int batch : new int[] {1, 256}) {
                int[] shape = new int[t.shape.length + 1];
                shape[0] = batch;
                System.arraycopy(t.shape, 0, shape, 1, t.shape.length);
                xs.add(Tensor.randn(new Rng(seed), shape));
            }
            inputs.add(xs);
        }
        int before = Parallel.threads();
        Parallel.setThreads(latencyThreads);
        try {
            LatencyStats.prewarmInTurns(models, inputs, totalMillis / (2L * 2 * trained.size()));
        } finally {
            Parallel.setThreads(before);
        }
    }

    /**
     * The test of a found model against the hand-designed MobileNet trained the same way:
     * <b>beats</b> it when more accurate at no more batch-1 latency, <b>matches</b> it when
     * within {@link #ACCURACY_TIE} of its accuracy at ≤ 0.7 × its latency.
     */
    static String verdict(double accuracy, double micros, double mobileNetAccuracy, double mobileNetMicros) {
        double ratio = micros / mobileNetMicros;
        if (accuracy > mobileNetAccuracy && ratio <= 1) {
            return "beats MobileNet";
        }
        if (accuracy >= mobileNetAccuracy - ACCURACY_TIE && ratio <= 0.7) {
            return "matches MobileNet at <= 0.7x its latency";
        }
        if (ratio > 1) {
            return "slower than MobileNet";
        }
        return "less accurate than MobileNet";
    }

    /** The final table: each found model against MobileNet, with the ratios and the verdict. */
    static String comparison(List<VariantResult> found, VariantResult mobileNet) {
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT,
                "%nagainst MobileNet trained the same way in this run:%n  %-10s %-44s %9s %11s %11s %11s  %s%n", "model",
                "architecture", "test acc", "batch-1 µs", "× MobileNet", "bytes", "verdict"));
        for (VariantResult r : found) {
            s.append(String.format(Locale.ROOT, "  %-10s %-44s %9.4f %11.1f %11.2f %,11d  %s%n", r.name(), r.recipe(),
                    r.accuracy(), r.batch1().medianMicros(), r.batch1().medianMicros() / mobileNet.batch1().medianMicros(),
                    r.fileBytes(), verdict(r.accuracy(), r.batch1().medianMicros(), mobileNet.accuracy(),
                            mobileNet.batch1().medianMicros())));
        }
        s.append(String.format(Locale.ROOT, "  %-10s %-44s %9.4f %11.1f %11.2f %,11d%n", mobileNet.name(), mobileNet.recipe(),
                mobileNet.accuracy(), mobileNet.batch1().medianMicros(), 1.0, mobileNet.fileBytes()));
        return s.toString();
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
