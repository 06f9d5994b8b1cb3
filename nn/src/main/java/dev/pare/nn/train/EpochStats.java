package dev.pare.nn.train;

import java.util.Locale;

/**
 * What one epoch of {@link Trainer#fit} measured.
 *
 * @param epoch            1-based epoch number
 * @param trainLoss        mean training loss per sample (each batch's mean loss weighted by its size)
 * @param trainAccuracy    training accuracy, measured on the fly while the weights were changing
 * @param testLoss         mean loss on the test data after the epoch, NaN without test data
 * @param testAccuracy     accuracy on the test data after the epoch, NaN without test data
 * @param learningRate     the learning rate at the epoch's first step
 * @param seconds          wall time of the training part of the epoch (evaluation excluded)
 * @param samplesPerSecond training samples over {@code seconds}
 */
public record EpochStats(int epoch, double trainLoss, double trainAccuracy, double testLoss, double testAccuracy,
                         double learningRate, double seconds, double samplesPerSecond) {

    /** One line, as logged at the end of each epoch. */
    public String summary() {
        String test = Double.isNaN(testLoss) ? ""
                : String.format(Locale.ROOT, " | test loss %.4f", testLoss)
                + (Double.isNaN(testAccuracy) ? "" : String.format(Locale.ROOT, " acc %.2f%%", 100 * testAccuracy));
        String acc = Double.isNaN(trainAccuracy) ? "" : String.format(Locale.ROOT, " acc %.2f%%", 100 * trainAccuracy);
        return String.format(Locale.ROOT, "epoch %d: train loss %.4f%s%s | lr %.3g | %.2f s, %,.0f samples/s",
                epoch, trainLoss, acc, test, learningRate, seconds, samplesPerSecond);
    }
}
