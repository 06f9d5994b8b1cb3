package dev.pare.compress.search;

import dev.pare.nn.Module;
import dev.pare.nn.data.DataLoader;
import dev.pare.nn.data.TensorDataset;
import dev.pare.nn.loss.CrossEntropyLoss;
import dev.pare.nn.optim.LrSchedule;
import dev.pare.nn.optim.LrScheduler;
import dev.pare.nn.optim.SGD;
import dev.pare.nn.train.ProgressMode;
import dev.pare.nn.train.SchedulerInterval;
import dev.pare.nn.train.Trainer;
import dev.pare.tensor.Rng;
import java.util.Arrays;
import java.util.Locale;

/**
 * The low-fidelity evaluation: a short training run on a slice of the training set, scored on
 * another slice of it that the run never sees.
 *
 * <p>The recipe is the samples' (SGD with Nesterov momentum 0.9, weight decay 5e-4, a cosine
 * learning rate from its peak to 0 over the run), shortened: fidelity k trains {@code k ·
 * baseEpochs} epochs. Why a validation slice and not the test set: the search <em>selects</em> on
 * this accuracy, and a test set used for selection stops measuring how the chosen model does on
 * unseen images. The test set is kept for the final retraining.
 */
public final class TrainingEvaluator implements Evaluator {
    private final TensorDataset train;
    private final TensorDataset validation;
    private final int baseEpochs;
    private final int batchSize;
    private final double learningRate;

    /**
     * @param train        the images to train on
     * @param validation   the images to score on, disjoint from {@code train}
     * @param baseEpochs   epochs at fidelity 1, >= 1
     * @param batchSize    examples per step, >= 1
     * @param learningRate peak learning rate, > 0
     */
    public TrainingEvaluator(TensorDataset train, TensorDataset validation, int baseEpochs, int batchSize,
                             double learningRate) {
        if (baseEpochs < 1 || batchSize < 1 || !(learningRate > 0) || train.size() == 0 || validation.size() == 0) {
            throw new IllegalArgumentException("TrainingEvaluator: " + train.size() + " training and " + validation.size()
                    + " validation images, " + baseEpochs + " epochs, batch " + batchSize + ", learning rate "
                    + learningRate + ": expected images in both, epochs and batch >= 1, learning rate > 0");
        }
        this.train = train;
        this.validation = validation;
        this.baseEpochs = baseEpochs;
        this.batchSize = batchSize;
        this.learningRate = learningRate;
    }

    /**
     * Examples {@code start … start + count − 1} of {@code data}, as a data set of their own.
     *
     * @throws IllegalArgumentException if the range is not inside the data set
     */
    public static TensorDataset slice(TensorDataset data, int start, int count) {
        if (start < 0 || count < 1 || (long) start + count > data.size()) {
            throw new IllegalArgumentException("TrainingEvaluator.slice: examples " + start + " to " + ((long) start + count - 1)
                    + " of a data set of " + data.size());
        }
        return new TensorDataset(data.inputs().narrow(0, start, count),
                Arrays.copyOfRange(data.labels(), start, start + count));
    }

    @Override
    public double accuracy(Architecture a, int fidelity, long seed) {
        Module model = a.build(new Rng(seed));
        DataLoader trainLoader = DataLoader.builder(train).batchSize(batchSize).shuffle(seed).build();
        DataLoader validationLoader = DataLoader.builder(validation).batchSize(500).build();
        int epochs = baseEpochs * fidelity;
        SGD sgd = new SGD(model.parameters(), learningRate, 0.9, 0, true, 5e-4);
        LrScheduler schedule = new LrScheduler(sgd, LrSchedule.cosine(epochs * trainLoader.numBatches(), 0));
        Trainer trainer = Trainer.builder(model, new CrossEntropyLoss(), sgd)
                .epochs(epochs)
                .scheduler(schedule, SchedulerInterval.BATCH)
                .progress(ProgressMode.NONE)
                .build();
        trainer.fit(trainLoader);
        return trainer.evaluate(validationLoader).accuracy();
    }

    @Override
    public String describe() {
        return String.format(Locale.ROOT, "train %d images, validate %d, %d epoch(s) per fidelity unit, batch %d, lr %s",
                train.size(), validation.size(), baseEpochs, batchSize, learningRate);
    }
}
