package dev.pare.nn.train;

import java.util.List;

/**
 * What {@link Trainer#fit} returns: one {@link EpochStats} per epoch, in order, the total wall
 * time (training and evaluation) and the final evaluation on the test data (null without it).
 */
public record FitResult(List<EpochStats> epochs, double seconds, Evaluation finalEvaluation) {
    public FitResult {
        epochs = List.copyOf(epochs);
    }

    /** The last epoch's statistics. */
    public EpochStats last() {
        if (epochs.isEmpty()) {
            throw new IllegalStateException("FitResult: no epoch was run");
        }
        return epochs.get(epochs.size() - 1);
    }

    /** Mean training throughput over all epochs, samples per second of training time. */
    public double samplesPerSecond() {
        double samples = 0;
        double secs = 0;
        for (EpochStats e : epochs) {
            samples += e.samplesPerSecond() * e.seconds();
            secs += e.seconds();
        }
        return secs == 0 ? Double.NaN : samples / secs;
    }
}
