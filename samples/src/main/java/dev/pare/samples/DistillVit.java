package dev.pare.samples;

import dev.pare.compress.distill.DistilBertLoss;
import dev.pare.compress.distill.Distiller;
import dev.pare.compress.distill.HiddenStatePooling;
import dev.pare.compress.distill.TeacherLayerInit;
import dev.pare.compress.report.LatencyStats;
import dev.pare.nn.Module;
import dev.pare.nn.attention.ViTConfig;
import dev.pare.nn.attention.VisionTransformer;
import dev.pare.nn.data.AugmentedDataset;
import dev.pare.nn.data.DataLoader;
import dev.pare.nn.data.ImageTransform;
import dev.pare.nn.data.TensorDataset;
import dev.pare.nn.datasets.FashionMnist;
import dev.pare.nn.io.Checkpoint;
import dev.pare.nn.io.SafeTensors;
import dev.pare.nn.loss.CrossEntropyLoss;
import dev.pare.nn.loss.Reduction;
import dev.pare.nn.optim.AdamWGroups;
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
 * DistilBERT's recipe (Sanh et al., 2019) reproduced in miniature on Fashion-MNIST: a Vision
 * Transformer teacher, and a student with half its layers trained four ways per seed, with the
 * same budget, data order and seed:
 * <ol>
 *   <li><b>distilled</b>: initialised from teacher layers 0, 2, 4, … (and its embedding, positions,
 *       class token, final norm and head), trained on α·soft + β·hard + γ·cosine;</li>
 *   <li><b>scratch</b>: random initialisation, trained on the labels alone;</li>
 *   <li><b>no layer init</b>: random initialisation, the full loss (the paper's first ablation);</li>
 *   <li><b>no cosine</b>: initialised from the teacher, soft + hard only (its second ablation).</li>
 * </ol>
 * All use train-vit's recipe ({@link TrainVit#optimizer}, {@link TrainVit#schedule}): AdamW without
 * decay on biases, norms, positions and the class token, a linear warm-up then a cosine decay per
 * step, label smoothing on the hard labels, and seeded shifts and flips of the training images.
 *
 * <pre>
 * ./pare distill-vit --subset --train-limit 2000 --test-limit 500 --teacher-epochs 2 --student-epochs 1 --seeds 1
 * ./pare distill-vit --teacher vit.safetensors --seeds 3
 * </pre>
 *
 * <p>The table at the end gives, per model: test accuracy (mean ± sample standard deviation over
 * the seeds), parameters, bytes on disk (safetensors), throughput at batch 1 and at batch 256
 * (images per second from the median of timed forward passes after a warm-up, as the pipeline's
 * {@link LatencyStats}), and its ratios to the teacher: accuracy kept, parameters saved, speed-up.
 */
@Command(name = "distill-vit", mixinStandardHelpOptions = true, sortOptions = false,
        description = "DistilBERT's recipe on a Vision Transformer: a half-depth student initialised from every second "
                + "teacher layer and trained on soft targets, hard labels and a hidden-state cosine loss, against the "
                + "same student from scratch and the two ablations (same seeds, same budget).")
public final class DistillVit implements Callable<Integer> {
    @Option(names = "--teacher", paramLabel = "FILE",
            description = "A ViT saved by train-vit or by this command; repeat it to give one teacher per seed (seed i "
                    + "uses teacher i mod count). Default: train one.")
    List<Path> teacherFiles = new ArrayList<>();

    @Option(names = "--teacher-out", paramLabel = "FILE",
            description = "Where to save a teacher trained here (default: ${DEFAULT-VALUE}).")
    Path teacherOut = Path.of("distill-vit-teacher.safetensors");

    @Option(names = "--teacher-epochs", paramLabel = "N", description = "Epochs when training the teacher (default: ${DEFAULT-VALUE}).")
    int teacherEpochs = 10;

    @Option(names = "--student-epochs", paramLabel = "N", description = "Epochs of each student run (default: ${DEFAULT-VALUE}).")
    int studentEpochs = 10;

    @Option(names = "--depth", paramLabel = "L",
            description = "Encoder layers of a teacher trained here; the student has L/2 (default: ${DEFAULT-VALUE}).")
    int depth = 6;

    @Option(names = "--patch", paramLabel = "P", description = "Patch side of a teacher trained here, dividing 28 (default: ${DEFAULT-VALUE}).")
    int patch = 7;

    @Option(names = "--dim", paramLabel = "D", description = "Token width of a teacher trained here (default: ${DEFAULT-VALUE}).")
    int dim = 64;

    @Option(names = "--heads", paramLabel = "H", description = "Attention heads of a teacher trained here (default: ${DEFAULT-VALUE}).")
    int heads = 4;

    @Option(names = "--mlp-ratio", paramLabel = "R", description = "Feed-forward width as a multiple of D (default: ${DEFAULT-VALUE}).")
    int mlpRatio = 2;

    @Option(names = "--pool", paramLabel = "MODE",
            description = "What the head of a teacher trained here reads: cls (a class token) or mean (default: ${DEFAULT-VALUE}).")
    TrainVit.Pool pool = TrainVit.Pool.cls;

    @Option(names = "--temperature", paramLabel = "T", description = "Softmax temperature of the soft targets (default: ${DEFAULT-VALUE}).")
    float temperature = 2f;

    @Option(names = "--alpha", paramLabel = "A", description = "Weight of the soft-target KL, times T² (default: ${DEFAULT-VALUE}).")
    float alpha = 5f;

    @Option(names = "--beta", paramLabel = "B", description = "Weight of the hard-label cross-entropy (default: ${DEFAULT-VALUE}).")
    float beta = 2f;

    @Option(names = "--gamma", paramLabel = "G", description = "Weight of the hidden-state cosine loss (default: ${DEFAULT-VALUE}).")
    float gamma = 1f;

    @Option(names = "--cosine-pooling", paramLabel = "P",
            description = "What the cosine compares in each aligned layer's output: class-token, mean (over tokens) or "
                    + "all-tokens (default: what the teacher's head reads).")
    String cosinePooling;

    @Option(names = "--label-smoothing", paramLabel = "EPS", description = "Label smoothing of every hard-label term (default: ${DEFAULT-VALUE}).")
    float labelSmoothing = 0.1f;

    @Option(names = "--weight-decay", paramLabel = "WD",
            description = "AdamW's decoupled weight decay, on weight matrices only, as train-vit (default: ${DEFAULT-VALUE}).")
    double weightDecay = 0.05;

    @Option(names = "--warmup", paramLabel = "STEPS", description = "Steps of linear learning-rate warm-up before the "
            + "cosine decay (default: one epoch or a tenth of the run, whichever is shorter; 0: none).")
    int warmup = -1;

    @Option(names = "--augment", paramLabel = "T", split = ",", description = "Seeded augmentation of each epoch, as "
            + "train-vit: shift (up to 2 pixels each way), flip (horizontal, half the images), or none (default: shift,flip).")
    List<String> augment = new ArrayList<>(List.of("shift", "flip"));

    @Option(names = "--seeds", paramLabel = "N", description = "Seeds per student (--seed, --seed + 1, ...; default: ${DEFAULT-VALUE}).")
    int seeds = 1;

    @Option(names = "--train-limit", paramLabel = "N", description = "Use only the first N training images (default: all).")
    int trainLimit = 0;

    @Option(names = "--test-limit", paramLabel = "N", description = "Use only the first N test images (default: all).")
    int testLimit = 0;

    @Option(names = "--latency-calls", paramLabel = "N",
            description = "Timed batch-1 forward passes per model; batch 256 gets N/50, at least 5 (default: ${DEFAULT-VALUE}).")
    int latencyCalls = 500;

    @Option(names = "--warmup-millis", paramLabel = "MS",
            description = "Untimed forward passes before each throughput figure, in milliseconds (default: ${DEFAULT-VALUE}).")
    long warmupMillis = 2000;

    @Option(names = "--table", paramLabel = "FILE", description = "Also write the result table to FILE (Markdown).")
    Path tableFile;

    @Mixin
    TrainingOptions options;

    public static void main(String[] args) {
        System.exit(new CommandLine(new DistillVit()).execute(args));
    }

    /** The four students, in the order they are trained and printed. */
    enum Variant {
        DISTILLED("distilled (init + KL + CE + cos)", true, true),
        SCRATCH("scratch (CE only)", false, false),
        NO_INIT("ablation: no layer init", false, true),
        NO_COSINE("ablation: no cosine loss", true, false);

        final String label;
        final boolean init;
        final boolean cosine;

        Variant(String label, boolean init, boolean cosine) {
            this.label = label;
            this.init = init;
            this.cosine = cosine;
        }
    }

    /** A teacher, its sizes, its accuracy on this run's test set, and its file (null if trained here). */
    private record Teacher(VisionTransformer model, ViTConfig config, double accuracy, Path file) {}

    @Override
    public Integer call() throws Exception {
        options.applyThreads();
        checkOptions();
        ViTConfig teacherConfig = ViTConfig.fashion(patch, dim, depth, heads).withMlpRatio(mlpRatio)
                .withPooling(pool == TrainVit.Pool.cls ? ViTConfig.Pooling.CLASS_TOKEN : ViTConfig.Pooling.MEAN);
        List<ImageTransform> transforms = TrainVit.transforms(augment);
        // Checked before any training, so that a typo costs nothing.
        HiddenStatePooling chosen = cosinePooling == null ? null : HiddenStatePooling.parse(cosinePooling);
        new DistilBertLoss(temperature, alpha, beta, gamma, labelSmoothing, HiddenStatePooling.MEAN);
        if (teacherFiles.isEmpty()) {
            cosinePoolingFor(teacherConfig, chosen);
        }

        FashionMnist data = SampleSupport.loadData(options);
        TensorDataset trainSet = limit(data.train(true), trainLimit);
        TensorDataset testSet = limit(data.test(true), testLimit);
        DataLoader test = DataLoader.builder(testSet).batchSize(500).build();
        System.out.printf(Locale.ROOT, "%,d training and %,d test images%n", trainSet.size(), testSet.size());

        List<Teacher> teachers = new ArrayList<>();
        if (teacherFiles.isEmpty()) {
            teachers.add(trainTeacher(teacherConfig, transforms, trainSet, test));
        } else {
            for (Path f : teacherFiles) {
                teachers.add(loadTeacher(f, test));
            }
        }
        ViTConfig config = teachers.get(0).config;
        for (Teacher t : teachers) {
            if (!t.config.equals(config)) {
                throw new IllegalArgumentException("--teacher: the teachers are " + config + " and " + t.config
                        + "; give teachers of one architecture");
            }
        }
        int teacherLayers = config.depth();
        if (teacherLayers % 2 != 0) {
            throw new IllegalArgumentException("the teacher has " + teacherLayers
                    + " layers; a student with half of them needs an even number");
        }
        int studentLayers = teacherLayers / 2;
        ViTConfig studentConfig = config.withDepth(studentLayers);
        HiddenStatePooling rows = cosinePoolingFor(config, chosen);
        DistilBertLoss full = new DistilBertLoss(temperature, alpha, beta, gamma, labelSmoothing, rows);
        // The second ablation keeps α and β and drops the cosine; with γ = 0 the full loss is it already.
        DistilBertLoss noCosine = gamma == 0f ? full
                : new DistilBertLoss(temperature, alpha, beta, 0f, labelSmoothing, rows);
        System.out.println("student " + studentConfig + "; loss " + full);

        Map<Variant, double[]> accuracy = new LinkedHashMap<>();
        Map<Variant, Module> lastModel = new LinkedHashMap<>();
        for (Variant v : Variant.values()) {
            accuracy.put(v, new double[seeds]);
        }
        for (int i = 0; i < seeds; i++) {
            long seed = options.seed + i;
            Teacher teacher = teachers.get(i % teachers.size());
            for (Variant v : Variant.values()) {
                // The same initial weights for every variant of a seed; the initialised ones overwrite theirs.
                VisionTransformer student = FashionModels.vit(new Rng(seed), studentConfig);
                if (v.init) {
                    TeacherLayerInit.copy(teacher.model, student);
                }
                DistilBertLoss loss = v == Variant.SCRATCH ? null : v.cosine ? full : noCosine;
                FitResult r = trainStudent(student, teacher.model, loss, transforms, trainSet, seed);
                double acc = evaluate(student, test);
                accuracy.get(v)[i] = acc;
                lastModel.put(v, student);
                // One line per run as it ends: a full run takes hours, and each line is a result.
                System.out.printf(Locale.ROOT, "seed %d, %s: %.4f test accuracy (%.1f s; teacher %.4f)%n", seed, v.label,
                        acc, r.seconds(), teacher.accuracy);
            }
        }

        System.out.println();
        System.out.printf(Locale.ROOT, "%s, teacher %d layers, students %d layers, %d student epoch(s), %d seed(s), %s%n",
                data.isSubset() ? "bundled subset" : "full Fashion-MNIST", teacherLayers, studentLayers, studentEpochs,
                seeds, transforms.isEmpty() ? "no augmentation" : "augmentation " + transforms);
        String table = table(teachers, lastModel, accuracy, testSet, teacherLayers, studentLayers);
        System.out.print(table);
        if (tableFile != null) {
            Files.writeString(tableFile, table);
            System.out.println("table written to " + tableFile);
        }

        Path out = options.out != null ? options.out : Path.of("distilled-vit.safetensors");
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("architecture", "vit");
        metadata.putAll(FashionModels.vitMetadata(studentConfig));
        metadata.put("recipe", full.toString());
        metadata.put("test_accuracy", String.format(Locale.ROOT, "%.4f", accuracy.get(Variant.DISTILLED)[seeds - 1]));
        metadata.put("seed", Long.toString(options.seed + seeds - 1));
        SafeTensors.save(out, lastModel.get(Variant.DISTILLED).stateDict(), metadata);
        System.out.printf(Locale.ROOT, "saved the last distilled student to %s%n", out);
        return 0;
    }

    private void checkOptions() {
        if (seeds < 1) {
            throw new IllegalArgumentException("--seeds must be at least 1, got " + seeds);
        }
        if (teacherEpochs < 1 || studentEpochs < 1) {
            throw new IllegalArgumentException("--teacher-epochs " + teacherEpochs + " and --student-epochs "
                    + studentEpochs + " must be at least 1");
        }
        if (depth < 2 || depth % 2 != 0) {
            throw new IllegalArgumentException("--depth " + depth + ": the teacher needs an even number of layers, "
                    + "at least 2, so that the student can have half of them");
        }
        if (trainLimit < 0 || testLimit < 0) {
            throw new IllegalArgumentException("--train-limit " + trainLimit + " and --test-limit " + testLimit
                    + " must be >= 0 (0: all)");
        }
        if (warmup < -1) {
            throw new IllegalArgumentException("--warmup must be >= 0 steps, got " + warmup);
        }
        if (weightDecay < 0 || !Double.isFinite(weightDecay)) {
            throw new IllegalArgumentException("--weight-decay must be finite and >= 0, got " + weightDecay);
        }
        if (latencyCalls < 1 || warmupMillis < 0) {
            throw new IllegalArgumentException("--latency-calls " + latencyCalls + " must be >= 1 and --warmup-millis "
                    + warmupMillis + " >= 0");
        }
    }

    /** The first {@code n} examples (all of them for n = 0 or n ≥ size). */
    private static TensorDataset limit(TensorDataset d, int n) {
        if (n == 0 || n >= d.size()) {
            return d;
        }
        return new TensorDataset(d.inputs().narrow(0, 0, n), java.util.Arrays.copyOf(d.labels(), n));
    }

    // ---------------------------------------------------------------- training

    /**
     * The training batches of one run: one augmented view per epoch (or the plain set), in the
     * seed's order. The views depend on the base seed only, so every variant of every seed sees
     * the same images, and only the order of the batches follows the run's seed.
     */
    private Iterable<? extends LabeledBatch> batches(List<ImageTransform> transforms, TensorDataset trainSet, long seed,
                                                     int epochs) {
        if (transforms.isEmpty()) {
            return DataLoader.builder(trainSet).batchSize(options.batchSize).shuffle(seed).build();
        }
        return new EpochViews(new AugmentedDataset(trainSet, transforms, options.seed, 0), epochs, options.batchSize,
                seed, null);
    }

    /** train-vit's optimizer and schedule for a run of {@code epochs}: AdamW in two groups, warm-up then cosine. */
    private Trainer.Builder recipe(Trainer.Builder b, AdamWGroups adamW, int epochs, TensorDataset trainSet) {
        int batchesPerEpoch = (trainSet.size() + options.batchSize - 1) / options.batchSize;
        int total = epochs * batchesPerEpoch;
        int warm = warmup >= 0 ? warmup : Math.max(1, Math.min(batchesPerEpoch, total / 10));
        return b.epochs(epochs).scheduler(new LrScheduler(adamW, TrainVit.schedule(warm, total)), SchedulerInterval.BATCH)
                .progress(options.progress);
    }

    private AdamWGroups adamW(VisionTransformer m) {
        return TrainVit.optimizer(m, options.learningRateOr(1e-3), weightDecay);
    }

    /** One student run: labels alone ({@code loss} null) or distillation from {@code teacher}. */
    private FitResult trainStudent(VisionTransformer student, Module teacher, DistilBertLoss loss,
                                   List<ImageTransform> transforms, TensorDataset trainSet, long seed) {
        Iterable<? extends LabeledBatch> train = batches(transforms, trainSet, seed, studentEpochs);
        AdamWGroups opt = adamW(student);
        if (loss == null) {
            Trainer t = recipe(Trainer.builder(student, new CrossEntropyLoss(Reduction.MEAN, labelSmoothing), opt), opt,
                    studentEpochs, trainSet).build();
            return t.fit(train, null);
        }
        // The Distiller's own trainer gets the same recipe through trainerOptions.
        Distiller d = Distiller.builder(teacher, student, loss, opt).epochs(studentEpochs)
                .trainerOptions(tb -> recipe(tb, opt, studentEpochs, trainSet)).build();
        return d.fitBatches(train, null);
    }

    private Teacher trainTeacher(ViTConfig config, List<ImageTransform> transforms, TensorDataset trainSet, DataLoader test)
            throws IOException {
        System.out.printf(Locale.ROOT, "training the teacher: %s, %d epochs (pass --teacher FILE to reuse one)%n",
                config, teacherEpochs);
        VisionTransformer vit = FashionModels.vit(new Rng(options.seed), config);
        AdamWGroups opt = adamW(vit);
        Trainer trainer = recipe(Trainer.builder(vit, new CrossEntropyLoss(Reduction.MEAN, labelSmoothing), opt), opt,
                teacherEpochs, trainSet).build();
        FitResult r = trainer.fit(batches(transforms, trainSet, options.seed, teacherEpochs), null);
        double acc = evaluate(vit, test);
        Path file = teacherOut;
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("architecture", "vit");
        metadata.putAll(FashionModels.vitMetadata(config));
        metadata.put("test_accuracy", String.format(Locale.ROOT, "%.4f", acc));
        metadata.put("epochs", Integer.toString(teacherEpochs));
        metadata.put("seed", Long.toString(options.seed));
        SafeTensors.save(file, vit.stateDict(), metadata);
        System.out.printf(Locale.ROOT, "teacher: %.4f test accuracy after %.1f s; saved to %s%n", acc, r.seconds(), file);
        return new Teacher(vit, config, acc, null);
    }

    private Teacher loadTeacher(Path file, DataLoader test) throws IOException {
        Checkpoint c = SafeTensors.read(file);
        ViTConfig config = configOf(c, file);
        VisionTransformer model = FashionModels.vit(new Rng(0), config); // initial weights, overwritten by the checkpoint
        model.loadStateDict(c.toStateDict(), true);
        double acc = evaluate(model, test);
        System.out.printf(Locale.ROOT, "teacher %s (%s): %.4f test accuracy%n", file, config, acc);
        return new Teacher(model, config, acc, file);
    }

    /**
     * The sizes of the ViT saved in {@code c}: from its metadata when train-vit's entries are
     * there ({@link FashionModels#vitConfig}), else from the tensors' shapes (patch and width from
     * {@code patch_embed.proj.weight} [D, 1, p, p], depth from the {@code encoder.layers.i}
     * present, the feed-forward width from {@code linear1.weight}, the pooling from whether
     * {@code cls_token.token} exists), so that a ViT written by PyTorch with the same names loads
     * too. The number of heads changes no shape; without metadata it is taken from {@code --heads}.
     */
    ViTConfig configOf(Checkpoint c, Path file) {
        if (c.metadata().containsKey("vit_heads")) {
            return FashionModels.vitConfig(c.metadata());
        }
        Map<String, Tensor> state = c.toStateDict();
        Tensor proj = state.get("patch_embed.proj.weight");
        Tensor linear1 = state.get("encoder.layers.0.linear1.weight");
        if (proj == null || proj.dim() != 4 || linear1 == null) {
            throw new IllegalArgumentException("--teacher " + file + ": not a ViT state dict (no patch_embed.proj.weight "
                    + "[D, 1, p, p] or encoder.layers.0.linear1.weight; metadata 'architecture' is "
                    + c.metadata().get("architecture") + ")");
        }
        int d = proj.size(0);
        int layers = 0;
        while (state.containsKey("encoder.layers." + layers + ".linear1.weight")) {
            layers++;
        }
        if (linear1.size(0) % d != 0) {
            throw new IllegalArgumentException("--teacher " + file + ": feed-forward width " + linear1.size(0)
                    + " is not a multiple of the token width " + d);
        }
        System.out.printf(Locale.ROOT, "--teacher %s: no ViT sizes in its metadata; read from its tensors, with "
                + "--heads %d%n", file, heads);
        ViTConfig.Pooling p = state.containsKey("cls_token.token") ? ViTConfig.Pooling.CLASS_TOKEN : ViTConfig.Pooling.MEAN;
        return ViTConfig.fashion(proj.size(2), d, layers, heads).withMlpRatio(linear1.size(0) / d).withPooling(p);
    }

    /**
     * What the cosine compares: {@code chosen}, or by default what the head reads (the class
     * token's state, or the mean of the tokens). A model without a class token has none to compare.
     */
    private static HiddenStatePooling cosinePoolingFor(ViTConfig config, HiddenStatePooling chosen) {
        boolean cls = config.pooling() == ViTConfig.Pooling.CLASS_TOKEN;
        if (chosen == HiddenStatePooling.CLASS_TOKEN && !cls) {
            throw new IllegalArgumentException("--cosine-pooling class-token: the teacher has no class token (it pools "
                    + "the mean of its tokens); use mean or all-tokens");
        }
        return chosen != null ? chosen : cls ? HiddenStatePooling.CLASS_TOKEN : HiddenStatePooling.MEAN;
    }

    /** Test accuracy in evaluation mode. */
    private static double evaluate(Module model, DataLoader test) {
        model.eval();
        return Trainer.builder(model, new CrossEntropyLoss(), new SGD(model.parameters(), 0)).build()
                .evaluate(test).accuracy();
    }

    // ---------------------------------------------------------------- the table

    /** What was measured of one model. */
    private record Row(String name, double[] accuracy, long params, long bytes, double perSecond1, double perSecond256) {}

    private String table(List<Teacher> teachers, Map<Variant, Module> models, Map<Variant, double[]> accuracy,
                         TensorDataset testSet, int teacherLayers, int studentLayers) throws IOException {
        Tensor one = testSet.inputs().narrow(0, 0, 1);
        Tensor many = batchOf(testSet, 256);
        double[] teacherAcc = teachers.stream().mapToDouble(Teacher::accuracy).toArray();
        List<Row> rows = new ArrayList<>();
        rows.add(measure("teacher (" + teacherLayers + " layers)", teachers.get(0).model, teacherAcc, one, many));
        for (Variant v : Variant.values()) {
            rows.add(measure("student (" + studentLayers + "): " + v.label, models.get(v), accuracy.get(v), one, many));
        }
        Row t = rows.get(0);
        StringBuilder b = new StringBuilder();
        b.append("| model | test accuracy | params | bytes | batch-1 img/s | batch-256 img/s | accuracy kept "
                + "| fewer params | speed-up b1 | speed-up b256 |\n");
        b.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Row r : rows) {
            boolean teacher = r == t;
            b.append(String.format(Locale.ROOT, "| %s | %s | %,d | %,d | %,.0f | %,.0f | %s | %s | %s | %s |%n",
                    r.name, accuracyText(r.accuracy), r.params, r.bytes, r.perSecond1, r.perSecond256,
                    teacher ? "100%" : String.format(Locale.ROOT, "%.1f%%", 100 * Distill.mean(r.accuracy) / Distill.mean(t.accuracy)),
                    teacher ? "0%" : String.format(Locale.ROOT, "%.1f%%", 100.0 * (t.params - r.params) / t.params),
                    teacher ? "1.00x" : String.format(Locale.ROOT, "%.2fx", r.perSecond1 / t.perSecond1),
                    teacher ? "1.00x" : String.format(Locale.ROOT, "%.2fx", r.perSecond256 / t.perSecond256)));
        }
        return b.toString();
    }

    private Row measure(String name, Module model, double[] acc, Tensor one, Tensor many) throws IOException {
        Path tmp = Files.createTempFile("pare-distill-vit", ".safetensors");
        long bytes;
        try {
            SafeTensors.save(tmp, model.stateDict());
            bytes = Files.size(tmp);
        } finally {
            Files.deleteIfExists(tmp);
        }
        LatencyStats b1 = LatencyStats.measure(model, one, warmupMillis, latencyCalls);
        LatencyStats b256 = LatencyStats.measure(model, many, warmupMillis, Math.max(5, latencyCalls / 50));
        return new Row(name, acc, model.numParameters(), bytes, 1e6 / b1.medianMicros(),
                many.size(0) * 1e6 / b256.medianMicros());
    }

    /** A batch of {@code n} test images, repeating the set when it holds fewer. */
    private static Tensor batchOf(TensorDataset set, int n) {
        if (set.size() >= n) {
            return set.inputs().narrow(0, 0, n);
        }
        Tensor[] parts = new Tensor[(n + set.size() - 1) / set.size()];
        java.util.Arrays.fill(parts, set.inputs());
        return Tensor.cat(0, parts).narrow(0, 0, n).contiguous();
    }

    private static String accuracyText(double[] acc) {
        return acc.length > 1
                ? String.format(Locale.ROOT, "%.2f ± %.2f %% (n=%d)", 100 * Distill.mean(acc), 100 * Distill.std(acc), acc.length)
                : String.format(Locale.ROOT, "%.2f %% (n=1)", 100 * acc[0]);
    }
}
