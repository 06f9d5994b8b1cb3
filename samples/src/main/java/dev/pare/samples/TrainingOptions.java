package dev.pare.samples;

import dev.pare.nn.train.ProgressMode;
import dev.pare.tensor.parallel.Parallel;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The options every training sample shares (a picocli mixin). */
public final class TrainingOptions {
    @Option(names = "--data", paramLabel = "DIR",
            description = "Directory with the four Fashion-MNIST IDX files (.gz or not). Default: $PARE_DATA, "
                    + "the user cache, /usr/share/datasets/fashion-mnist, a download, then the bundled subset.")
    Path data;

    @Option(names = "--subset",
            description = "Use the 10,000-image subset bundled in the jar, whatever else is installed (quick runs).")
    boolean subset;

    @Option(names = "--epochs", paramLabel = "N", description = "Passes over the training set (default: the sample's own, 10 for the MLP and 8 for the CNNs).")
    int epochs = -1;

    @Option(names = {"--batch-size", "--batch"}, paramLabel = "B", description = "Examples per optimizer step (default: ${DEFAULT-VALUE}).")
    int batchSize = 128;

    @Option(names = "--lr", paramLabel = "LR", description = "Peak learning rate (default: the sample's own).")
    double learningRate = Double.NaN;

    @Option(names = "--seed", paramLabel = "S", description = "Seed of every random choice (default: ${DEFAULT-VALUE}).")
    long seed = 0;

    @Option(names = "--threads", paramLabel = "T", description = "Kernel threads (default: all processors).")
    int threads = Runtime.getRuntime().availableProcessors();

    @Option(names = "--progress", paramLabel = "MODE",
            description = "Progress within an epoch: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    ProgressMode progress = ProgressMode.AUTO;

    @Option(names = "--out", paramLabel = "FILE", description = "Where to save the trained weights (safetensors).")
    Path out;

    /** Applies the thread setting; call before any tensor work. */
    void applyThreads() {
        if (threads < 1) {
            throw new IllegalArgumentException("--threads must be at least 1, got " + threads);
        }
        Parallel.setThreads(threads);
    }

    int epochsOr(int fallback) {
        return epochs > 0 ? epochs : fallback;
    }

    double learningRateOr(double fallback) {
        return Double.isNaN(learningRate) ? fallback : learningRate;
    }
}
