package dev.pare.nn.train;

import dev.pare.nn.loss.Loss;
import dev.pare.nn.optim.GradClip;
import dev.pare.nn.optim.LrScheduler;
import dev.pare.nn.optim.Optimizer;
import dev.pare.tensor.Tensor;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
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
        if (train == null) {
            throw new IllegalArgumentException("fit: training data is null");
        }
        long start = System.nanoTime();
        List<EpochStats> stats = new ArrayList<>();
        Evaluation last = null;
        for (int epoch = 1; epoch <= epochs; epoch++) {
            EpochStats s = trainEpoch(epoch, train);
            if (test != null) {
                last = evaluate(test);
                s = new EpochStats(s.epoch(), s.trainLoss(), s.trainAccuracy(), last.loss(), last.accuracy(),
                        s.learningRate(), s.seconds(), s.samplesPerSecond());
            }
            if (scheduler != null && interval == SchedulerInterval.EPOCH) {
                scheduler.step();
            }
            stats.add(s);
            LOG.info(s.summary());
            if (onEpochEnd != null) {
                onEpochEnd.accept(s);
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return new FitResult(stats, seconds, last);
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
        model.setTraining(true);
        List<Tensor> params = optimizer.parameters();
        double lr = optimizer.learningRate();
        double lossSum = 0;
        long samples = 0;
        long correct = 0;
        long scored = 0;
        long batches = 0;
        long total = batchesPerPass(train);
        long start;
        try (Progress bar = Progress.start(progress, LOG, epoch, epochs, total)) {
            // Started after the bar: opening the terminal the first time takes a fraction of a second.
            start = System.nanoTime();
            for (LabeledBatch batch : train) {
                Tensor x = batch.inputs();
                Tensor y = batch.labels();
                int b = y.size(0);

                optimizer.zeroGrad();
                Tensor out = model.forward(x);
                Tensor l = loss.apply(out, batch);
                float value = scalar(l);
                if (!Float.isFinite(value)) {
                    throw new IllegalStateException("Trainer: loss is " + value + " at epoch " + epoch + ", batch "
                            + (batches + 1) + "; lower the learning rate or clip gradients");
                }
                l.backward();
                if (clipNorm > 0) {
                    GradClip.clipGradNorm(params, clipNorm);
                }
                optimizer.step();
                if (scheduler != null && interval == SchedulerInterval.BATCH) {
                    scheduler.step();
                }

                batches++;
                samples += b;
                lossSum += (double) value * b;
                if (isScores(out, y)) {
                    correct += Accuracy.countCorrect(out, y);
                    scored += b;
                }
                double elapsed = (System.nanoTime() - start) / 1e9;
                bar.update(batches, lossSum / samples, scored == 0 ? Double.NaN : (double) correct / scored,
                        samples / Math.max(elapsed, 1e-9));
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (samples == 0) {
            throw new IllegalArgumentException("Trainer: the training data yielded no batch in epoch " + epoch);
        }
        return new EpochStats(epoch, lossSum / samples, scored == 0 ? Double.NaN : (double) correct / scored,
                Double.NaN, Double.NaN, lr, seconds, samples / Math.max(seconds, 1e-9));
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

        public Trainer build() {
            return new Trainer(this);
        }
    }
}
