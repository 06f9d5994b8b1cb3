package dev.pare.samples;

import dev.pare.nn.train.CheckpointInterval;
import dev.pare.nn.train.CheckpointUnit;
import dev.pare.nn.train.FitResult;
import dev.pare.nn.train.LabeledBatch;
import dev.pare.nn.train.Trainer;
import dev.pare.nn.train.TrainingCheckpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.Function;
import java.util.function.Supplier;
import picocli.CommandLine.Option;

/**
 * The options of the samples whose runs can be stopped and resumed (a picocli mixin):
 * {@code --checkpoint-every 500steps}, {@code --checkpoint FILE}, {@code --resume}.
 *
 * <p>A run started with {@code --checkpoint-every} saves the whole training state (see
 * {@link TrainingCheckpoint}) to the checkpoint file, atomically; killed at any moment, the same
 * command with {@code --resume} added continues from the last save and ends with the weights an
 * uninterrupted run would have had, given the same options and thread count.
 */
final class CheckpointOptions {
    @Option(names = "--checkpoint-every", paramLabel = "N{steps|epochs}",
            description = "Save the training state every N optimizer steps or epochs, e.g. 500steps or 1epoch "
                    + "(default: no checkpoints).")
    String every;

    @Option(names = "--checkpoint", paramLabel = "PATH",
            description = "The checkpoint file to write and to --resume from (default: <model>.ckpt.safetensors); for "
                    + "distill, which trains several models, a directory with one file per run (default: "
                    + "distill-checkpoints).")
    Path file;

    @Option(names = "--resume",
            description = "Continue the run saved in the checkpoint (distill: every run that has one); the other "
                    + "options must be the ones it was started with.")
    boolean resume;

    private CheckpointInterval interval;
    /** For a command of several runs: the directory holding one checkpoint per run; null otherwise. */
    private Path directory;

    /** The checkpoint file of the run called {@code name}. */
    Path fileFor(String name) {
        if (directory != null) {
            return directory.resolve(name + ".ckpt.safetensors");
        }
        return file != null ? file : Path.of(name + ".ckpt.safetensors");
    }

    /** Checks the options of a one-run command before any work: a bad interval or a missing checkpoint costs nothing. */
    void validate(String name) throws IOException {
        parseInterval();
        Path parent = fileFor(name).toAbsolutePath().getParent();
        if (interval != null && parent != null) {
            Files.createDirectories(parent);
        }
        if (resume && !Files.exists(fileFor(name))) {
            throw new IllegalArgumentException("--resume: no checkpoint at " + fileFor(name).toAbsolutePath()
                    + "; start the run with --checkpoint-every to make one");
        }
    }

    /**
     * Checks the options of a command of several runs, whose checkpoints go to one directory
     * ({@code --checkpoint}, or {@code defaultDirectory}); with --resume, a run without a
     * checkpoint there starts from the beginning.
     */
    void validateMultiRun(String defaultDirectory) throws IOException {
        parseInterval();
        directory = file != null ? file : Path.of(defaultDirectory);
        if (resume && !Files.isDirectory(directory)) {
            throw new IllegalArgumentException("--resume: no checkpoint directory " + directory.toAbsolutePath()
                    + "; start the command with --checkpoint-every to make one");
        }
        if (interval != null) {
            Files.createDirectories(directory);
            System.out.printf(Locale.ROOT, "checkpoints: every %s to %s, one file per run (stop at any time; add --resume "
                    + "to continue)%n", interval, directory);
        }
    }

    private void parseInterval() {
        if (every != null) {
            interval = CheckpointInterval.parse(every);
        }
        if (file != null && every == null && !resume) {
            throw new IllegalArgumentException("--checkpoint " + file + " needs --checkpoint-every (to save) or --resume "
                    + "(to continue)");
        }
    }

    /**
     * Adds saving to {@code builder} (a line per save when the interval counts epochs; a bar
     * redrawn within an epoch would be broken by lines in between) and records the options a
     * resumed run must share.
     */
    Trainer.Builder configure(Trainer.Builder builder, String name, TrainingOptions options, String... extra) {
        builder.runInfo("seed", Long.toString(options.seed))
                .runInfo("batch_size", Integer.toString(options.batchSize))
                .runInfo("lr", Double.toString(options.learningRate))
                .runInfo("data", options.subset ? "subset" : String.valueOf(options.data));
        for (int i = 0; i + 1 < extra.length; i += 2) {
            builder.runInfo(extra[i], extra[i + 1]);
        }
        Path f = fileFor(name);
        // Printed only once the checkpoint has been checked and restored: a refused one prints the reason instead.
        builder.onResume(c -> System.out.println((directory != null ? name + ": " : "") + "resumed from " + f + " at "
                + c.position()));
        if (interval != null) {
            builder.checkpoint(f, interval);
            if (interval.unit() == CheckpointUnit.EPOCHS) {
                builder.onCheckpoint(c -> System.out.println("checkpoint: " + f + " at " + c.position()));
            }
        }
        return builder;
    }

    /** Runs {@code trainer} from the start, or from the checkpoint with --resume, saying which. */
    FitResult run(Trainer trainer, String name, Iterable<? extends LabeledBatch> train,
                  Iterable<? extends LabeledBatch> test) throws IOException {
        return run(name, c -> trainer.resume(c, train, test), () -> trainer.fit(train, test));
    }

    /**
     * {@code fresh} or, with --resume and a checkpoint of run {@code name}, {@code resumed} from
     * it (the trainer, {@link #configure configured} here, then says from where).
     */
    FitResult run(String name, Function<TrainingCheckpoint, FitResult> resumed, Supplier<FitResult> fresh)
            throws IOException {
        Path f = fileFor(name);
        if (interval != null && directory == null) {
            System.out.printf(Locale.ROOT, "checkpoints: every %s to %s (stop at any time; add --resume to continue)%n",
                    interval, f);
        }
        if (!resume || !Files.exists(f)) {
            if (resume) {
                System.out.println(name + ": no checkpoint at " + f + ", starting from the beginning");
            }
            return fresh.get();
        }
        return resumed.apply(TrainingCheckpoint.read(f));
    }
}
