package dev.pare.samples;

import dev.pare.nn.train.ProgressMode;
import java.util.Locale;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * The progress of one stage of a long command ({@code ./pare pipeline}): a terminal bar over the
 * stage's steps when someone watches, otherwise a line when it starts and one when it ends. Use
 * one per stage, in try-with-resources, calling {@link #step} after each step.
 */
final class StageProgress implements AutoCloseable {
    private final String label;
    private final ProgressBar bar;
    private final boolean quiet;
    private final long start = System.nanoTime();
    private boolean done;

    private StageProgress(String label, ProgressBar bar, boolean quiet) {
        this.label = label;
        this.bar = bar;
        this.quiet = quiet;
    }

    /**
     * Starts stage {@code index} of {@code total}, named {@code name}, with {@code steps} steps
     * (e.g. variants to measure); {@code mode} as the training samples' {@code --progress}
     * ({@code NONE} prints nothing).
     */
    static StageProgress start(ProgressMode mode, int index, int total, String name, long steps) {
        String label = String.format(Locale.ROOT, "[%d/%d] %s", index, total, name);
        ProgressMode m = mode.resolved();
        if (m == ProgressMode.BAR && steps > 1) {
            ProgressBar bar = new ProgressBarBuilder().setTaskName(label).setInitialMax(steps)
                    .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(100).continuousUpdate().build();
            return new StageProgress(label, bar, false);
        }
        if (m != ProgressMode.NONE) {
            System.out.println(label + " ...");
        }
        return new StageProgress(label, null, m == ProgressMode.NONE);
    }

    /** One step done; {@code note} (may be empty) is shown beside the bar, e.g. the variant's name. */
    void step(String note) {
        if (bar != null) {
            bar.setExtraMessage(note);
            bar.step();
        }
    }

    /** The stage finished; without this call, {@link #close} reports it as failed. */
    void done() {
        done = true;
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
        if (!quiet || !done) {
            System.out.printf(Locale.ROOT, "%s: %s %.1f s%n", label, done ? "done in" : "FAILED after",
                    (System.nanoTime() - start) / 1e9);
        }
    }
}
