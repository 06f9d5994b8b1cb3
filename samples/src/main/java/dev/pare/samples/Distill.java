package dev.pare.samples;

import dev.pare.compress.distill.DistillationLoss;
import dev.pare.compress.distill.Distiller;
import dev.pare.compress.distill.HintLoss;
import dev.pare.compress.distill.TeacherLogitCache;
import dev.pare.nn.Flatten;
import dev.pare.nn.Linear;
import dev.pare.nn.Module;
import dev.pare.nn.ReLU;
import dev.pare.nn.Sequential;
import dev.pare.nn.data.AugmentedDataset;
import dev.pare.nn.data.DataLoader;
import dev.pare.nn.data.ImageTransform;
import dev.pare.nn.data.RandomHorizontalFlip;
import dev.pare.nn.data.RandomShift;
import dev.pare.nn.data.TensorDataset;
import dev.pare.nn.datasets.FashionMnist;
import dev.pare.nn.io.Checkpoint;
import dev.pare.nn.io.SafeTensors;
import dev.pare.nn.loss.CrossEntropyLoss;
import dev.pare.nn.optim.LrSchedule;
import dev.pare.nn.optim.LrScheduler;
import dev.pare.nn.optim.SGD;
import dev.pare.nn.train.FitResult;
import dev.pare.nn.train.LabeledBatch;
import dev.pare.nn.train.SchedulerInterval;
import dev.pare.nn.train.Trainer;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Knowledge distillation on Fashion-MNIST: a CNN teacher, and a small MLP student trained twice
 * per seed with the same initial weights, data order and budget, once from the labels alone and
 * once from the teacher.
 *
 * <pre>
 * ./pare distill --subset --teacher-epochs 2 --student-epochs 3 --seeds 1   # a quick look
 * ./pare train-cnn --out cnn.safetensors && ./pare distill --teacher cnn.safetensors
 * </pre>
 *
 * <p>The defaults (student 784-53-10, the widest 10× smaller than the small CNN; 100 epochs;
 * T = 1, α = 0.7) are the best of the search in docs/distillation.md: distillation pays with a
 * long schedule, in which the scratch student overfits and the distilled one does not, and at a
 * low temperature; the classic T = 4, α = 0.9 did worse for this small student. The table at
 * the end gives each model's parameters, bytes on disk (safetensors), median batch-1 latency, and
 * test accuracy as mean ± sample standard deviation over the seeds.
 */
@Command(name = "distill", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Distil a CNN teacher into a small MLP student on Fashion-MNIST and compare it with the same "
                + "student trained from scratch (same seeds, same budget).")
public final class Distill implements Callable<Integer> {
    @Option(names = "--teacher", paramLabel = "FILE",
            description = "A teacher saved by train-cnn or train-mlp (metadata 'architecture'); repeat it to give one "
                    + "teacher per seed (seed i uses teacher i mod count). Default: train a small CNN.")
    List<Path> teacherFiles = new ArrayList<>();

    @Option(names = "--teacher-epochs", paramLabel = "N", description = "Epochs when training the teacher (default: ${DEFAULT-VALUE}).")
    int teacherEpochs = 8;

    @Option(names = "--student-epochs", paramLabel = "N", description = "Epochs of each student run (default: ${DEFAULT-VALUE}).")
    int studentEpochs = 100;

    @Option(names = "--student-hidden", paramLabel = "H", split = ",",
            description = "Hidden units of the student 784-H-10; a comma-separated list gives one hidden layer each, "
                    + "e.g. 48,48 for 784-48-48-10 (default: 53).")
    List<Integer> hidden = new ArrayList<>(List.of(53));

    @Option(names = "--temperature", paramLabel = "T", split = ",",
            description = "Softmax temperature T > 0; a comma-separated list searches over them (default: 1).")
    List<Float> temperatures = new ArrayList<>(List.of(1f));

    @Option(names = "--alpha", paramLabel = "A", split = ",",
            description = "Weight of the soft term, in [0, 1]; a comma-separated list searches over them (default: 0.7).")
    List<Float> alphas = new ArrayList<>(List.of(0.7f));

    @Option(names = "--hint-weight", paramLabel = "BETA",
            description = "Weight of FitNets-style hint loss from the student's hidden layer to the teacher's penultimate "
                    + "layer; 0 turns it off (default: ${DEFAULT-VALUE}). Runs the teacher on the fly.")
    float hintWeight = 0f;

    @Option(names = "--seeds", paramLabel = "N", description = "Seeds per student (--seed, --seed + 1, ...; default: ${DEFAULT-VALUE}).")
    int seeds = 3;

    @Option(names = "--no-cache", description = "Run the teacher on every batch instead of caching its logits once.")
    boolean noCache;

    @Option(names = "--augment", paramLabel = "T", split = ",",
            description = "Augment the training images, identically for the scratch and the distilled student: shift "
                    + "(random translation by up to --shift pixels), flip (mirror left-right with probability 1/2). "
                    + "Each epoch is its own seeded view; the teacher's logits are cached per view. Default: none.")
    List<String> augment = new ArrayList<>();

    @Option(names = "--shift", paramLabel = "PX", description = "Largest shift of --augment shift, in pixels (default: ${DEFAULT-VALUE}).")
    int maxShift = 2;

    @Option(names = "--view-cache", paramLabel = "DIR",
            description = "Keep the teacher's logits of each augmented view in DIR and reuse them in later runs with the "
                    + "same teacher file, transforms and seed (default: recompute in every run).")
    Path viewCacheDir;

    @Option(names = "--views", paramLabel = "K",
            description = "Distinct augmented views: epoch e reads view e mod K, so the teacher runs on K views only; "
                    + "0 means one per epoch (default: ${DEFAULT-VALUE}).")
    int views = 0;

    @Mixin
    TrainingOptions options;

    @Mixin
    CheckpointOptions checkpoints;

    public static void main(String[] args) {
        System.exit(new CommandLine(new Distill()).execute(args));
    }

    /**
     * The student 784-H₁-…-H_k-10, ReLU after every hidden layer: (784 + 1)·H + (H + 1)·10
     * parameters for one hidden layer (42,145 for H = 53, the widest 10× smaller than the small CNN).
     */
    static Sequential student(List<Integer> hidden, Rng rng) {
        for (int h : hidden) {
            if (h < 1) {
                throw new IllegalArgumentException("--student-hidden: a layer needs at least 1 unit, got " + h);
            }
        }
        return FashionModels.mlp(rng, hidden.stream().mapToInt(Integer::intValue).toArray());
    }

    /** The student's name, e.g. 784-48-48-10. */
    private String studentName() {
        StringBuilder b = new StringBuilder("784");
        for (int h : hidden) {
            b.append('-').append(h);
        }
        return b.append("-10").toString();
    }

    /** One trained teacher and the layer whose output a hint matches (its last hidden representation). */
    private record Teacher(String arch, Module model, int hintLayer, double accuracy, Path file) {}

    @Override
    public Integer call() throws Exception {
        options.applyThreads();
        if (seeds < 1) {
            throw new IllegalArgumentException("--seeds must be at least 1, got " + seeds);
        }
        // Every (T, α) pair of the grid, checked before any training so that a typo costs nothing.
        List<float[]> grid = new ArrayList<>();
        for (float t : temperatures) {
            for (float a : alphas) {
                new DistillationLoss(t, a);
                grid.add(new float[] {t, a});
            }
        }
        if (hintWeight > 0 && !noCache) {
            System.out.println("--hint-weight needs the teacher's hidden features of every batch: running it on the fly");
            noCache = true;
        }
        List<ImageTransform> transforms = transforms();
        checkpoints.validateMultiRun("distill-checkpoints");
        FashionMnist data = SampleSupport.loadData(options);
        TensorDataset trainSet = data.train(true);
        // Views depend on the base seed only: shared by every seed's runs and by the teacher cache.
        AugmentedDataset firstView = transforms.isEmpty() ? null : new AugmentedDataset(trainSet, transforms, options.seed, 0);
        int viewCount = views > 0 ? Math.min(views, studentEpochs) : studentEpochs;
        TensorDataset testSet = data.test(true);
        DataLoader test = DataLoader.builder(testSet).batchSize(1000).build();

        List<Teacher> teachers = new ArrayList<>();
        if (teacherFiles.isEmpty()) {
            teachers.add(trainTeacher(trainSet, test));
        } else {
            for (Path f : teacherFiles) {
                teachers.add(loadTeacher(f, test));
            }
        }

        // The teachers' logits, computed once per teacher and shared by every seed's run.
        Map<Teacher, TeacherLogitCache[]> caches = new LinkedHashMap<>();
        Map<Teacher, EpochViews.ViewCaches> viewCaches = new LinkedHashMap<>();
        if (!noCache) {
            for (Teacher t : teachers) {
                if (firstView != null) {
                    // Only a teacher read from a file has an identity that a later run can check.
                    Path dir = t.file == null ? null : viewCacheDir;
                    String key = "teacher " + (t.file == null ? "trained" : t.file.toAbsolutePath() + " "
                            + Files.size(t.file) + " B " + Files.getLastModifiedTime(t.file)) + " | " + transforms
                            + " | seed " + options.seed;
                    viewCaches.put(t, new EpochViews.ViewCaches(t.model, firstView, dir, key));
                }
                TeacherLogitCache trainCache = firstView != null ? null : TeacherLogitCache.compute(t.model, trainSet, 500);
                TeacherLogitCache testCache = TeacherLogitCache.compute(t.model, testSet, 500);
                double trainSeconds = trainCache != null ? trainCache.seconds() : 0;
                System.out.printf(Locale.ROOT, "teacher logits cached in %.1f s (train %.1f s, test %.1f s)%s%n",
                        trainSeconds + testCache.seconds(), trainSeconds, testCache.seconds(),
                        firstView != null ? "; the train set's per augmented view, when first used" : "");
                caches.put(t, new TeacherLogitCache[] {trainCache, testCache});
            }
        }

        double[] scratch = new double[seeds];
        double[][] distilled = new double[grid.size()][seeds];
        double scratchSeconds = 0;
        double distilSeconds = 0;
        Module[] lastStudents = new Module[grid.size()];
        for (int i = 0; i < seeds; i++) {
            long seed = options.seed + i;
            Teacher teacher = teachers.get(i % teachers.size());

            Sequential plain = student(hidden, new Rng(seed));
            SGD sgd = sgd(plain.parameters());
            DataLoader train = trainLoader(trainSet, seed);
            Iterable<? extends LabeledBatch> trainBatches = firstView == null ? train
                    : new EpochViews(firstView, viewCount, options.batchSize, seed, null);
            String scratchRun = "seed" + seed + "-scratch";
            Trainer scratchTrainer = checkpoints.configure(Trainer.builder(plain, new CrossEntropyLoss(), sgd), scratchRun,
                            options, studentInfo(seed)).epochs(studentEpochs)
                    .scheduler(schedule(sgd, train), SchedulerInterval.BATCH).progress(options.progress).build();
            FitResult r = checkpoints.run(scratchTrainer, scratchRun, trainBatches, test);
            scratch[i] = r.finalEvaluation().accuracy();
            scratchSeconds += r.seconds();

            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "seed %d: scratch %.4f (%.1f s)",
                    seed, scratch[i], r.seconds()));
            for (int g = 0; g < grid.size(); g++) {
                float temperature = grid.get(g)[0];
                float alpha = grid.get(g)[1];
                Sequential student = student(hidden, new Rng(seed)); // the same initial weights as the scratch run
                List<Tensor> params = new ArrayList<>(student.parameters());
                HintLoss hint = null;
                if (hintWeight > 0) {
                    int teacherWidth = teacherFeatureWidth(teacher, trainSet);
                    Linear projection = HintLoss.linearProjection(hidden.get(hidden.size() - 1), teacherWidth,
                            new Rng(seed).fork());
                    params.addAll(projection.parameters());
                    // The student's last hidden ReLU: layer 2k of Flatten, (Linear, ReLU) × k, Linear.
                    hint = new HintLoss(teacher.hintLayer, 2 * hidden.size(), projection, hintWeight);
                }
                SGD dsgd = sgd(params);
                DataLoader dtrain = trainLoader(trainSet, seed); // the same data order as the scratch run
                String run = "seed" + seed + "-T" + temperature + "-a" + alpha;
                String[] info = distilledInfo(seed, teacher, temperature, alpha);
                Distiller.Builder b = Distiller.builder(teacher.model, student, new DistillationLoss(temperature, alpha), dsgd)
                        .epochs(studentEpochs).scheduler(schedule(dsgd, dtrain), SchedulerInterval.BATCH)
                        .progress(options.progress)
                        .trainerOptions(tb -> checkpoints.configure(tb, run, options, info));
                if (hint != null) {
                    b.hint(hint);
                }
                Distiller distiller = b.build();
                Iterable<? extends LabeledBatch> dbatches;
                Iterable<? extends LabeledBatch> dtest;
                if (firstView != null) {
                    dbatches = new EpochViews(firstView, viewCount, options.batchSize, seed,
                            noCache ? null : viewCaches.get(teacher));
                    dtest = noCache ? test : caches.get(teacher)[1].attach(test);
                } else {
                    // Without caching, fitBatches on plain batches runs the teacher on each one, as fit does.
                    dbatches = noCache ? dtrain : caches.get(teacher)[0].attach(dtrain);
                    dtest = noCache ? test : caches.get(teacher)[1].attach(test);
                }
                FitResult d = checkpoints.run(run, c -> distiller.resumeBatches(c, dbatches, dtest),
                        () -> distiller.fitBatches(dbatches, dtest));
                distilled[g][i] = d.finalEvaluation().accuracy();
                distilSeconds += d.seconds();
                lastStudents[g] = student;
                line.append(String.format(Locale.ROOT, ", distilled T=%s a=%s %.4f (%.1f s)", temperature, alpha,
                        distilled[g][i], d.seconds()));
            }
            System.out.println(line + String.format(Locale.ROOT, ", teacher %s %.4f", teacher.arch, teacher.accuracy));
        }

        double[] teacherAcc = teachers.stream().mapToDouble(Teacher::accuracy).toArray();
        Tensor one = testSet.get(0).input().unsqueeze(0);
        System.out.println();
        System.out.printf(Locale.ROOT, "hint weight = %s, %d student epochs, %s, %s%n", hintWeight, studentEpochs,
                data.isSubset() ? "bundled subset" : "full Fashion-MNIST",
                firstView == null ? "no augmentation" : "augmentation " + transforms + " over " + viewCount + " view(s)");
        for (var e : viewCaches.entrySet()) {
            System.out.printf(Locale.ROOT, "teacher %s: logits of %d augmented view(s) computed in %.1f s, %d read from %s%n",
                    e.getKey().arch, e.getValue().computed(), e.getValue().seconds(), e.getValue().loaded(), viewCacheDir);
        }
        System.out.printf(Locale.ROOT, "%-32s %10s %12s %16s %22s%n", "model", "params", "bytes", "batch-1 latency", "test accuracy");
        row("teacher (" + teachers.get(0).arch + ")", teachers.get(0).model, one, teacherAcc);
        row("student " + studentName() + " scratch", student(hidden, new Rng(0)), one, scratch);
        int best = 0;
        for (int g = 0; g < grid.size(); g++) {
            row(String.format(Locale.ROOT, "student %s distilled T=%s a=%s", studentName(), grid.get(g)[0], grid.get(g)[1]),
                    lastStudents[g], one, distilled[g]);
            if (mean(distilled[g]) > mean(distilled[best])) {
                best = g;
            }
        }
        Module student = lastStudents[best];
        System.out.printf(Locale.ROOT, "%s: gain of distillation %+.2f points on the mean; the student keeps %.1f%% of the "
                        + "teacher's accuracy with %.1fx fewer parameters%n",
                grid.size() > 1 ? String.format(Locale.ROOT, "best on test, T=%s a=%s (optimistic: chosen on the test set)",
                        grid.get(best)[0], grid.get(best)[1]) : "distilled",
                100 * (mean(distilled[best]) - mean(scratch)), 100 * mean(distilled[best]) / mean(teacherAcc),
                (double) teachers.get(0).model.numParameters() / student.numParameters());
        System.out.printf(Locale.ROOT, "training time over %d seed(s): scratch %.1f s, distilled %.1f s (%d setting(s); teacher %s)%n",
                seeds, scratchSeconds, distilSeconds, grid.size(),
                noCache ? "run on every batch" : "logits cached once, time above");

        Path out = options.out != null ? options.out : Path.of("distilled-student.safetensors");
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("architecture", "mlp-" + studentName());
        metadata.put("teacher", teachers.get((seeds - 1) % teachers.size()).arch);
        metadata.put("temperature", Float.toString(grid.get(best)[0]));
        metadata.put("alpha", Float.toString(grid.get(best)[1]));
        metadata.put("test_accuracy", String.format(Locale.ROOT, "%.4f", distilled[best][seeds - 1]));
        metadata.put("seed", Long.toString(options.seed + seeds - 1));
        SafeTensors.save(out, student.stateDict(), metadata);
        System.out.printf(Locale.ROOT, "saved the last distilled student (T=%s, a=%s) to %s%n", grid.get(best)[0],
                grid.get(best)[1], out);
        return 0;
    }

    /** The transforms --augment names, in order: shift, then flip. */
    private List<ImageTransform> transforms() {
        List<ImageTransform> out = new ArrayList<>();
        for (String a : augment) {
            switch (a.trim()) {
                // The background after normalisation: a black pixel is (0 − MEAN) / STD, not 0.
                case "shift": out.add(new RandomShift(maxShift, -FashionMnist.MEAN / FashionMnist.STD)); break;
                case "flip": out.add(new RandomHorizontalFlip()); break;
                case "none": break;
                default: throw new IllegalArgumentException("--augment: unknown transform '" + a + "'; expected shift or flip");
            }
        }
        if (views < 0) {
            throw new IllegalArgumentException("--views must be >= 0, got " + views);
        }
        return out;
    }

    private Teacher trainTeacher(TensorDataset trainSet, DataLoader test) throws IOException {
        System.out.printf(Locale.ROOT, "training the teacher: small CNN, %d epochs (pass --teacher FILE to reuse one)%n",
                teacherEpochs);
        Module cnn = FashionModels.smallCnn(new Rng(options.seed));
        DataLoader train = trainLoader(trainSet, options.seed);
        SGD sgd = sgd(cnn.parameters());
        LrScheduler schedule = new LrScheduler(sgd, LrSchedule.cosine(teacherEpochs * train.numBatches(), 0));
        Trainer trainer = checkpoints.configure(Trainer.builder(cnn, new CrossEntropyLoss(), sgd), "teacher", options,
                        "arch", "cnn").epochs(teacherEpochs)
                .scheduler(schedule, SchedulerInterval.BATCH).progress(options.progress).build();
        FitResult r = checkpoints.run(trainer, "teacher", train, test);
        Path file = Path.of("distill-teacher.safetensors");
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("architecture", "cnn");
        metadata.put("test_accuracy", String.format(Locale.ROOT, "%.4f", r.finalEvaluation().accuracy()));
        metadata.put("epochs", Integer.toString(teacherEpochs));
        metadata.put("seed", Long.toString(options.seed));
        SafeTensors.save(file, cnn.stateDict(), metadata);
        System.out.printf(Locale.ROOT, "teacher: %.4f test accuracy; saved to %s%n", r.finalEvaluation().accuracy(), file);
        return new Teacher("cnn", cnn, hintLayer("cnn"), r.finalEvaluation().accuracy(), null);
    }

    private static Teacher loadTeacher(Path file, DataLoader test) throws IOException {
        Checkpoint c = SafeTensors.read(file);
        String arch = c.metadata().get("architecture");
        Rng unused = new Rng(0); // initial weights, overwritten by the checkpoint
        Module model;
        if ("cnn".equals(arch)) {
            model = FashionModels.smallCnn(unused);
        } else if ("mobilenet".equals(arch)) {
            model = FashionModels.mobileNet(unused);
        } else if ("mlp".equals(arch)) {
            model = FashionModels.mlp(unused);
        } else {
            throw new IllegalArgumentException("--teacher " + file + ": metadata 'architecture' is " + arch
                    + "; expected cnn, mobilenet or mlp (a file written by train-cnn or train-mlp)");
        }
        model.loadStateDict(c.toStateDict(), true);
        model.eval();
        double acc = Trainer.builder(model, new CrossEntropyLoss(), new SGD(model.parameters(), 0)).build()
                .evaluate(test).accuracy();
        System.out.printf(Locale.ROOT, "teacher %s (%s): %.4f test accuracy%n", file, arch, acc);
        return new Teacher(arch, model, hintLayer(arch), acc, file);
    }

    /** The index, in FashionModels' Sequential, of the teacher's last hidden representation. */
    private static int hintLayer(String arch) {
        switch (arch) {
            case "cnn": return 10;       // ReLU after linear 3136→128 (before dropout)
            case "mlp": return 4;        // ReLU after linear 256→128
            case "mobilenet": return 7;  // flatten after global pooling, 128 features
            default: throw new IllegalArgumentException("no hint layer known for " + arch);
        }
    }

    @SuppressWarnings("try")
    private static int teacherFeatureWidth(Teacher t, TensorDataset data) {
        Sequential net = (Sequential) t.model;
        Tensor h = data.get(0).input().unsqueeze(0);
        try (var ignored = Tensor.noGrad()) {
            for (int i = 0; i <= t.hintLayer; i++) {
                h = net.get(i).forward(h);
            }
        }
        return h.size(1);
    }

    /** What a student run's checkpoint must agree on, beyond the shared options. */
    private String[] studentInfo(long seed) {
        return new String[] {"run_seed", Long.toString(seed), "student_hidden", hidden.toString(),
            "augment", augment.toString() + " shift " + maxShift + " views " + views};
    }

    /** What a distilled run's checkpoint must agree on: the student's, and the teacher and loss. */
    private String[] distilledInfo(long seed, Teacher teacher, float temperature, float alpha) {
        List<String> info = new ArrayList<>(List.of(studentInfo(seed)));
        info.addAll(List.of("teacher", teacher.file == null ? "trained " + teacher.arch : teacher.file.toAbsolutePath().toString(),
                "temperature", Float.toString(temperature), "alpha", Float.toString(alpha),
                "hint_weight", Float.toString(hintWeight), "teacher_logits", noCache ? "on the fly" : "cached"));
        return info.toArray(new String[0]);
    }

    private DataLoader trainLoader(TensorDataset trainSet, long seed) {
        return DataLoader.builder(trainSet).batchSize(options.batchSize).shuffle(seed).build();
    }

    /** The training samples' recipe: SGD with Nesterov momentum 0.9 and weight decay 5e-4. */
    private SGD sgd(List<Tensor> params) {
        return new SGD(params, options.learningRateOr(0.05), 0.9, 0, true, 5e-4);
    }

    /** Half a cosine from the peak learning rate to 0 over the run, stepped per batch. */
    private LrScheduler schedule(SGD sgd, DataLoader train) {
        return new LrScheduler(sgd, LrSchedule.cosine(studentEpochs * train.numBatches(), 0));
    }

    private static void row(String name, Module model, Tensor one, double[] acc) throws IOException {
        Path tmp = Files.createTempFile("pare-distill", ".safetensors");
        long bytes;
        try {
            SafeTensors.save(tmp, model.stateDict());
            bytes = Files.size(tmp);
        } finally {
            Files.deleteIfExists(tmp);
        }
        String accuracy = acc.length > 1
                ? String.format(Locale.ROOT, "%.2f ± %.2f %% (n=%d)", 100 * mean(acc), 100 * std(acc), acc.length)
                : String.format(Locale.ROOT, "%.2f %% (n=1)", 100 * acc[0]);
        System.out.printf(Locale.ROOT, "%-32s %,10d %,12d %13.3f ms %22s%n", name, model.numParameters(), bytes,
                latencyMillis(model, one), accuracy);
    }

    /**
     * Median wall time of one forward pass on one image, in evaluation mode without a graph. 1,000
     * untimed passes first let the JIT compile the batch-1 paths (with 50, the first model measured
     * came out ten times slower than an identical one measured after it), and the median ignores
     * the odd pause of a shared machine, which a mean would not.
     */
    @SuppressWarnings("try")
    static double latencyMillis(Module model, Tensor one) {
        model.eval();
        int warmup = 1000;
        int runs = 500;
        double[] ms = new double[runs];
        try (var ignored = Tensor.noGrad()) {
            for (int i = 0; i < warmup; i++) {
                model.forward(one);
            }
            for (int i = 0; i < runs; i++) {
                long t0 = System.nanoTime();
                model.forward(one);
                ms[i] = (System.nanoTime() - t0) / 1e6;
            }
        }
        Arrays.sort(ms);
        return (ms[runs / 2 - 1] + ms[runs / 2]) / 2;
    }

    static double mean(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s / v.length;
    }

    /** Sample standard deviation (n − 1); 0 for a single value. */
    static double std(double[] v) {
        if (v.length < 2) {
            return 0;
        }
        double m = mean(v);
        double s = 0;
        for (double x : v) {
            s += (x - m) * (x - m);
        }
        return Math.sqrt(s / (v.length - 1));
    }
}
