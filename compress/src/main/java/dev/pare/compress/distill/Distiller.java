package dev.pare.compress.distill;

import dev.pare.nn.Model;
import dev.pare.nn.Module;
import dev.pare.nn.Sequential;
import dev.pare.nn.attention.TransformerEncoder;
import dev.pare.nn.data.DataLoader;
import dev.pare.nn.optim.LrScheduler;
import dev.pare.nn.optim.Optimizer;
import dev.pare.nn.train.BatchLoss;
import dev.pare.nn.train.FitResult;
import dev.pare.nn.train.LabeledBatch;
import dev.pare.nn.train.ProgressMode;
import dev.pare.nn.train.SchedulerInterval;
import dev.pare.nn.train.Trainer;
import dev.pare.nn.train.TrainingCheckpoint;
import dev.pare.tensor.Tensor;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains a student to imitate a frozen teacher: the {@link Trainer}'s loop, with a loss that sees
 * the batch so that it can obtain the teacher's logits for it.
 *
 * <pre>{@code
 * Distiller distiller = Distiller.builder(teacher, student, new DistillationLoss(4f, 0.9f), sgd)
 *         .epochs(5)
 *         .cacheTeacherLogits(true)      // the pipeline is deterministic: run the teacher once
 *         .build();
 * FitResult result = distiller.fit(trainLoader, testLoader);
 * }</pre>
 *
 * <p>Each training step is the {@code Trainer}'s: forward the student, compute the loss, backward,
 * step. The loss obtains the teacher's logits for the batch in one of two ways:
 * <ul>
 *   <li><b>on the fly</b>: the teacher runs on the batch's inputs in evaluation mode under
 *       {@link Tensor#noGrad()}: no graph is recorded through it, it receives no gradient, and its
 *       weights are in no optimizer (checked), so it cannot change;</li>
 *   <li><b>cached</b>: {@link TeacherLogitCache} runs it once over each data set before training
 *       and every batch carries its rows ({@link TeacherBatch}), looked up by dataset index. Exact
 *       only for a deterministic pipeline (no augmentation), which a {@link DataLoader} over a
 *       {@code Dataset} is.</li>
 * </ul>
 * The test set is evaluated with the same loss (so its "test loss" is the distillation loss) and
 * with the student's accuracy. An optional {@link HintLoss} adds FitNets-style feature matching;
 * it needs the teacher's hidden feature of every batch, so it always runs the teacher on the fly.
 *
 * <h2>DistilBERT</h2>
 * Built with a {@link DistilBertLoss} instead of a {@link DistillationLoss}, the loop trains a
 * transformer student against a transformer teacher with DistilBERT's three terms. Each network
 * must contain one {@link TransformerEncoder}; when the loss has a cosine term (γ &gt; 0) their
 * hidden-state taps are turned on for the duration of a fit, the student's states are read after
 * its forward pass and the teacher's after its own, so the teacher runs on every batch (no cache).
 * <pre>{@code
 * VisionTransformer student = new VisionTransformer(teacher.config().withDepth(3), rng);
 * TeacherLayerInit.copy(teacher, student);                      // layers 0, 2, 4 and the rest
 * Distiller d = Distiller.builder(teacher, student,
 *         new DistilBertLoss(2f, 5f, 2f, 1f, 0.1f, HiddenStatePooling.CLASS_TOKEN), adamW).epochs(10).build();
 * }</pre>
 */
public final class Distiller {
    private static final Logger LOG = LoggerFactory.getLogger(Distiller.class);
    /** Batch size of the caching pass: forward only, so it can be larger than a training batch. */
    private static final int CACHE_BATCH = 500;

    private final Module teacher;
    private final Module student;
    private final DistillationLoss loss;
    private final DistilBertLoss distilBert;
    private final TransformerEncoder teacherEncoder;
    private final TransformerEncoder studentEncoder;
    private final HintLoss hint;
    private final Optimizer optimizer;
    private final boolean cache;
    private final Trainer trainer;
    private final Model teacherModel;
    private final SequentialTap studentTap;
    private final SequentialTap teacherTap;
    private double cacheSeconds;

    private Distiller(Builder b) {
        this.teacher = b.teacher;
        this.student = b.student;
        this.loss = b.loss;
        this.distilBert = b.distilBert;
        if (distilBert != null && distilBert.needsHiddenStates()) {
            teacherEncoder = TeacherLayerInit.encoderOf(teacher, "teacher");
            studentEncoder = TeacherLayerInit.encoderOf(student, "student");
            // Checked now, not at the first batch: the depths must pair up.
            HiddenStateCosineLoss.layerRatio(studentEncoder.numLayers(), teacherEncoder.numLayers());
        } else {
            teacherEncoder = null;
            studentEncoder = null;
        }
        this.hint = b.hint;
        this.optimizer = b.optimizer;
        this.cache = b.cache;
        if (hint != null) {
            teacherTap = new SequentialTap(asSequential(teacher, "teacher"), hint.teacherLayer());
            studentTap = new SequentialTap(asSequential(student, "student"), hint.studentLayer());
            teacherModel = teacherTap;
        } else {
            teacherTap = null;
            studentTap = null;
            teacherModel = teacher;
        }
        Model studentModel = studentTap != null ? studentTap : student;
        Trainer.Builder tb = Trainer.builderWithBatchLoss(studentModel, this::batchLoss, optimizer)
                .epochs(b.epochs)
                .progress(b.progress);
        if (b.scheduler != null) {
            tb.scheduler(b.scheduler, b.interval);
        }
        if (b.trainerOptions != null) {
            b.trainerOptions.accept(tb);
        }
        this.trainer = tb.build();
    }

    /** A builder: {@code optimizer} must hold the student's parameters (and a hint's projection), never the teacher's. */
    public static Builder builder(Module teacher, Module student, DistillationLoss loss, Optimizer optimizer) {
        if (loss == null) {
            throw new IllegalArgumentException("Distiller: teacher, student, loss and optimizer must not be null");
        }
        return new Builder(teacher, student, loss, null, optimizer);
    }

    /**
     * A builder for DistilBERT's recipe (see the class comment): teacher and student each contain
     * one {@link TransformerEncoder}, the student's depth dividing the teacher's when γ &gt; 0.
     */
    public static Builder builder(Module teacher, Module student, DistilBertLoss loss, Optimizer optimizer) {
        if (loss == null) {
            throw new IllegalArgumentException("Distiller: teacher, student, loss and optimizer must not be null");
        }
        return new Builder(teacher, student, null, loss, optimizer);
    }

    /**
     * Trains the student for the configured epochs on {@code train}, evaluating on {@code test}
     * (may be null) after each. The teacher is switched to evaluation mode and left there.
     */
    public FitResult fit(DataLoader train, DataLoader test) {
        if (train == null) {
            throw new IllegalArgumentException("Distiller: training data is null");
        }
        teacher.eval();
        cacheSeconds = 0;
        Iterable<? extends LabeledBatch> trainBatches = train;
        Iterable<? extends LabeledBatch> testBatches = test;
        if (cache) {
            TeacherLogitCache trainCache = TeacherLogitCache.compute(teacher, train.dataset(), CACHE_BATCH);
            trainBatches = trainCache.attach(train);
            cacheSeconds += trainCache.seconds();
            if (test != null) {
                TeacherLogitCache testCache = TeacherLogitCache.compute(teacher, test.dataset(), CACHE_BATCH);
                testBatches = testCache.attach(test);
                cacheSeconds += testCache.seconds();
            }
            LOG.info(String.format(java.util.Locale.ROOT, "teacher logits cached in %.2f s", cacheSeconds));
        }
        return withTaps(trainBatches, testBatches, null);
    }

    /**
     * Trains on batches that may already carry their teacher logits, e.g. from a
     * {@link TeacherLogitCache} computed once and {@link TeacherLogitCache#attach attached} to
     * several runs' loaders (the cache is then not recomputed per run). A {@link TeacherBatch} uses
     * its logits; any other batch runs the teacher. The builder's caching option is not used here.
     */
    public FitResult fitBatches(Iterable<? extends LabeledBatch> train, Iterable<? extends LabeledBatch> test) {
        if (train == null) {
            throw new IllegalArgumentException("Distiller: training data is null");
        }
        teacher.eval();
        cacheSeconds = 0;
        return withTaps(train, test, null);
    }

    /**
     * Continues a {@link #fitBatches} run from a checkpoint saved by it (see
     * {@link Builder#trainerOptions} and {@link Trainer#resume(TrainingCheckpoint, Iterable, Iterable)}):
     * the same data must be given.
     */
    public FitResult resumeBatches(TrainingCheckpoint checkpoint, Iterable<? extends LabeledBatch> train,
                                   Iterable<? extends LabeledBatch> test) {
        if (train == null) {
            throw new IllegalArgumentException("Distiller: training data is null");
        }
        teacher.eval();
        cacheSeconds = 0;
        return withTaps(train, test, checkpoint);
    }

    /**
     * Runs the trainer (fresh, or resumed from {@code checkpoint}) with the hidden-state taps on
     * when the loss reads hidden states, and off again afterwards, even on failure, so that the
     * student leaves training as an ordinary model.
     */
    private FitResult withTaps(Iterable<? extends LabeledBatch> train, Iterable<? extends LabeledBatch> test,
                               TrainingCheckpoint checkpoint) {
        if (studentEncoder != null) {
            teacherEncoder.keepHiddenStates(true);
            studentEncoder.keepHiddenStates(true);
        }
        try {
            return checkpoint == null ? trainer.fit(train, test) : trainer.resume(checkpoint, train, test);
        } finally {
            if (studentEncoder != null) {
                teacherEncoder.keepHiddenStates(false);
                studentEncoder.keepHiddenStates(false);
            }
        }
    }

    /** Seconds the last {@link #fit} spent caching the teacher's logits (0 when running it on the fly). */
    public double cacheSeconds() {
        return cacheSeconds;
    }

    /** The loss of the student's {@code output} on {@code batch}: distillation, plus the hint if any. */
    private Tensor batchLoss(Tensor output, LabeledBatch batch) {
        if (distilBert != null) {
            return distilBertLoss(output, batch);
        }
        Tensor teacherLogits = teacherLogits(batch);
        Tensor l = loss.apply(output, teacherLogits, batch.labels());
        if (hint != null) {
            l = l.add(hint.apply(studentTap.feature(), teacherTap.feature()));
        }
        return l;
    }

    /**
     * DistilBERT's loss on the batch. The student's hidden states are those its tap kept during
     * the forward pass that produced {@code output}; they must be read before the teacher runs,
     * which would not touch them (each encoder has its own tap) but reads more clearly in this order.
     */
    private Tensor distilBertLoss(Tensor output, LabeledBatch batch) {
        List<Tensor> studentHidden = studentEncoder == null ? null : studentEncoder.lastHiddenStates();
        Tensor teacherLogits = null;
        if (distilBert.needsTeacherLogits() || studentEncoder != null) {
            teacherLogits = teacherLogits(batch);
        }
        List<Tensor> teacherHidden = studentEncoder == null ? null : teacherEncoder.lastHiddenStates();
        return distilBert.apply(output, teacherLogits, batch.labels(), studentHidden, teacherHidden);
    }

    /**
     * The teacher's logits for the batch: carried by a cached batch, else computed now. Evaluation
     * mode is re-asserted on every call because the student's trainer only switches the student:
     * a teacher shared with other code might have been put back into training mode.
     */
    @SuppressWarnings("try") // the scope is used only for its close()
    private Tensor teacherLogits(LabeledBatch batch) {
        if (batch instanceof TeacherBatch) {
            if (hint != null || studentEncoder != null) {
                throw new IllegalArgumentException("Distiller: " + (hint != null ? "a hint" : "the cosine term")
                        + " needs the teacher's hidden features of every batch; pass plain batches, not ones with "
                        + "cached teacher logits");
            }
            return ((TeacherBatch) batch).teacherLogits();
        }
        teacher.setTraining(false);
        try (var ignored = Tensor.noGrad()) {
            return teacherModel.forward(batch.inputs());
        }
    }

    private static Sequential asSequential(Module m, String role) {
        if (!(m instanceof Sequential)) {
            throw new IllegalArgumentException("Distiller: a hint taps a layer of a Sequential, but the " + role + " is a "
                    + m.getClass().getSimpleName());
        }
        return (Sequential) m;
    }

    /** Options of a {@link Distiller}; all but the four required ones have defaults. */
    public static final class Builder {
        private final Module teacher;
        private final Module student;
        private final DistillationLoss loss;
        private final DistilBertLoss distilBert;
        private final Optimizer optimizer;
        private HintLoss hint;
        private boolean cache;
        private int epochs = 1;
        private LrScheduler scheduler;
        private SchedulerInterval interval = SchedulerInterval.EPOCH;
        private ProgressMode progress = ProgressMode.AUTO;
        private Consumer<Trainer.Builder> trainerOptions;

        private Builder(Module teacher, Module student, DistillationLoss loss, DistilBertLoss distilBert,
                        Optimizer optimizer) {
            if (teacher == null || student == null || optimizer == null) {
                throw new IllegalArgumentException("Distiller: teacher, student, loss and optimizer must not be null");
            }
            if (teacher == student) {
                throw new IllegalArgumentException("Distiller: the teacher and the student are the same module");
            }
            Set<Tensor> trained = Collections.newSetFromMap(new IdentityHashMap<>());
            trained.addAll(optimizer.parameters());
            for (var e : teacher.namedParameters().entrySet()) {
                if (trained.contains(e.getValue())) {
                    throw new IllegalArgumentException("Distiller: the optimizer holds the teacher's parameter '" + e.getKey()
                            + "'; the teacher must stay frozen, give the optimizer the student's parameters only");
                }
            }
            this.teacher = teacher;
            this.student = student;
            this.loss = loss;
            this.distilBert = distilBert;
            this.optimizer = optimizer;
        }

        /** Adds FitNets-style feature matching; teacher and student must then be {@link Sequential}s. */
        public Builder hint(HintLoss hint) {
            if (distilBert != null) {
                throw new IllegalArgumentException("Distiller: a hint and DistilBERT's loss do not combine; DistilBERT's "
                        + "cosine term already matches hidden states");
            }
            Set<Tensor> trained = Collections.newSetFromMap(new IdentityHashMap<>());
            trained.addAll(optimizer.parameters());
            for (var e : hint.projection().namedParameters().entrySet()) {
                if (!trained.contains(e.getValue())) {
                    throw new IllegalArgumentException("Distiller: the hint projection's parameter '" + e.getKey()
                            + "' is not in the optimizer; it would never learn");
                }
            }
            this.hint = hint;
            return this;
        }

        /** Whether to compute the teacher's logits once per data set instead of once per batch (default false). */
        public Builder cacheTeacherLogits(boolean cache) {
            this.cache = cache;
            return this;
        }

        public Builder epochs(int epochs) {
            if (epochs <= 0) {
                throw new IllegalArgumentException("Distiller: epochs " + epochs + " must be > 0");
            }
            this.epochs = epochs;
            return this;
        }

        public Builder scheduler(LrScheduler scheduler, SchedulerInterval interval) {
            this.scheduler = scheduler;
            this.interval = interval;
            return this;
        }

        public Builder progress(ProgressMode progress) {
            this.progress = progress;
            return this;
        }

        /**
         * Further settings of the student's {@link Trainer}, applied after this builder's own, e.g.
         * {@code tb -> tb.checkpoint(file, CheckpointInterval.steps(500))}.
         */
        public Builder trainerOptions(Consumer<Trainer.Builder> options) {
            this.trainerOptions = options;
            return this;
        }

        public Distiller build() {
            if (hint != null && cache) {
                throw new IllegalArgumentException("Distiller: a hint needs the teacher's hidden feature of every batch, "
                        + "so teacher logits cannot be cached with a hint; turn one of them off");
            }
            if (distilBert != null && distilBert.needsHiddenStates() && cache) {
                throw new IllegalArgumentException("Distiller: the cosine term (gamma = " + distilBert.gamma()
                        + ") needs the teacher's hidden states of every batch, so teacher logits cannot be cached; "
                        + "set gamma to 0 or turn caching off");
            }
            return new Distiller(this);
        }
    }
}
