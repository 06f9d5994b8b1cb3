package dev.pare.nn.train;

import dev.pare.nn.Model;
import dev.pare.nn.loss.Loss;
import dev.pare.nn.optim.GradClip;
import dev.pare.nn.optim.LrScheduler;
import dev.pare.nn.optim.Optimizer;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import dev.pare.tensor.parallel.Parallel;
import java.io.IOException;
import java.nio.file.Files;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The training loop. One epoch is
 * <pre>{@code
 * model.setTraining(true);
 * for (LabeledBatch batch : train) {
 *     optimizer.zeroGrad();
 *     Tensor out  = model.forward(batch.inputs());
 *     Tensor loss = lossFn.apply(out, batch.labels());
 *     loss.backward();
 *     GradClip.clipGradNorm(params, maxNorm);    // if configured
 *     optimizer.step();
 *     scheduler.step();                          // if configured per batch
 * }
 * scheduler.step();                              // if configured per epoch
 * evaluate(test);                                // noGrad, model.setTraining(false)
 * }</pre>
 * plus bookkeeping: running loss and accuracy, samples per second, a progress display, one SLF4J
 * INFO line per epoch and a {@link FitResult}.
 *
 * <p>Example:
 * <pre>{@code
 * SGD opt = new SGD(model.parameters(), 0.1, 0.9);       // model: a Module
 * Trainer trainer = Trainer.builder(model, new CrossEntropyLoss(), opt)
 *         .epochs(10)
 *         .scheduler(new LrScheduler(opt, LrSchedule.cosine(10, 0)), SchedulerInterval.EPOCH)
 *         .build();
 * FitResult result = trainer.fit(trainLoader, testLoader);  // two DataLoaders
 * }</pre>
 *
 * <h2>Checkpoints and resuming</h2>
 * With {@link Builder#checkpoint(Path, CheckpointInterval)} the trainer saves a
 * {@link TrainingCheckpoint} every N steps or epochs, atomically, so that a run killed at any
 * moment can go on with {@link #resume(Path, Iterable, Iterable)} from the last one, even in the
 * middle of an epoch. A resumed run ends with exactly the weights and the statistics an
 * uninterrupted run would have (same seed, same thread count), provided the data source is a
 * {@link ResumableBatches} (a {@code DataLoader}) or yields the same batches in every pass, and
 * every generator drawn from during training is known to the trainer: dropout layers of a
 * {@code Module} are found by themselves, others are named with {@link Builder#rng}.
 * <pre>{@code
 * Path file = Path.of("run.ckpt.safetensors");
 * Trainer trainer = Trainer.builder(model, new CrossEntropyLoss(), opt).epochs(10)
 *         .checkpoint(file, CheckpointInterval.steps(500))
 *         .build();
 * FitResult r = Files.exists(file) ? trainer.resume(file, train, test) : trainer.fit(train, test);
 * }</pre>
 *
 * <p>The loss must be a scalar that averages over the batch (a {@code MEAN} reduction): the
 * reported loss per sample weights each batch's value by its size. Accuracy is reported when the
 * model's output is [B, C] scores (C ≥ 2) and the labels are [B]; otherwise it is NaN. A loss that
 * becomes NaN or infinite stops training with an {@link IllegalStateException} naming the epoch
 * and batch: continuing would only update the weights with NaN.
 */
public final class Trainer {
    private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);

    private final Model model;
    private final BatchLoss loss;
    private final Optimizer optimizer;
    private final int epochs;
    private final LrScheduler scheduler;
    private final SchedulerInterval interval;
    private final double clipNorm;
    private final ProgressMode progress;
    private final Consumer<EpochStats> onEpochEnd;
    private final Path checkpointFile;
    private final CheckpointInterval checkpointInterval;
    private final Map<String, Rng> extraRngs;
    private final Map<String, String> runInfo;
    private final Consumer<TrainingCheckpoint> onCheckpoint;
    private final Consumer<TrainingCheckpoint> onResume;

    private Trainer(Builder b) {
        this.model = b.model;
        this.loss = b.loss;
        this.optimizer = b.optimizer;
        this.epochs = b.epochs;
        this.scheduler = b.scheduler;
        this.interval = b.interval;
        this.clipNorm = b.clipNorm;
        this.progress = b.progress;
        this.onEpochEnd = b.onEpochEnd;
        this.checkpointFile = b.checkpointFile;
        this.checkpointInterval = b.checkpointInterval;
        this.extraRngs = new LinkedHashMap<>(b.rngs);
        this.runInfo = new LinkedHashMap<>(b.runInfo);
        this.onCheckpoint = b.onCheckpoint;
        this.onResume = b.onResume;
    }

    /** A builder for a trainer of {@code model} that minimises {@code loss} with {@code optimizer}. */
    public static Builder builder(Model model, Loss loss, Optimizer optimizer) {
        if (loss == null) {
            throw new IllegalArgumentException("Trainer: model, loss and optimizer must not be null");
        }
        return new Builder(model, (out, batch) -> loss.apply(out, batch.labels()), optimizer);
    }

    /**
     * A builder for a trainer whose loss needs the whole batch (e.g. distillation, which runs a
     * teacher on the inputs). A separate name, not an overload, so that a lambda is never ambiguous.
     */
    public static Builder builderWithBatchLoss(Model model, BatchLoss loss, Optimizer optimizer) {
        return new Builder(model, loss, optimizer);
    }

    /** {@link #fit(Iterable, Iterable)} without test data. */
    public FitResult fit(Iterable<? extends LabeledBatch> train) {
        return fit(train, null);
    }

    /**
     * Trains for the configured number of epochs, evaluating on {@code test} after each one when
     * it is not null, and returns what was measured.
     */
    public FitResult fit(Iterable<? extends LabeledBatch> train, Iterable<? extends LabeledBatch> test) {
        return run(train, test, null);
    }

    /**
     * Continues the run saved in {@code checkpoint} to the end, as {@link #fit} would have: the
     * model, optimizer, scheduler and generators are restored, and training goes on with the
     * batch after the last one saved. The trainer must be built as the saved one was (model,
     * optimizer and its settings, schedule, epochs, {@link Builder#runInfo run options}), and the
     * data must be the same; otherwise nothing is changed and the exception names every
     * difference. The returned statistics include the epochs finished before the checkpoint.
     *
     * @throws IOException if the file cannot be read
     * @throws IllegalArgumentException naming the file and what does not match
     */
    public FitResult resume(Path checkpoint, Iterable<? extends LabeledBatch> train,
                            Iterable<? extends LabeledBatch> test) throws IOException {
        if (checkpoint == null) {
            throw new IllegalArgumentException("resume: checkpoint path is null");
        }
        return resume(TrainingCheckpoint.read(checkpoint), train, test);
    }

    /** {@link #resume(Path, Iterable, Iterable)} from a checkpoint already read. */
    public FitResult resume(TrainingCheckpoint checkpoint, Iterable<? extends LabeledBatch> train,
                            Iterable<? extends LabeledBatch> test) {
        if (checkpoint == null || train == null) {
            throw new IllegalArgumentException("resume: checkpoint and training data must not be null");
        }
        checkCheckpointDirectory(); // before the restore: a refusal changes nothing
        checkpoint.restore(config(train), runInfo, ModelState.tensors(model, optimizer), optimizer, scheduler, rngs());
        if (checkpoint.threads() > 0 && checkpoint.threads() != Parallel.threads()) {
            LOG.warn("resuming with {} kernel thread(s) a run saved with {}: it continues correctly, but not to the "
                    + "bits of an uninterrupted run", Parallel.threads(), checkpoint.threads());
        }
        LOG.info("resumed from {}", checkpoint);
        if (onResume != null) {
            onResume.accept(checkpoint);
        }
        return run(train, test, checkpoint.run());
    }

    /** The run from {@code from} (null: from the start) to the last epoch. */
    private FitResult run(Iterable<? extends LabeledBatch> train, Iterable<? extends LabeledBatch> test,
                          TrainingCheckpoint.RunState from) {
        if (train == null) {
            throw new IllegalArgumentException("fit: training data is null");
        }
        checkCheckpointDirectory();
        long start = System.nanoTime();
        TrainingCheckpoint.RunState state = from != null ? from : new TrainingCheckpoint.RunState();
        double before = state.runSeconds;
        Evaluation last = null;
        for (int epoch = state.epoch; epoch <= epochs; epoch++) {
            EpochStats s = trainEpoch(epoch, train, state, from != null && epoch == from.epoch, true, before, start);
            if (test != null) {
                last = evaluate(test);
                s = new EpochStats(s.epoch(), s.trainLoss(), s.trainAccuracy(), last.loss(), last.accuracy(),
                        s.learningRate(), s.seconds(), s.samplesPerSecond());
            }
            if (scheduler != null && interval == SchedulerInterval.EPOCH) {
                scheduler.step();
            }
            state.history.add(s);
            LOG.info(s.summary());
            if (onEpochEnd != null) {
                onEpochEnd.accept(s);
            }
            if (checkpointInterval != null && checkpointInterval.unit() == CheckpointUnit.EPOCHS
                    && checkpointInterval.due(epoch)) {
                TrainingCheckpoint.RunState next = new TrainingCheckpoint.RunState();
                next.epoch = epoch + 1;
                next.pass = train instanceof ResumableBatches ? ((ResumableBatches) train).nextPass() : -1;
                next.step = state.step;
                next.epochLr = optimizer.learningRate(); // the next epoch's first step uses it
                next.history.addAll(state.history);
                next.runSeconds = before + (System.nanoTime() - start) / 1e9;
                saveCheckpoint(next, train);
            }
            state.batch = 0;
        }
        if (last == null && test != null) {
            // Resumed from a checkpoint taken after the last epoch: only the final evaluation is left.
            last = evaluate(test);
        }
        double seconds = before + (System.nanoTime() - start) / 1e9;
        return new FitResult(state.history, seconds, last);
    }

    /** Fails now, rather than at the first save (which may be an hour away), if the checkpoint cannot be written. */
    private void checkCheckpointDirectory() {
        if (checkpointFile != null) {
            Path dir = checkpointFile.toAbsolutePath().getParent();
            if (dir == null || !Files.isDirectory(dir)) {
                throw new IllegalArgumentException("Trainer: the checkpoint file " + checkpointFile + " is in " + dir
                        + ", which is not a directory");
            }
        }
    }

    /** The trainer's settings a checkpoint must agree with to be continued by this trainer. */
    private Map<String, String> config(Iterable<?> train) {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("epochs", Integer.toString(epochs));
        c.put("batches_per_pass", Long.toString(batchesPerPass(train)));
        c.put("scheduler_interval", scheduler == null ? "none" : interval.name());
        c.put("clip_norm", Double.toString(clipNorm));
        return c;
    }

    /** Every generator drawn from during training: the model's dropout layers, then the extra ones. */
    private Map<String, Rng> rngs() {
        Map<String, Rng> all = ModelState.generators(model);
        for (Map.Entry<String, Rng> e : extraRngs.entrySet()) {
            if (all.put(e.getKey(), e.getValue()) != null) {
                throw new IllegalStateException("Trainer: generator name '" + e.getKey() + "' is taken by a dropout layer");
            }
        }
        return all;
    }

    private void saveCheckpoint(TrainingCheckpoint.RunState state, Iterable<?> train) {
        TrainingCheckpoint c = TrainingCheckpoint.capture(state, config(train), runInfo,
                ModelState.tensors(model, optimizer), optimizer, scheduler, rngs());
        try {
            c.write(checkpointFile);
        } catch (IOException e) {
            throw new UncheckedIOException("Trainer: saving the checkpoint " + checkpointFile + " at " + c.position()
                    + " failed; the previous checkpoint, if any, is intact", e);
        }
        LOG.debug("checkpoint saved to {} at {}", checkpointFile, c.position());
        if (onCheckpoint != null) {
            onCheckpoint.accept(c);
        }
    }

    /**
     * Batches in one pass over {@code train} when it can tell without being iterated (a
     * {@link Collection}, or {@link SizedBatches} such as a {@code DataLoader}); −1 otherwise.
     */
    static long batchesPerPass(Iterable<?> train) {
        if (train instanceof Collection) {
            return ((Collection<?>) train).size();
        }
        return train instanceof SizedBatches ? ((SizedBatches) train).numBatches() : -1;
    }

    /**
     * One pass over {@code train} with the model in training mode; the scheduler is stepped per
     * batch if so configured, but not per epoch (that is {@link #fit}'s job). Test figures are NaN.
     */
    public EpochStats trainEpoch(int epoch, Iterable<? extends LabeledBatch> train) {
        TrainingCheckpoint.RunState state = new TrainingCheckpoint.RunState();
        state.epoch = epoch;
        return trainEpoch(epoch, train, state, false, false, 0, System.nanoTime());
    }

    /**
     * The epoch {@code epoch}; when {@code resumed}, from batch {@code state.batch} of data pass
     * {@code state.pass} with the saved running sums. {@code state} is kept up to date batch by
     * batch: it is what a checkpoint saves. A lone epoch ({@code saving} false, the public
     * {@link #trainEpoch(int, Iterable)}) saves no checkpoint: it has no run history to save.
     */
    private EpochStats trainEpoch(int epoch, Iterable<? extends LabeledBatch> train, TrainingCheckpoint.RunState state,
                                  boolean resumed, boolean saving, double runSecondsBefore, long runStart) {
        if (train == null) {
            throw new IllegalArgumentException("trainEpoch: training data is null");
        }
        model.setTraining(true);
        List<Tensor> params = optimizer.parameters();
        Iterator<? extends LabeledBatch> it;
        if (resumed && train instanceof ResumableBatches && state.pass >= 0) {
            it = ((ResumableBatches) train).resume(state.pass, state.batch);
        } else {
            state.pass = train instanceof ResumableBatches ? ((ResumableBatches) train).nextPass() : -1;
            it = train.iterator();
            if (resumed) {
                // A plain iterable: every pass is the same, so drop the batches already trained on.
                for (int k = 0; k < state.batch; k++) {
                    if (!it.hasNext()) {
                        throw new IllegalArgumentException("Trainer: the checkpoint resumes epoch " + epoch + " after batch "
                                + state.batch + ", but the training data has only " + k + " batches");
                    }
                    it.next();
                }
            }
        }
        if (!resumed) {
            state.epoch = epoch;
            state.batch = 0;
            state.epochLr = optimizer.learningRate();
            state.lossSum = 0;
            state.samples = 0;
            state.correct = 0;
            state.scored = 0;
            state.epochSeconds = 0;
        }
        double secondsBefore = state.epochSeconds;
        long total = batchesPerPass(train);
        long start;
        try (Progress bar = Progress.start(progress, LOG, epoch, epochs, total)) {
            // Started after the bar: opening the terminal the first time takes a fraction of a second.
            start = System.nanoTime();
            while (it.hasNext()) {
                LabeledBatch batch = it.next();
                Tensor x = batch.inputs();
                Tensor y = batch.labels();
                int b = y.size(0);

                optimizer.zeroGrad();
                Tensor out = model.forward(x);
                Tensor l = loss.apply(out, batch);
                float value = scalar(l);
                if (!Float.isFinite(value)) {
                    throw new IllegalStateException("Trainer: loss is " + value + " at epoch " + epoch + ", batch "
                            + (state.batch + 1) + "; lower the learning rate or clip gradients");
                }
                l.backward();
                if (clipNorm > 0) {
                    GradClip.clipGradNorm(params, clipNorm);
                }
                optimizer.step();
                if (scheduler != null && interval == SchedulerInterval.BATCH) {
                    scheduler.step();
                }

                state.batch++;
                state.step++;
                state.samples += b;
                state.lossSum += (double) value * b;
                if (isScores(out, y)) {
                    state.correct += Accuracy.countCorrect(out, y);
                    state.scored += b;
                }
                double elapsed = (System.nanoTime() - start) / 1e9;
                state.epochSeconds = secondsBefore + elapsed;
                bar.update(state.batch, state.lossSum / state.samples,
                        state.scored == 0 ? Double.NaN : (double) state.correct / state.scored,
                        state.samples / Math.max(elapsed, 1e-9));
                if (saving && checkpointInterval != null && checkpointInterval.unit() == CheckpointUnit.STEPS
                        && checkpointInterval.due(state.step)) {
                    state.runSeconds = runSecondsBefore + (System.nanoTime() - runStart) / 1e9;
                    saveCheckpoint(state, train);
                }
            }
        }
        double seconds = secondsBefore + (System.nanoTime() - start) / 1e9;
        if (state.samples == 0) {
            throw new IllegalArgumentException("Trainer: the training data yielded no batch in epoch " + epoch);
        }
        return new EpochStats(epoch, state.lossSum / state.samples,
                state.scored == 0 ? Double.NaN : (double) state.correct / state.scored,
                Double.NaN, Double.NaN, state.epochLr, seconds, state.samples / Math.max(seconds, 1e-9));
    }

    /**
     * Mean loss, accuracy and confusion matrix on {@code data}, with the model in evaluation mode
     * and no graph recorded; the model is left in evaluation mode ({@link #trainEpoch} switches it
     * back).
     */
    @SuppressWarnings("try") // the scope is used only for its close()
    public Evaluation evaluate(Iterable<? extends LabeledBatch> data) {
        model.setTraining(false);
        double lossSum = 0;
        long samples = 0;
        ConfusionMatrix confusion = null;
        boolean scores = true;
        try (var ignored = Tensor.noGrad()) {
            for (LabeledBatch batch : data) {
                Tensor y = batch.labels();
                Tensor out = model.forward(batch.inputs());
                int b = y.size(0);
                lossSum += (double) scalar(loss.apply(out, batch)) * b;
                samples += b;
                scores &= isScores(out, y);
                if (scores) {
                    if (confusion == null) {
                        confusion = new ConfusionMatrix(out.size(1));
                    }
                    confusion.update(out, y);
                }
            }
        }
        if (!scores) {
            confusion = null;
        }
        double accuracy = confusion == null ? Double.NaN : confusion.accuracy();
        return new Evaluation(samples == 0 ? Double.NaN : lossSum / samples, accuracy, samples, confusion);
    }

    private static float scalar(Tensor l) {
        if (l.numel() != 1) {
            throw new IllegalStateException("Trainer: the loss has shape " + java.util.Arrays.toString(l.shape())
                    + "; it must be a scalar (use a MEAN reduction)");
        }
        return l.item();
    }

    /**
     * Whether {@code out} looks like class scores for labels {@code y}: [B, C] against [B] with at
     * least two classes (a [B, 1] output is a regression or a single logit, where argmax means nothing).
     */
    private static boolean isScores(Tensor out, Tensor y) {
        return out.dim() == 2 && y.dim() == 1 && out.size(0) == y.size(0) && out.size(1) >= 2;
    }

    /** Configuration of a {@link Trainer}; every setting but the three required ones is optional. */
    public static final class Builder {
        private final Model model;
        private final BatchLoss loss;
        private final Optimizer optimizer;
        private int epochs = 1;
        private LrScheduler scheduler;
        private SchedulerInterval interval = SchedulerInterval.EPOCH;
        private double clipNorm;
        private ProgressMode progress = ProgressMode.AUTO;
        private Consumer<EpochStats> onEpochEnd;
        private Path checkpointFile;
        private CheckpointInterval checkpointInterval;
        private final Map<String, Rng> rngs = new LinkedHashMap<>();
        private final Map<String, String> runInfo = new LinkedHashMap<>();
        private Consumer<TrainingCheckpoint> onCheckpoint;
        private Consumer<TrainingCheckpoint> onResume;

        private Builder(Model model, BatchLoss loss, Optimizer optimizer) {
            if (model == null || loss == null || optimizer == null) {
                throw new IllegalArgumentException("Trainer: model, loss and optimizer must not be null");
            }
            this.model = model;
            this.loss = loss;
            this.optimizer = optimizer;
        }

        /** Number of passes over the training data (default 1). */
        public Builder epochs(int epochs) {
            if (epochs <= 0) {
                throw new IllegalArgumentException("Trainer: epochs " + epochs + " must be > 0");
            }
            this.epochs = epochs;
            return this;
        }

        /** A learning-rate scheduler of this trainer's optimizer, stepped per epoch or per batch. */
        public Builder scheduler(LrScheduler scheduler, SchedulerInterval interval) {
            if (scheduler == null || interval == null) {
                throw new IllegalArgumentException("Trainer: scheduler and interval must not be null");
            }
            if (scheduler.optimizer() != optimizer) {
                throw new IllegalArgumentException("Trainer: the scheduler drives a different optimizer than the trainer's");
            }
            this.scheduler = scheduler;
            this.interval = interval;
            return this;
        }

        /** Clips the gradients' global L2 norm to {@code maxNorm} before each step. */
        public Builder clipGradNorm(double maxNorm) {
            if (!(maxNorm > 0) || Double.isInfinite(maxNorm)) {
                throw new IllegalArgumentException("Trainer: maxNorm " + maxNorm + " must be finite and > 0");
            }
            this.clipNorm = maxNorm;
            return this;
        }

        /** Where progress within an epoch goes (default {@link ProgressMode#AUTO}). */
        public Builder progress(ProgressMode mode) {
            if (mode == null) {
                throw new IllegalArgumentException("Trainer: progress mode is null");
            }
            this.progress = mode;
            return this;
        }

        /** Called after each epoch (after evaluation), e.g. to save a checkpoint or adjust a schedule. */
        public Builder onEpochEnd(Consumer<EpochStats> listener) {
            this.onEpochEnd = listener;
            return this;
        }

        /**
         * Saves a {@link TrainingCheckpoint} to {@code file} every {@code interval} (atomically,
         * replacing the previous one), from which {@link Trainer#resume} continues the run.
         */
        public Builder checkpoint(Path file, CheckpointInterval interval) {
            if (file == null || interval == null) {
                throw new IllegalArgumentException("Trainer: checkpoint file and interval must not be null");
            }
            this.checkpointFile = file;
            this.checkpointInterval = interval;
            return this;
        }

        /**
         * A generator drawn from during training that the model does not hold (e.g. a random
         * augmentation applied in the loss), saved in checkpoints under {@code name}. The dropout
         * layers of a {@code Module} are found without this.
         */
        public Builder rng(String name, Rng rng) {
            if (name == null || name.isEmpty() || rng == null) {
                throw new IllegalArgumentException("Trainer: a generator needs a non-empty name and must not be null (name="
                        + name + ")");
            }
            if (rngs.put(name, rng) != null) {
                throw new IllegalArgumentException("Trainer: generator name '" + name + "' given twice");
            }
            return this;
        }

        /**
         * The caller's options that a resumed run must share (seed, batch size, learning rate,
         * architecture, …): saved in checkpoints and compared on {@link Trainer#resume}, which
         * names every option that differs.
         */
        public Builder runInfo(String key, String value) {
            if (key == null || key.isEmpty() || value == null) {
                throw new IllegalArgumentException("Trainer: run info needs a non-empty key and a value (key=" + key + ")");
            }
            runInfo.put(key, value);
            return this;
        }

        /** Called after each checkpoint is saved (e.g. to print where). */
        public Builder onCheckpoint(Consumer<TrainingCheckpoint> listener) {
            this.onCheckpoint = listener;
            return this;
        }

        /**
         * Called by {@link Trainer#resume} once the checkpoint has been checked and restored, before
         * training goes on (e.g. to print from where); not called when the checkpoint is refused.
         */
        public Builder onResume(Consumer<TrainingCheckpoint> listener) {
            this.onResume = listener;
            return this;
        }

        public Trainer build() {
            return new Trainer(this);
        }
    }
}
