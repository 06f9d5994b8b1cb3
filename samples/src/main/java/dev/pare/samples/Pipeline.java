package dev.pare.samples;

import dev.pare.compress.distill.DistillationLoss;
import dev.pare.compress.distill.Distiller;
import dev.pare.compress.distill.TeacherLogitCache;
import dev.pare.compress.prune.FeedForwardPruner;
import dev.pare.compress.prune.GradualPruner;
import dev.pare.compress.prune.GradualSchedule;
import dev.pare.compress.prune.HeadPruner;
import dev.pare.compress.prune.Mask;
import dev.pare.compress.prune.SparseCheckpoint;
import dev.pare.compress.prune.SparseFormat;
import dev.pare.compress.prune.SparseLinear;
import dev.pare.compress.prune.StructuredPruner;
import dev.pare.compress.quantize.Granularity;
import dev.pare.compress.quantize.MinMaxObserver;
import dev.pare.compress.quantize.QuantizedCheckpoint;
import dev.pare.compress.quantize.QuantizedConv2d;
import dev.pare.compress.quantize.QuantizedLinear;
import dev.pare.compress.quantize.Quantizer;
import dev.pare.compress.report.LatencyStats;
import dev.pare.compress.report.TradeOffReport;
import dev.pare.compress.report.VariantResult;
import dev.pare.compress.search.MobileNetArchitecture;
import dev.pare.compress.stack.CompressedCheckpoint;
import dev.pare.compress.stack.LowBitWeights;
import dev.pare.nn.Linear;
import dev.pare.nn.Module;
import dev.pare.nn.Sequential;
import dev.pare.nn.attention.ViTConfig;
import dev.pare.nn.attention.VisionTransformer;
import dev.pare.nn.data.Batch;
import dev.pare.nn.data.DataLoader;
import dev.pare.nn.data.TensorDataset;
import dev.pare.nn.datasets.FashionMnist;
import dev.pare.nn.io.AtomicFiles;
import dev.pare.nn.io.Checkpoint;
import dev.pare.nn.io.DType;
import dev.pare.nn.io.SafeTensors;
import dev.pare.nn.io.TensorEntry;
import dev.pare.nn.loss.CrossEntropyLoss;
import dev.pare.nn.loss.Reduction;
import dev.pare.nn.optim.LrSchedule;
import dev.pare.nn.optim.AdamW;
import dev.pare.nn.optim.LrScheduler;
import dev.pare.nn.optim.Optimizer;
import dev.pare.nn.optim.SGD;
import dev.pare.nn.train.Accuracy;
import dev.pare.nn.train.LabeledBatch;
import dev.pare.nn.train.SchedulerInterval;
import dev.pare.nn.train.Trainer;
import dev.pare.tensor.GradMode;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import dev.pare.tensor.parallel.Parallel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Pare's main job in one command: build every compressed variant of a Fashion-MNIST model,
 * measure what each costs and keeps, and draw the trade-offs.
 *
 * <pre>
 * ./pare pipeline              # quick: the bundled 10,000-image subset, about a minute
 * ./pare pipeline --full       # the full dataset (Debian's dataset-fashion-mnist), a few minutes
 * </pre>
 *
 * <p>The stages, in order (each variant is built from the ones before it):
 * <ol>
 *   <li>the <b>teacher</b>: the MLP 784-256-128-10 (train-mlp's recipe, or {@code --teacher FILE});</li>
 *   <li>the <b>student</b> 784-H-10, distilled from the teacher's cached logits (T, α);</li>
 *   <li><b>pruned</b> teacher and student: gradual global magnitude pruning to a sparsity, run as
 *       {@link SparseLinear} (CSR); and <b>structured</b>: half the hidden neurons removed, so the
 *       dense layers shrink;</li>
 *   <li><b>int8</b> teacher and student: static per-channel post-training quantization;</li>
 *   <li>the <b>stacked</b> pipeline, distil → prune → quantize (Deep Compression-style): the pruned
 *       student, quantized to {@code --bits} bits and saved as a {@link CompressedCheckpoint}
 *       (the kept weights' positions, as a bitmap or relative indices, and their packed codes), then loaded back from that file and
 *       measured as loaded.</li>
 * </ol>
 * With {@code --model vit} the same report and chart also get a Vision Transformer's rows
 * (stages 7 and 8): the fp32 <b>vit</b> (trained here with AdamW, or {@code --vit-teacher FILE}),
 * <b>vit-int8</b> (dynamic int8 of every Linear and attention projection, as PyTorch's
 * {@code quantize_dynamic}, and of the patch embedding's convolution; the tensors left float,
 * biases and scales included, stored as F16, and the model measured as loaded back from its
 * file), <b>vit-heads</b> ({@code --head-fraction} of the attention heads
 * removed by importance, Michel et al., then fine-tuned), <b>vit-ff</b> (the feed-forward weights
 * magnitude-pruned to {@code --ff-sparsity} while fine-tuning, run as CSR) and
 * <b>vit-combined</b> (vit-heads, then int8 as vit-int8). Their ratios to the fp32 ViT are printed
 * after the table (the table's ratios are to the MLP teacher, the report's one baseline).
 *
 * <p>A convolutional teacher ({@code --teacher found.safetensors} from {@code ./pare search}, or a
 * small CNN or MobileNet from {@code ./pare train-cnn}; or {@code --model cnn}) makes it a CNN
 * run instead, with the CNN as the baseline: <b>cnn</b> (the teacher), <b>cnn-student</b> (for a
 * searched network: its smaller neighbour in the search space, {@link CnnTeacher#studentOf},
 * distilled from the teacher's cached logits), <b>cnn-int8</b> and <b>cnn-student-int8</b>
 * (static per-channel int8 of every convolution and Linear, BatchNorm left in float). There are
 * no pruned CNN rows: Pare has no sparse convolution kernel, so an unstructured-pruned CNN would
 * be neither smaller on disk nor faster, only less accurate.
 * For each variant: test accuracy, parameters, non-zeros, bytes of its saved file, batch-1
 * latency (median, p90) and batch-256 throughput, as a table and as ratios to the teacher,
 * written to {@code --report-dir} as report.csv, report.md, chart.png and chart.svg, with every
 * model file under {@code models/}.
 *
 * <p>Deterministic for a seed and a thread count: the same accuracies, non-zeros and bytes on
 * every run. The times are measurements of this machine (JMH's {@code TradeOffBenchmark} in
 * {@code bench} cross-checks them).
 */
@Command(name = "pipeline", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Build every compressed variant of the Fashion-MNIST MLP (distilled student, pruned, "
                + "structured, int8, and the stacked distil -> prune -> quantize pipeline), measure accuracy, "
                + "bytes and latency, and write a table, CSV, Markdown and a chart (PNG, SVG).",
                "--model vit adds a Vision Transformer's rows: fp32, dynamic int8, attention heads pruned, "
                + "feed-forward pruned, and heads pruned + int8.",
                "Quick by default (the bundled subset); --full uses the whole dataset."})
public final class Pipeline implements Callable<Integer> {

    /** The variants the report can hold, in the order they are built and printed. */
    enum Variant {
        TEACHER("teacher"), STUDENT("student"), PRUNED_TEACHER("pruned-teacher"),
        STRUCTURED_TEACHER("structured-teacher"), PRUNED_STUDENT("pruned-student"),
        STRUCTURED_STUDENT("structured-student"), INT8_TEACHER("int8-teacher"), INT8_STUDENT("int8-student"),
        STACKED("stacked"), VIT("vit", ModelChoice.vit), VIT_INT8("vit-int8", ModelChoice.vit),
        VIT_HEADS("vit-heads", ModelChoice.vit), VIT_FF("vit-ff", ModelChoice.vit),
        VIT_COMBINED("vit-combined", ModelChoice.vit), CNN("cnn", ModelChoice.cnn),
        CNN_STUDENT("cnn-student", ModelChoice.cnn), CNN_INT8("cnn-int8", ModelChoice.cnn),
        CNN_STUDENT_INT8("cnn-student-int8", ModelChoice.cnn);

        final String label;
        /**
         * The model the row belongs to: mlp rows are built in MLP and ViT runs, vit rows only with
         * --model vit, cnn rows only in a CNN run (which has no MLP rows).
         */
        final ModelChoice family;

        Variant(String label) {
            this(label, ModelChoice.mlp);
        }

        Variant(String label, ModelChoice family) {
            this.label = label;
            this.family = family;
        }

        /** Whether a run of {@code model} can build this row. */
        boolean in(ModelChoice model) {
            return model == ModelChoice.cnn ? family == ModelChoice.cnn
                    : family == ModelChoice.mlp || family == model;
        }

        static Variant of(String label) {
            for (Variant v : values()) {
                if (v.label.equals(label)) {
                    return v;
                }
            }
            StringBuilder all = new StringBuilder();
            for (Variant v : values()) {
                all.append(all.length() == 0 ? "" : ", ").append(v.label);
            }
            throw new IllegalArgumentException("--variants: unknown variant '" + label + "'; expected some of " + all);
        }
    }

    @Mixin
    TrainingOptions options;

    @Option(names = "--full", description = "Use the full Fashion-MNIST (60,000 + 10,000 images) instead of the bundled "
            + "subset; implied by --data.")
    boolean full;

    @Option(names = "--teacher", paramLabel = "FILE",
            description = "A trained model to start from, instead of training the MLP teacher here: an MLP from "
                    + "./pare train-mlp or ./pare search --space mlp, or a CNN (found.safetensors from ./pare search, "
                    + "or ./pare train-cnn's), which makes this a CNN run (the cnn-* rows).")
    Path teacherFile;

    @Option(names = "--variants", paramLabel = "V,V,...", split = ",",
            description = "Variants to report, of: teacher, student, pruned-teacher, structured-teacher, pruned-student, "
                    + "structured-student, int8-teacher, int8-student, stacked, and with --model vit: vit, vit-int8, "
                    + "vit-heads, vit-ff, vit-combined; in a CNN run: cnn, cnn-student, cnn-int8, cnn-student-int8 "
                    + "(default: all). The teacher is always the baseline.")
    List<String> variantNames = new ArrayList<>();

    @Option(names = "--student-hidden", paramLabel = "H",
            description = "Hidden units of the student 784-H-10 (default: ${DEFAULT-VALUE}).")
    int studentHidden = 128;

    @Option(names = "--student-epochs", paramLabel = "N", description = "Epochs of distillation (default: ${DEFAULT-VALUE}).")
    int studentEpochs = 20;

    @Option(names = "--temperature", paramLabel = "T", description = "Distillation temperature (default: ${DEFAULT-VALUE}).")
    float temperature = 2f;

    @Option(names = "--alpha", paramLabel = "A", description = "Weight of the soft (teacher) term (default: ${DEFAULT-VALUE}).")
    float alpha = 0.5f;

    @Option(names = "--teacher-sparsity", paramLabel = "S",
            description = "Unstructured sparsity of the pruned teacher (default: ${DEFAULT-VALUE}).")
    double teacherSparsity = 0.9;

    @Option(names = "--student-sparsity", paramLabel = "S",
            description = "Unstructured sparsity of the pruned student, and so of the stacked model (default: ${DEFAULT-VALUE}).")
    double studentSparsity = 0.9;

    @Option(names = "--structured", paramLabel = "F",
            description = "Fraction of hidden neurons the structured variants remove (default: ${DEFAULT-VALUE}).")
    double structuredFraction = 0.5;

    @Option(names = "--finetune-epochs", paramLabel = "N",
            description = "Epochs of each pruning run (gradual pruning over the first two thirds) and of fine-tuning "
                    + "after structured pruning (default: ${DEFAULT-VALUE}).")
    int finetuneEpochs = 10;

    @Option(names = "--finetune-lr", paramLabel = "LR",
            description = "Peak learning rate of pruning and fine-tuning runs, cosine to 0 (default: ${DEFAULT-VALUE}).")
    double finetuneLr = 0.05;

    @Option(names = "--bits", paramLabel = "B",
            description = "Bit width of the stacked model's weights, 2 to 8; below 8 the codes are packed in the file "
                    + "and computed with the int8 kernels (default: ${DEFAULT-VALUE}).")
    int bits = 8;

    @Option(names = "--calibration-batches", paramLabel = "N",
            description = "Training batches the int8 variants calibrate their activation ranges on (default: ${DEFAULT-VALUE}).")
    int calibrationBatches = 10;

    @Option(names = "--latency-calls", paramLabel = "N",
            description = "Timed batch-1 forward passes per variant; the median and p90 are reported (default: ${DEFAULT-VALUE}).")
    int latencyCalls = 2000;

    @Option(names = "--warmup-millis", paramLabel = "MS",
            description = "Untimed forward passes of every model, in turns, before any is timed, and before each "
                    + "latency and throughput figure, in milliseconds per model, so the JIT has compiled the kernels "
                    + "for all of them (default: ${DEFAULT-VALUE}).")
    long warmupMillis = 500;

    /** Which models the report covers. */
    enum ModelChoice { mlp, vit, cnn }

    @Option(names = "--model", paramLabel = "M",
            description = "mlp: the MLP variants; vit: the MLP variants and a Vision Transformer's (fp32, int8 "
                    + "dynamic, heads pruned, feed-forward pruned, combined) on the same report and chart; cnn: the "
                    + "CNN rows of --teacher, a CNN (implied by such a teacher) (default: ${DEFAULT-VALUE}).")
    ModelChoice model = ModelChoice.mlp;

    @Option(names = "--vit-teacher", paramLabel = "FILE",
            description = "An fp32 ViT (from ./pare train-vit, or models/vit.safetensors of an earlier run) instead of "
                    + "training one here; its metadata's sizes win over the --vit-* options.")
    Path vitTeacherFile;

    @Option(names = "--vit-patch", paramLabel = "P", description = "ViT patch side, dividing 28 (default: ${DEFAULT-VALUE}).")
    int vitPatch = 7;

    @Option(names = "--vit-dim", paramLabel = "D", description = "ViT token width (default: ${DEFAULT-VALUE}).")
    int vitDim = 64;

    @Option(names = "--vit-depth", paramLabel = "L", description = "ViT encoder layers (default: ${DEFAULT-VALUE}).")
    int vitDepth = 6;

    @Option(names = "--vit-heads", paramLabel = "H", description = "ViT attention heads per layer (default: ${DEFAULT-VALUE}).")
    int vitHeads = 4;

    @Option(names = "--vit-epochs", paramLabel = "N",
            description = "Epochs of ViT training when no --vit-teacher is given (default: ${DEFAULT-VALUE}).")
    int vitEpochs = 5;

    @Option(names = "--vit-lr", paramLabel = "LR",
            description = "Peak AdamW learning rate of ViT training, warm-up then cosine (default: ${DEFAULT-VALUE}).")
    double vitLr = 1e-3;

    @Option(names = "--vit-finetune-epochs", paramLabel = "N",
            description = "Epochs of fine-tuning after head pruning, and of feed-forward pruning (default: ${DEFAULT-VALUE}).")
    int vitFinetuneEpochs = 1;

    @Option(names = "--vit-finetune-lr", paramLabel = "LR",
            description = "Peak AdamW learning rate of ViT fine-tuning, cosine to 0 (default: ${DEFAULT-VALUE}).")
    double vitFinetuneLr = 3e-4;

    @Option(names = "--head-fraction", paramLabel = "F",
            description = "Fraction of all attention heads vit-heads removes, least important first (default: ${DEFAULT-VALUE}).")
    double headFraction = 0.5;

    @Option(names = "--head-batches", paramLabel = "N",
            description = "Training batches the head importance |dL/d gate| is summed over (default: ${DEFAULT-VALUE}).")
    int headBatches = 20;

    @Option(names = "--ff-sparsity", paramLabel = "S",
            description = "Sparsity of each feed-forward weight in vit-ff (default: ${DEFAULT-VALUE}).")
    double ffSparsity = 0.5;

    @Option(names = "--report-dir", paramLabel = "DIR",
            description = "Where report.csv, report.md, chart.png, chart.svg and models/ go (default: ${DEFAULT-VALUE}).")
    Path reportDir = Path.of("pipeline-report");

    /** Stages of an MLP-only run; --model vit adds two (the ViT, and its compressed variants) before measuring. */
    private static final int MLP_STAGES = 8;
    /** Stages of a CNN run: teacher, student, int8, measuring, the report. */
    private static final int CNN_STAGES = 5;
    /** Module paths of the teacher's Linear layers (784-256-128-10: two hidden layers). */
    private static final List<String> TEACHER_LINEARS = FashionModels.mlpLinearPaths(2);
    /** Module paths of the student's Linear layers (784-H-10: one hidden layer). */
    private static final List<String> STUDENT_LINEARS = FashionModels.mlpLinearPaths(1);

    private TensorDataset trainSet;
    private DataLoader test;
    private TeacherLogitCache trainLogits;
    /** Initial weights of architectures that are overwritten at once by a copy or a checkpoint. */
    private final Rng unused = new Rng(0);

    // What the stages hand on to one another, set in stage order.
    private Set<Variant> chosen;
    private Path models;
    /** Every model as it was built; each is measured at the end, in one place. */
    private final Map<Variant, Built> built = new LinkedHashMap<>();
    private Module teacher;
    private Module student;
    private String distilRecipe;
    /** The pruned student, masked and float: the sparse variant and the stacked one start from it. */
    private Module prunedStudent;
    private VisionTransformer vit;
    /** The ViT's sizes: from --vit-teacher's metadata when it has them, else from the --vit-* options. */
    private ViTConfig vitCfg;
    private String vitRecipe;
    private CnnTeacher cnnTeacher;
    /** Whether the CNN teacher is a searched network, which has a student. */
    private boolean cnnHasStudent;
    private Module cnnStudent;
    /** The CNN student's architecture. */
    private MobileNetArchitecture cnnStudentArchitecture;

    public static void main(String[] args) {
        System.exit(new CommandLine(new Pipeline()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        long t0 = System.nanoTime();
        if (teacherFile != null && Files.isRegularFile(teacherFile)) {
            Checkpoint c = SafeTensors.read(teacherFile);
            if (model == ModelChoice.mlp && CnnTeacher.holdsCnn(c)) {
                model = ModelChoice.cnn;
            }
            cnnHasStudent = model == ModelChoice.cnn && CnnTeacher.isSearched(c);
        }
        chosen = chosenVariants();
        validate();
        options.applyThreads();
        if (!full && options.data == null) {
            options.subset = true;
        }
        FashionMnist data = SampleSupport.loadData(options);
        trainSet = data.train(true);
        test = DataLoader.builder(data.test(true)).batchSize(1000).build();
        models = reportDir.resolve("models");
        Files.createDirectories(models);

        if (model == ModelChoice.cnn) {
            buildCnnTeacher();
            distilCnnStudent();
            quantizeCnn();
        } else {
            buildTeacher();
            distilStudent();
            pruneUnstructured();
            pruneStructured();
            quantizeInt8();
            stack();
        }
        if (model == ModelChoice.vit) {
            buildVit();
            compressVit();
        }
        List<VariantResult> results = measureAll();
        TradeOffReport report = new TradeOffReport(results);
        List<Path> written = writeReport(report, data);
        if (options.out != null) {
            AtomicFiles.write(options.out, Files.readAllBytes(models.resolve("stacked.safetensors")));
        }
        printSummary(report, results, data, t0);
        System.out.println("wrote " + written + " and the models in " + models);
        return 0;
    }

    /** Stage 1: the teacher, trained or loaded. */
    private void buildTeacher() throws IOException {
        try (StageProgress s = stage(1, "teacher: MLP 784-256-128-10", 1)) {
            teacher = teacher();
            s.step("teacher");
            s.done();
        }
        Module t = teacher;
        built.put(Variant.TEACHER, new Built(t, t.numParameters(), "fp32, SGD "
                + (teacherFile != null ? "(loaded from " + teacherFile.getFileName() + ")" : options.epochsOr(10) + " epochs"),
                file -> saveDense(file, t)));
    }

    /** Stage 2: the teacher's logits cached, and the student distilled from them. */
    private void distilStudent() {
        try (StageProgress s = stage(2, "distilling the student 784-" + studentHidden + "-10", 2)) {
            trainLogits = TeacherLogitCache.compute(teacher, trainSet, 500);
            s.step("teacher logits cached");
            student = distilledStudent(teacher);
            s.step("student");
            s.done();
        }
        distilRecipe = String.format(Locale.ROOT, "distil T=%s α=%s, %d epochs", temperature, alpha, studentEpochs);
        Module st = student;
        built.put(Variant.STUDENT, new Built(st, st.numParameters(), distilRecipe, file -> saveDense(file, st)));
    }

    /** Stage 3: gradual global magnitude pruning of teacher and student, run as CSR layers. */
    private void pruneUnstructured() {
        boolean needPrunedStudent = chosen.contains(Variant.PRUNED_STUDENT) || chosen.contains(Variant.STACKED);
        try (StageProgress s = stage(3, "unstructured pruning (gradual, global magnitude)", 2)) {
            if (chosen.contains(Variant.PRUNED_TEACHER)) {
                Module pruned = copy(teacher, FashionModels.mlp(unused));
                prune(pruned, weightsOf(TEACHER_LINEARS), teacherSparsity, null);
                Module sparse = toSparse(pruned, TEACHER_LINEARS);
                built.put(Variant.PRUNED_TEACHER, new Built(sparse, teacher.numParameters(),
                        String.format(Locale.ROOT, "prune %.0f%% gradual, %d epochs, CSR", 100 * teacherSparsity, finetuneEpochs),
                        file -> SparseCheckpoint.save(file, sparse, Map.of("architecture", "mlp"))));
            }
            s.step("teacher");
            if (needPrunedStudent) {
                prunedStudent = copy(student, FashionModels.mlp(unused, studentHidden));
                prune(prunedStudent, weightsOf(STUDENT_LINEARS), studentSparsity, teacher);
                Module sparse = toSparse(copy(prunedStudent, FashionModels.mlp(unused, studentHidden)), STUDENT_LINEARS);
                built.put(Variant.PRUNED_STUDENT, new Built(sparse, student.numParameters(),
                        String.format(Locale.ROOT, "%s → prune %.0f%% gradual (distil loss), CSR", distilRecipe,
                                100 * studentSparsity),
                        file -> SparseCheckpoint.save(file, sparse, Map.of("architecture", "mlp-student"))));
            }
            s.step("student");
            s.done();
        }
    }

    /** Stage 4: a fraction of every hidden layer's neurons removed, then fine-tuning. */
    private void pruneStructured() {
        try (StageProgress s = stage(4, String.format(Locale.ROOT, "structured pruning (%.0f%% of hidden neurons)",
                100 * structuredFraction), 2)) {
            if (chosen.contains(Variant.STRUCTURED_TEACHER)) {
                Module shrunk = shrunk(copy(teacher, FashionModels.mlp(unused)), TEACHER_LINEARS);
                fineTune(shrunk, null);
                built.put(Variant.STRUCTURED_TEACHER, new Built(shrunk, shrunk.numParameters(),
                        "hidden neurons cut to " + layerSizes(shrunk) + ", fine-tune " + finetuneEpochs + " epochs", file -> saveDense(file, shrunk)));
            }
            s.step("teacher");
            if (chosen.contains(Variant.STRUCTURED_STUDENT)) {
                Module shrunk = shrunk(copy(student, FashionModels.mlp(unused, studentHidden)), STUDENT_LINEARS);
                fineTune(shrunk, teacher);
                built.put(Variant.STRUCTURED_STUDENT, new Built(shrunk, shrunk.numParameters(),
                        "student, hidden neurons cut to " + layerSizes(shrunk) + ", fine-tune " + finetuneEpochs + " epochs (distil loss)",
                        file -> saveDense(file, shrunk)));
            }
            s.step("student");
            s.done();
        }
    }

    /** Stage 5: static per-channel int8 of teacher and student. */
    private void quantizeInt8() {
        try (StageProgress s = stage(5, "int8: static per-channel quantization", 2)) {
            if (chosen.contains(Variant.INT8_TEACHER)) {
                Module q = quantizeStatic(copy(teacher, FashionModels.mlp(unused)));
                built.put(Variant.INT8_TEACHER, new Built(q, teacher.numParameters(),
                        "static per-channel int8, " + calibrationBatches + " calibration batches",
                        file -> QuantizedCheckpoint.save(file, q)));
            }
            s.step("teacher");
            if (chosen.contains(Variant.INT8_STUDENT)) {
                Module q = quantizeStatic(copy(student, FashionModels.mlp(unused, studentHidden)));
                built.put(Variant.INT8_STUDENT, new Built(q, student.numParameters(),
                        distilRecipe + " → static per-channel int8", file -> QuantizedCheckpoint.save(file, q)));
            }
            s.step("student");
            s.done();
        }
    }

    /** Stage 6: the pruned student quantized to --bits, saved compressed, and loaded back from that file. */
    private void stack() throws IOException {
        try (StageProgress s = stage(6, "stacked: distil → prune → " + bits + "-bit, compressed file", 1)) {
            if (chosen.contains(Variant.STACKED)) {
                Module pruned = prunedStudent;
                Mask.removeAll(pruned);
                Module q = LowBitWeights.requantizeAll(quantizeStatic(copy(pruned, FashionModels.mlp(unused, studentHidden))),
                        pruned, bits);
                Path file = models.resolve("stacked.safetensors");
                Map<String, String> meta = Map.of("architecture", "mlp-784-" + studentHidden + "-10");
                CompressedCheckpoint.save(file, q, bits, meta);
                // Measure the model as a user gets it: loaded from the compressed file.
                Module loaded = CompressedCheckpoint.load(file, FashionModels.mlp(unused, studentHidden));
                built.put(Variant.STACKED, new Built(loaded, student.numParameters(),
                        String.format(Locale.ROOT, "%s → prune %.0f%% → static per-channel %d-bit, sparse packed file",
                                distilRecipe, 100 * studentSparsity, bits),
                        f -> CompressedCheckpoint.save(f, q, bits, meta)));
            }
            s.step("stacked");
            s.done();
        }
    }

    /** Stage 7 (--model vit): the fp32 Vision Transformer, trained here with AdamW or loaded. */
    private void buildVit() throws IOException {
        Checkpoint teacherFile = vitTeacherFile == null ? null : SafeTensors.read(vitTeacherFile);
        vitCfg = vitConfig();
        if (teacherFile != null && teacherFile.metadata().containsKey("vit_dim")) {
            // A file from ./pare train-vit says its sizes; they win over the --vit-* options.
            vitCfg = FashionModels.vitConfig(teacherFile.metadata());
        }
        try (StageProgress s = stage(7, String.format(Locale.ROOT, "ViT: %d×%d patches, d=%d, %d layers of %d heads",
                vitCfg.patchSize(), vitCfg.patchSize(), vitCfg.dim(), vitCfg.depth(), vitCfg.heads()), 1)) {
            vit = FashionModels.vit(new Rng(options.seed + 2), vitCfg);
            if (teacherFile != null) {
                loadVitTeacher(vit, teacherFile);
                vitRecipe = "fp32 ViT (loaded from " + vitTeacherFile.getFileName() + ")";
            } else {
                trainVit(vit);
                vitRecipe = String.format(Locale.ROOT, "fp32 ViT p%d d%d %d×%dh, AdamW %d epochs", vitPatch, vitDim,
                        vitDepth, vitHeads, vitEpochs);
            }
            s.step("vit");
            s.done();
        }
        VisionTransformer v = vit;
        built.put(Variant.VIT, new Built(v, v.numParameters(), vitRecipe, file -> saveVit(file, v)));
    }

    /**
     * Stage 8 (--model vit): the ViT's compressed variants, each from a copy of the fp32 ViT:
     * dynamic int8; heads pruned by importance and fine-tuned; feed-forward weights pruned while
     * fine-tuning, run as CSR; and the head-pruned model quantized.
     */
    private void compressVit() throws IOException {
        long dense = vit.numParameters();
        try (StageProgress s = stage(8, "ViT: int8 dynamic, heads pruned, feed-forward pruned", 4)) {
            if (chosen.contains(Variant.VIT_INT8)) {
                putInt8Vit(Variant.VIT_INT8, vit, dense, "");
            }
            s.step("int8");
            VisionTransformer heads = null;
            if (chosen.contains(Variant.VIT_HEADS) || chosen.contains(Variant.VIT_COMBINED)) {
                heads = copyVit(vit);
                HeadPruner.Importance importance = HeadPruner.importance(heads, trainLoader(), new CrossEntropyLoss(),
                        headBatches);
                HeadPruner.pruneGlobal(heads, importance, headFraction);
                int total = vitCfg.depth() * vitCfg.heads();
                int left = 0;
                for (int n : HeadPruner.headCounts(heads).values()) {
                    left += n;
                }
                fineTuneVit(heads);
                String recipe = String.format(Locale.ROOT, "%d of %d heads pruned (|dL/dξ|, %d batches; per layer %s),"
                        + " fine-tune %d epochs", total - left, total, importance.batches(),
                        HeadPruner.headCounts(heads).values(), vitFinetuneEpochs);
                VisionTransformer h = heads;
                if (chosen.contains(Variant.VIT_HEADS)) {
                    built.put(Variant.VIT_HEADS, new Built(h, h.numParameters(), recipe, file -> saveVit(file, h)));
                }
                if (chosen.contains(Variant.VIT_COMBINED)) {
                    putInt8Vit(Variant.VIT_COMBINED, h, h.numParameters(), recipe + " → ");
                }
            }
            s.step("heads");
            if (chosen.contains(Variant.VIT_FF)) {
                VisionTransformer ff = copyVit(vit);
                List<String> weights = FeedForwardPruner.weightPaths(ff);
                long steps = (long) vitFinetuneEpochs * trainLoader().numBatches();
                // Zhu and Gupta's schedule over the first half of the fine-tuning, then the rest at
                // the final sparsity: the surviving weights adapt while the others fade out.
                int prunings = (int) Math.max(1, Math.min(10, steps / 2));
                GradualPruner pruner = new GradualPruner(ff, weights, false,
                        GradualSchedule.over(ffSparsity, 0, steps / 2, prunings));
                fineTuneVit(ff, pruner);
                pruner.finish();
                List<String> layers = new ArrayList<>();
                for (String w : weights) {
                    layers.add(w.substring(0, w.length() - ".weight".length()));
                }
                Module sparse = toSparse(ff, layers);
                Map<String, String> meta = vitMetadata(sparse);
                built.put(Variant.VIT_FF, new Built(sparse, dense, String.format(Locale.ROOT,
                        "feed-forward weights pruned %.0f%% (gradual magnitude, each layer) while fine-tuning %d epochs, CSR",
                        100 * ffSparsity, vitFinetuneEpochs), file -> SparseCheckpoint.save(file, sparse, meta)));
            }
            s.step("feed-forward");
            s.done();
        }
    }

    /** CNN stage 1: the teacher from --teacher. */
    private void buildCnnTeacher() throws IOException {
        try (StageProgress s = stage(1, "teacher: CNN from " + teacherFile.getFileName(), 1)) {
            cnnTeacher = CnnTeacher.load(teacherFile, "--teacher");
            s.step("teacher");
            s.done();
        }
        Module t = cnnTeacher.model();
        built.put(Variant.CNN, new Built(t, t.numParameters(), cnnTeacher.architecture() + " (loaded from "
                + teacherFile.getFileName() + ")", file -> saveCnn(file, t, cnnTeacher.architecture())));
    }

    /**
     * CNN stage 2: the student (the teacher's smaller neighbour in the search space) trained on
     * the teacher's cached logits and the labels, with the search's retraining recipe.
     */
    private void distilCnnStudent() {
        try (StageProgress s = stage(2, "student: distilled from the CNN teacher", 1)) {
            if (chosen.contains(Variant.CNN_STUDENT) || chosen.contains(Variant.CNN_STUDENT_INT8)) {
                Module teacherModel = cnnTeacher.model();
                teacherModel.eval(); // its BatchNorms use their running statistics for the cached logits
                trainLogits = TeacherLogitCache.compute(teacherModel, trainSet, 500);
                cnnStudentArchitecture = CnnTeacher.studentOf(cnnTeacher.searched());
                cnnStudent = cnnStudentArchitecture.build(new Rng(options.seed + 1));
                SGD sgd = sgd(cnnStudent.parameters(), options.learningRateOr(0.05));
                Distiller.builder(teacherModel, cnnStudent, new DistillationLoss(temperature, alpha), sgd)
                        .epochs(studentEpochs).scheduler(cosine(sgd, studentEpochs), SchedulerInterval.BATCH)
                        .progress(options.progress).build().fitBatches(trainLogits.attach(trainLoader()), null);
                Module st = cnnStudent;
                String recipe = String.format(Locale.ROOT, "%s distilled (T=%.1f, α=%.2f, %d epochs)",
                        cnnStudentArchitecture.encode(), temperature, alpha, studentEpochs);
                built.put(Variant.CNN_STUDENT, new Built(st, st.numParameters(), recipe,
                        file -> saveCnn(file, st, cnnStudentArchitecture.encode())));
            }
            s.step("student");
            s.done();
        }
    }

    /** CNN stage 3: static per-channel int8 of the teacher and the student. */
    private void quantizeCnn() {
        try (StageProgress s = stage(3, "int8: static per-channel, teacher and student", 2)) {
            String recipe = "static per-channel int8 (every convolution and Linear, " + calibrationBatches
                    + " calibration batches; BatchNorm in float)";
            if (chosen.contains(Variant.CNN_INT8)) {
                Module q = quantizeStatic(copy(cnnTeacher.model(), cnnTeacher.fresh().get()));
                built.put(Variant.CNN_INT8, new Built(q, cnnTeacher.model().numParameters(), recipe,
                        file -> saveQuantizedCnn(file, q, cnnTeacher.architecture())));
            }
            s.step("teacher");
            if (chosen.contains(Variant.CNN_STUDENT_INT8)) {
                Module q = quantizeStatic(copy(cnnStudent, cnnStudentArchitecture.build(unused)));
                built.put(Variant.CNN_STUDENT_INT8, new Built(q, cnnStudent.numParameters(), "student → " + recipe,
                        file -> saveQuantizedCnn(file, q, cnnStudentArchitecture.encode())));
            }
            s.step("student");
            s.done();
        }
    }

    private static void saveCnn(Path file, Module m, String architecture) throws IOException {
        SafeTensors.save(file, m.stateDict(), Map.of("architecture", architecture));
    }

    private static void saveQuantizedCnn(Path file, Module q, String architecture) throws IOException {
        Checkpoint c = QuantizedCheckpoint.toCheckpoint(q);
        c.putMetadata("architecture", architecture);
        SafeTensors.write(file, c);
    }

    private ViTConfig vitConfig() {
        return ViTConfig.fashion(vitPatch, vitDim, vitDepth, vitHeads);
    }

    /** The architecture name written into the ViT files' metadata, e.g. {@code vit-p7-d64-l6-h4}. */
    private String vitArchitecture() {
        return "vit-p" + vitCfg.patchSize() + "-d" + vitCfg.dim() + "-l" + vitCfg.depth() + "-h" + vitCfg.heads();
    }

    /** --vit-teacher into {@code m}: fp32 entries only, loaded strictly. */
    private void loadVitTeacher(VisionTransformer m, Checkpoint c) {
        for (Map.Entry<String, TensorEntry> e : c.entries().entrySet()) {
            if (e.getValue().dtype() != DType.F32) {
                throw new IllegalArgumentException("--vit-teacher " + vitTeacherFile + ": entry " + e.getKey() + " is "
                        + e.getValue().dtype() + "; the ViT teacher must be an fp32 state dict");
            }
        }
        try {
            m.loadStateDict(c.toStateDict(), true);
        } catch (IllegalArgumentException ex) {
            throw new IllegalArgumentException("--vit-teacher " + vitTeacherFile + " does not fit " + vitCfg
                    + " (sizes from " + (c.metadata().containsKey("vit_dim") ? "its metadata" : "the --vit-* options")
                    + "): " + ex.getMessage(), ex);
        }
    }

    /**
     * The ViT recipe: AdamW (weight decay 0.05), a linear warm-up over the first tenth of the
     * steps then cosine to 0, label smoothing 0.1. Transformers need the warm-up: Adam's first
     * steps, with its second-moment estimates still near zero, are too large for attention
     * logits and the LayerNorm'd residual stream.
     */
    private void trainVit(VisionTransformer m) {
        long steps = (long) vitEpochs * trainLoader().numBatches();
        int warmup = (int) Math.max(1, steps / 10);
        AdamW adamw = new AdamW(m.parameters(), vitLr, 0.9, 0.999, 1e-8, 0.05);
        LrScheduler schedule = new LrScheduler(adamw, LrSchedule.linearWarmup(0.01, warmup)
                .then(warmup, LrSchedule.cosine((int) Math.max(1, steps - warmup), 0)));
        Trainer.builder(m, new CrossEntropyLoss(Reduction.MEAN, 0.1f), adamw).epochs(vitEpochs)
                .scheduler(schedule, SchedulerInterval.BATCH).progress(options.progress).build().fit(trainLoader());
    }

    private void fineTuneVit(VisionTransformer m) {
        fineTuneVit(m, null);
    }

    /** --vit-finetune-epochs of AdamW from --vit-finetune-lr, cosine to 0; pruning as it goes when {@code pruner} is given. */
    private void fineTuneVit(VisionTransformer m, GradualPruner pruner) {
        // A new optimizer for the model as it is now: head pruning replaced the projection tensors.
        Optimizer adamw = new AdamW(m.parameters(), vitFinetuneLr, 0.9, 0.999, 1e-8, 0.05);
        LrScheduler schedule = new LrScheduler(adamw, LrSchedule.cosine(vitFinetuneEpochs * trainLoader().numBatches(), 0));
        Trainer t = Trainer.builder(m, new CrossEntropyLoss(Reduction.MEAN, 0.1f), adamw).epochs(vitFinetuneEpochs)
                .scheduler(schedule, SchedulerInterval.BATCH).progress(options.progress).build();
        DataLoader train = trainLoader();
        t.fit(pruner == null ? train : pruner.wrap(train));
    }

    /** A new ViT with {@code from}'s weights, its head counts and its masks, if any. */
    private VisionTransformer copyVit(VisionTransformer from) {
        VisionTransformer into = FashionModels.vit(unused, vitCfg);
        HeadPruner.matchHeads(into, from.stateDict());
        Mask.loadStateDict(into, from.stateDict());
        return into;
    }

    /**
     * Dynamic int8 of a copy of {@code from} as {@code variant}: saved under models/ by
     * {@link #saveQuantizedVit}, then loaded back from that file, so that the model measured is
     * the file's, its F16 rounding included. {@code recipe} is what was done before quantizing.
     */
    private void putInt8Vit(Variant variant, VisionTransformer from, long parameters, String recipe) throws IOException {
        Module q = Quantizer.dynamic(copyVit(from), Granularity.PER_CHANNEL);
        Path file = models.resolve(variant.label + ".safetensors");
        saveQuantizedVit(file, q);
        Checkpoint c = SafeTensors.read(file);
        VisionTransformer architecture = FashionModels.vit(unused, vitCfg);
        HeadPruner.matchHeads(architecture, c, file.toString());
        Module loaded = QuantizedCheckpoint.fromCheckpoint(c, file.toString(), architecture);
        built.put(variant, new Built(loaded, parameters, recipe + "dynamic per-channel int8 (every Linear, attention "
                + "projection and the patch embedding), the other floats F16", f -> {
                    if (!f.equals(file)) {   // the measuring stage asks for the file this method just wrote
                        saveQuantizedVit(f, q);
                    }
                }));
    }

    /**
     * A quantized ViT as {@link QuantizedCheckpoint} writes it, with the ViT's metadata added, and
     * every tensor left float (biases, scales, norms, embeddings) stored as F16. Why F16: the int8
     * codes are a quarter of the float weights, so in a model this small the float tensors would
     * otherwise be a large share of the file. A scale below F16's normal range, or any value
     * beyond its largest (65504), is refused by name (by QuantizedCheckpoint and SafeTensors)
     * rather than stored wrongly.
     */
    private void saveQuantizedVit(Path file, Module q) throws IOException {
        Checkpoint c = QuantizedCheckpoint.toCheckpoint(q, DType.F16);
        vitMetadata(q).forEach(c::putMetadata);
        SafeTensors.write(file, c);
    }

    private void saveVit(Path file, VisionTransformer m) throws IOException {
        SafeTensors.save(file, m.stateDict(), vitMetadata(m));
    }

    /** The architecture name, the sizes FashionModels.vitConfig rebuilds it from, and the heads each layer has now. */
    private Map<String, String> vitMetadata(Module m) {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("architecture", vitArchitecture());
        // The sizes as built (FashionModels.vitConfig rebuilds the architecture from them), and the
        // heads each layer has now: fewer than vit_heads once heads are pruned.
        meta.putAll(FashionModels.vitMetadata(vitCfg));
        meta.put("heads_per_layer", HeadPruner.headCounts(m).values().toString());
        return meta;
    }

    /** Stage 7: each chosen variant saved under models/ and measured. */
    private List<VariantResult> measureAll() throws IOException {
        Tensor one = firstImages(1);
        Tensor many = firstImages(256);
        List<Variant> measured = new ArrayList<>();
        List<Long> bytes = new ArrayList<>();
        List<Double> accuracies = new ArrayList<>();
        try (StageProgress s = stage(stages() - 1, "measuring accuracy, bytes, latency", chosen.size() + 1)) {
            for (Variant v : Variant.values()) {
                Built b = built.get(v);
                if (b == null || !chosen.contains(v)) {
                    continue;
                }
                Path file = models.resolve(v.label + ".safetensors");
                b.saver.save(file);
                measured.add(v);
                bytes.add(Files.size(file));
                accuracies.add(accuracy(b.model));
                s.step(v.label);
            }
            // Times last, all models together: see timeAll.
            LatencyStats[][] times = timeAll(measured, one, many);
            s.step("latency");
            s.done();
            List<VariantResult> results = new ArrayList<>();
            for (int i = 0; i < measured.size(); i++) {
                Built b = built.get(measured.get(i));
                results.add(new VariantResult(measured.get(i).label, b.recipe, accuracies.get(i), b.parameters,
                        nonZeros(b.model), bytes.get(i), times[i][0], many.size(0) / (times[i][1].medianMicros() / 1e6)));
            }
            return results;
        }
    }

    /** Stage 8: report.csv, report.md and the chart; returns the files written. */
    private List<Path> writeReport(TradeOffReport report, FashionMnist data) throws IOException {
        List<Path> written;
        try (StageProgress s = stage(stages(), "writing the report and the chart", 2)) {
            written = new ArrayList<>(report.write(reportDir));
            s.step("csv, md");
            written.addAll(TradeOffChart.write(report, title(data), reportDir));
            s.step("chart");
            s.done();
        }
        return written;
    }

    /** The table, the run's settings and, when built, the stacked model against the teacher. */
    private void printSummary(TradeOffReport report, List<VariantResult> results, FashionMnist data, long t0) {
        System.out.println();
        System.out.print(report.table());
        System.out.printf(Locale.ROOT, "%n%s; %d thread(s); seed %d; %.0f s in all. Ratios are to the teacher "
                        + "(smaller: bytes, faster: batch-1 median, ratio: batch-256 throughput); * = on the "
                        + "accuracy-vs-bytes Pareto frontier.%n",
                data.isSubset() ? "bundled subset (10,000 images; --full for the whole dataset)" : "full Fashion-MNIST",
                Parallel.threads(), options.seed, (System.nanoTime() - t0) / 1e9);
        VariantResult vitRow = null;
        for (VariantResult r : results) {
            if (r.name().equals(Variant.STACKED.label)) {
                System.out.printf(Locale.ROOT, "stacked vs teacher: %.1fx fewer bytes, %+.2f points, %.1fx lower batch-1 "
                        + "latency%n", report.smaller(r), report.deltaPoints(r), report.faster(r));
            }
            if (r.name().equals(Variant.VIT.label)) {
                vitRow = r;
            }
        }
        if (vitRow != null) {
            // The table's ratios are to the MLP teacher; the ViT variants are judged against the fp32 ViT.
            for (VariantResult r : results) {
                if (r != vitRow && r.name().startsWith("vit-")) {
                    System.out.printf(Locale.ROOT, "%s vs vit: %.1fx fewer bytes, %+.2f points, %.2fx batch-1 speed, "
                                    + "%.2fx batch-256 throughput%n", r.name(), (double) vitRow.fileBytes() / r.fileBytes(),
                            100 * (r.accuracy() - vitRow.accuracy()),
                            vitRow.batch1().medianMicros() / r.batch1().medianMicros(),
                            r.batch256PerSecond() / vitRow.batch256PerSecond());
                }
            }
        }
    }

    /** A built variant: its model, the dense parameter count it stands for, its recipe, and how to save it. */
    private record Built(Module model, long parameters, String recipe, Saver saver) {}

    @FunctionalInterface
    private interface Saver {
        void save(Path file) throws IOException;
    }

    private Set<Variant> chosenVariants() {
        Set<Variant> chosen = EnumSet.of(model == ModelChoice.cnn ? Variant.CNN : Variant.TEACHER);
        if (variantNames.isEmpty()) {
            for (Variant v : Variant.values()) {
                if (v.in(model) && (cnnHasStudent || !isCnnStudentRow(v))) {
                    chosen.add(v);
                }
            }
            return chosen;
        }
        for (String name : variantNames) {
            Variant v = Variant.of(name.trim());
            if (v.family == ModelChoice.vit && model != ModelChoice.vit) {
                throw new IllegalArgumentException("--variants " + v.label + " is a ViT variant; add --model vit");
            }
            if (!v.in(model)) {
                throw new IllegalArgumentException("--variants " + v.label + (v.family == ModelChoice.cnn
                        ? " is a CNN row; give a CNN as --teacher" : " is an MLP row, and a CNN run (--teacher "
                        + teacherFile + ") has only the cnn-* rows"));
            }
            if (isCnnStudentRow(v) && !cnnHasStudent) {
                throw new IllegalArgumentException("--variants " + v.label + " needs a teacher found by ./pare search "
                        + "(an mbv2: architecture, whose student is its smaller neighbour in the search space); "
                        + teacherFile + " is a hand-made CNN");
            }
            chosen.add(v);
            if (v.family == ModelChoice.vit) {
                chosen.add(Variant.VIT);   // the ViT rows' own baseline
            }
        }
        return chosen;
    }

    private static boolean isCnnStudentRow(Variant v) {
        return v == Variant.CNN_STUDENT || v == Variant.CNN_STUDENT_INT8;
    }

    private void validate() {
        check(studentHidden >= 1, "--student-hidden must be at least 1, got " + studentHidden);
        check(studentEpochs >= 1, "--student-epochs must be at least 1, got " + studentEpochs);
        check(finetuneEpochs >= 1, "--finetune-epochs must be at least 1, got " + finetuneEpochs);
        check(teacherSparsity >= 0 && teacherSparsity < 1, "--teacher-sparsity must be in [0, 1), got " + teacherSparsity);
        check(studentSparsity >= 0 && studentSparsity < 1, "--student-sparsity must be in [0, 1), got " + studentSparsity);
        check(structuredFraction > 0 && structuredFraction < 1, "--structured must be in (0, 1), got " + structuredFraction);
        check(finetuneLr > 0 && Double.isFinite(finetuneLr), "--finetune-lr must be positive, got " + finetuneLr);
        check(bits >= 2 && bits <= 8, "--bits must be in [2, 8], got " + bits);
        check(calibrationBatches >= 1, "--calibration-batches must be at least 1, got " + calibrationBatches);
        check(latencyCalls >= 10, "--latency-calls must be at least 10, got " + latencyCalls);
        check(warmupMillis >= 0, "--warmup-millis must be >= 0, got " + warmupMillis);
        if (model == ModelChoice.vit) {
            check(vitPatch >= 1 && 28 % vitPatch == 0, "--vit-patch must divide 28, got " + vitPatch);
            check(vitDim >= 1 && vitHeads >= 1 && vitDim % vitHeads == 0, "--vit-dim " + vitDim
                    + " must be a positive multiple of --vit-heads " + vitHeads);
            check(vitDepth >= 1, "--vit-depth must be at least 1, got " + vitDepth);
            check(vitEpochs >= 1, "--vit-epochs must be at least 1, got " + vitEpochs);
            check(vitFinetuneEpochs >= 1, "--vit-finetune-epochs must be at least 1, got " + vitFinetuneEpochs);
            check(vitLr > 0 && Double.isFinite(vitLr), "--vit-lr must be positive, got " + vitLr);
            check(vitFinetuneLr > 0 && Double.isFinite(vitFinetuneLr), "--vit-finetune-lr must be positive, got "
                    + vitFinetuneLr);
            check(headFraction >= 0 && headFraction < 1, "--head-fraction must be in [0, 1), got " + headFraction);
            check(Math.floor(headFraction * vitDepth * vitHeads) <= vitDepth * (vitHeads - 1), "--head-fraction "
                    + headFraction + " removes " + (int) Math.floor(headFraction * vitDepth * vitHeads) + " of "
                    + vitDepth * vitHeads + " heads, but each of the " + vitDepth + " layers must keep one");
            check(headBatches >= 1, "--head-batches must be at least 1, got " + headBatches);
            check(ffSparsity >= 0 && ffSparsity < 1, "--ff-sparsity must be in [0, 1), got " + ffSparsity);
            if (vitTeacherFile != null && !Files.isRegularFile(vitTeacherFile)) {
                throw new IllegalArgumentException("--vit-teacher " + vitTeacherFile + ": no such file");
            }
        } else if (vitTeacherFile != null) {
            throw new IllegalArgumentException("--vit-teacher " + vitTeacherFile + " needs --model vit");
        }
        new DistillationLoss(temperature, alpha); // names a bad T or α before any training
        if (options.out != null && model != ModelChoice.cnn && !chosenVariants().contains(Variant.STACKED)) {
            throw new IllegalArgumentException("--out " + options.out + " saves the stacked model, which --variants "
                    + String.join(",", variantNames) + " leaves out");
        }
        if (options.out != null) {
            Path parent = options.out.toAbsolutePath().getParent();
            if (Files.isDirectory(options.out) || parent == null || !Files.isDirectory(parent)) {
                throw new IllegalArgumentException("--out " + options.out + ": must name a file in an existing directory");
            }
        }
        if (teacherFile != null && !Files.isRegularFile(teacherFile)) {
            throw new IllegalArgumentException("--teacher " + teacherFile + ": no such file");
        }
        if (model == ModelChoice.cnn) {
            if (teacherFile == null) {
                throw new IllegalArgumentException("--model cnn needs --teacher: a CNN from ./pare search (found.safetensors)"
                        + " or ./pare train-cnn");
            }
            if (options.out != null) {
                throw new IllegalArgumentException("--out " + options.out + " saves the MLP's stacked model, which a CNN "
                        + "run does not build; its models are in --report-dir's models/");
            }
        }
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /**
     * Stages 1 to 4 train, and so do the ViT's (7 and 8 with --model vit), and the Trainer draws
     * its own bar per epoch: a second, stage-wide bar redrawn on the same terminal would garble
     * both, so those stages announce themselves with a line and leave the bars to the Trainer.
     */
    private StageProgress stage(int index, String name, long steps) {
        boolean trainerDrawsBars = model == ModelChoice.cnn ? index == 2
                : index <= 4 || model == ModelChoice.vit && (index == 7 || index == 8);
        return StageProgress.start(options.progress, index, stages(), name, trainerDrawsBars ? 1 : steps);
    }

    /** How many stages this run has: the MLP's 8, and the ViT's two with --model vit; a CNN run's 5. */
    private int stages() {
        return model == ModelChoice.cnn ? CNN_STAGES : model == ModelChoice.vit ? MLP_STAGES + 2 : MLP_STAGES;
    }

    /** The teacher: loaded from --teacher, or trained with train-mlp's recipe. */
    private Module teacher() throws IOException {
        Module m = FashionModels.mlp(new Rng(options.seed));
        if (teacherFile != null) {
            Checkpoint c = SafeTensors.read(teacherFile);
            // A pruned, quantized or compressed MLP file is not a teacher: it holds I8/I16/I32 arrays
            // where train-mlp writes float weights (F32, or F16/BF16 as exported for PyTorch).
            for (Map.Entry<String, TensorEntry> e : c.entries().entrySet()) {
                if (!e.getValue().dtype().isFloatingPoint()) {
                    throw new IllegalArgumentException("--teacher " + teacherFile + ": entry " + e.getKey() + " is "
                            + e.getValue().dtype() + ", so this is a pruned, quantized or compressed checkpoint; the "
                            + "teacher must be an fp32 file from ./pare train-mlp");
                }
            }
            // ModelFile maps PyTorch's names (0.weight, 2.weight, … without the Flatten), reads the
            // architecture from the weights' shapes and checks it against the metadata: train-mlp's
            // "mlp", search's "mlp:H1-H2", or none in a file saved by PyTorch.
            ModelFile f = ModelFile.readFloatModel(teacherFile, "--teacher");
            if (f.architecture.kind() != ModelFile.Kind.MLP || f.architecture.hidden().length != 2) {
                throw new IllegalArgumentException("--teacher " + teacherFile + ": holds " + f.architecture.name()
                        + "; the pipeline's teacher is an MLP with two hidden layers (784-H1-H2-10), as ./pare "
                        + "train-mlp or ./pare search --space mlp writes it");
            }
            return f.model.train();
        }
        int epochs = options.epochsOr(10);
        SGD sgd = sgd(m.parameters(), options.learningRateOr(0.05));
        Trainer.builder(m, new CrossEntropyLoss(), sgd).epochs(epochs)
                .scheduler(cosine(sgd, epochs), SchedulerInterval.BATCH).progress(options.progress).build().fit(trainLoader());
        return m;
    }

    /** The student 784-H-10 trained on the teacher's cached logits and the labels. */
    private Module distilledStudent(Module teacher) {
        Sequential student = FashionModels.mlp(new Rng(options.seed + 1), studentHidden);
        SGD sgd = sgd(student.parameters(), options.learningRateOr(0.05));
        Distiller.builder(teacher, student, new DistillationLoss(temperature, alpha), sgd).epochs(studentEpochs)
                .scheduler(cosine(sgd, studentEpochs), SchedulerInterval.BATCH).progress(options.progress).build()
                .fitBatches(trainLogits.attach(trainLoader()), null);
        return student;
    }

    /**
     * Gradual global magnitude pruning of {@code weights} to {@code sparsity}: Zhu and Gupta's cubic
     * schedule over the first two thirds of --finetune-epochs, the last third at the final sparsity.
     * A student ({@code teacher} given) keeps learning from the teacher's logits meanwhile.
     */
    private void prune(Module m, List<String> weights, double sparsity, Module teacher) {
        long steps = (long) finetuneEpochs * trainLoader().numBatches();
        int prunings = (int) Math.max(1, Math.min(10, steps * 2 / 3));
        GradualPruner pruner = new GradualPruner(m, weights, true, GradualSchedule.over(sparsity, 0, steps * 2 / 3, prunings));
        fineTune(m, teacher, pruner);
        pruner.finish();
    }

    private void fineTune(Module m, Module teacher) {
        fineTune(m, teacher, null);
    }

    /** --finetune-epochs from --finetune-lr, cosine; with the distillation loss when {@code teacher} is given. */
    private void fineTune(Module m, Module teacher, GradualPruner pruner) {
        SGD sgd = sgd(m.parameters(), finetuneLr);
        if (teacher == null) {
            Trainer t = Trainer.builder(m, new CrossEntropyLoss(), sgd).epochs(finetuneEpochs)
                    .scheduler(cosine(sgd, finetuneEpochs), SchedulerInterval.BATCH).progress(options.progress).build();
            DataLoader train = trainLoader();
            t.fit(pruner == null ? train : pruner.wrap(train));
        } else {
            Iterable<LabeledBatch> batches = trainLogits.attach(trainLoader());
            Distiller d = Distiller.builder(teacher, m, new DistillationLoss(temperature, alpha), sgd).epochs(finetuneEpochs)
                    .scheduler(cosine(sgd, finetuneEpochs), SchedulerInterval.BATCH).progress(options.progress).build();
            d.fitBatches(pruner == null ? batches : pruner.wrap(batches), null);
        }
    }

    private Module quantizeStatic(Module m) {
        Module prepared = Quantizer.prepareStatic(m, MinMaxObserver::new);
        Quantizer.calibrate(prepared, trainLoader(), calibrationBatches);
        return Quantizer.convertStatic(prepared, Granularity.PER_CHANNEL);
    }

    /** The training samples' recipe: SGD, Nesterov momentum 0.9, weight decay 5e-4. */
    private static SGD sgd(List<Tensor> params, double lr) {
        return new SGD(params, lr, 0.9, 0, true, 5e-4);
    }

    private LrScheduler cosine(SGD sgd, int epochs) {
        return new LrScheduler(sgd, LrSchedule.cosine(epochs * trainLoader().numBatches(), 0));
    }

    /**
     * A fresh loader over the training set for each run, shuffled from --seed. A loader
     * reshuffles on every pass, so sharing one would make a stage's data order, and its result,
     * depend on which stages ran before it (--variants, --teacher).
     */
    private DataLoader trainLoader() {
        return DataLoader.builder(trainSet).batchSize(options.batchSize).shuffle(options.seed).build();
    }

    /** {@code into} with {@code from}'s weights (masks included, if any). */
    private static Module copy(Module from, Module into) {
        Mask.loadStateDict(into, from.stateDict());
        return into;
    }

    /** The weight parameter of each Linear at {@code paths}: "1.weight", …. */
    private static List<String> weightsOf(List<String> paths) {
        List<String> weights = new ArrayList<>();
        for (String p : paths) {
            weights.add(p + ".weight");
        }
        return weights;
    }

    /**
     * {@code m} with --structured of each hidden layer's neurons removed: each Linear at
     * {@code paths} but the last loses output rows, and the next one the matching input columns.
     */
    private Module shrunk(Module m, List<String> paths) {
        for (int i = 0; i + 1 < paths.size(); i++) {
            StructuredPruner.pruneNeurons(m, paths.get(i), paths.get(i + 1), structuredFraction, StructuredPruner.Norm.L2);
        }
        return m;
    }

    /** The masked Linear layers at {@code paths} replaced by CSR {@link SparseLinear}s. */
    private static Module toSparse(Module m, List<String> paths) {
        for (String p : paths) {
            Module layer = m.getModule(p);
            if (layer instanceof Linear && Mask.isMasked(layer, "weight")) {
                m.replaceModule(p, SparseLinear.fromLinear((Linear) layer, SparseFormat.CSR));
            }
        }
        return m;
    }

    /** The layer sizes of a shrunk MLP, e.g. "784-128-64-10". */
    private static String layerSizes(Module m) {
        StringBuilder b = new StringBuilder();
        m.namedModules().values().forEach(x -> {
            if (x instanceof Linear l) {
                if (b.length() == 0) {
                    b.append(l.inFeatures());
                }
                b.append('-').append(l.outFeatures());
            }
        });
        return b.toString();
    }

    private static void saveDense(Path file, Module m) throws IOException {
        SafeTensors.save(file, m.stateDict());
    }

    private Tensor firstImages(int n) {
        Batch b = test.iterator().next();
        return b.inputs().narrow(0, 0, n).contiguous();
    }

    private String title(FashionMnist data) {
        return String.format(Locale.ROOT, "Compression trade-offs, Fashion-MNIST%s (%s, seed %d)",
                data.isSubset() ? " bundled subset" : "", model == ModelChoice.vit ? "MLP and ViT"
                        : model == ModelChoice.cnn ? "CNN teacher " + cnnTeacher.architecture() : "MLP teacher",
                options.seed);
    }

    /** Test accuracy of {@code m} in evaluation mode. */
    @SuppressWarnings("try")
    private double accuracy(Module m) {
        m.eval();
        Accuracy accuracy = new Accuracy();
        try (GradMode.Scope ignored = Tensor.noGrad()) {
            for (Batch batch : test) {
                accuracy.update(m.forward(batch.inputs()), batch.labels());
            }
        }
        return accuracy.value();
    }

    /**
     * Batch-1 and batch-256 latency of each variant: {@code [i][0]} and {@code [i][1]}, each the
     * faster of two rounds over all the variants.
     *
     * <p>Trap: a model's own warm-up is not enough when several models take turns
     * ({@link LatencyStats#prewarmInTurns}). So every model first runs untimed, in turns, for
     * --warmup-millis each; then two rounds are timed, and a busy neighbour can only slow a round
     * down.
     */
    private LatencyStats[][] timeAll(List<Variant> variants, Tensor one, Tensor many) {
        List<Module> models = new ArrayList<>();
        for (Variant v : variants) {
            models.add(built.get(v).model);
        }
        LatencyStats.prewarmInTurns(models, Collections.nCopies(models.size(), List.of(one, many)),
                warmupMillis / 4);
        LatencyStats[][] times = new LatencyStats[variants.size()][2];
        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < variants.size(); i++) {
                Module m = built.get(variants.get(i)).model;
                LatencyStats b1 = LatencyStats.measure(m, one, warmupMillis / 2, latencyCalls);
                LatencyStats b256 = LatencyStats.measure(m, many, warmupMillis / 2, Math.max(10, latencyCalls / 50));
                if (times[i][0] == null || b1.medianMicros() < times[i][0].medianMicros()) {
                    times[i][0] = b1;
                }
                if (times[i][1] == null || b256.medianMicros() < times[i][1].medianMicros()) {
                    times[i][1] = b256;
                }
            }
        }
        return times;
    }

    private static boolean isBatchNormStatistic(String key) {
        return key.endsWith(".running_mean") || key.endsWith(".running_var") || key.endsWith(".num_batches_tracked");
    }

    /** Stored non-zero numbers: float parameters and buffers (but BatchNorm's statistics), plus the int8 codes and biases of quantized layers. */
    static long nonZeros(Module m) {
        long n = 0;
        for (Map.Entry<String, Tensor> e : m.stateDict().entrySet()) {
            if (isBatchNormStatistic(e.getKey())) {
                continue; // buffers, not parameters: a CNN's non-zeros are compared with its parameters
            }
            for (float v : e.getValue().contiguous().toArray()) {
                n += v != 0f ? 1 : 0;
            }
        }
        for (Module x : m.namedModules().values()) {
            if (x instanceof QuantizedConv2d q) {
                n += nonZeros(q.weightCodes(), q.bias());
            }
            if (x instanceof QuantizedLinear q) {
                n += nonZeros(q.weightCodes(), q.bias());
            }
        }
        return n;
    }

    /** Non-zero codes, and non-zero biases if there are any. */
    private static long nonZeros(byte[] codes, float[] bias) {
        long n = 0;
        for (byte c : codes) {
            n += c != 0 ? 1 : 0;
        }
        for (float v : bias == null ? new float[0] : bias) {
            n += v != 0f ? 1 : 0;
        }
        return n;
    }
}
