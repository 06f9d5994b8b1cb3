package dev.pare.nn.train;

import java.io.Console;
import java.lang.reflect.Method;
import java.util.Locale;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.slf4j.Logger;

/**
 * Progress within one epoch, shown as a terminal bar or as occasional log lines (see
 * {@link ProgressMode}). One instance per epoch: {@link #update} after each batch, {@link #close}
 * at the end.
 */
abstract class Progress implements AutoCloseable {
    /** Seconds between two progress lines in {@link ProgressMode#LOG} mode. */
    static final int LOG_INTERVAL_SECONDS = 10;

    /** Called after each batch with the running totals of the epoch. */
    abstract void update(long batches, double meanLoss, double accuracy, double samplesPerSecond);

    @Override
    public abstract void close();

    /**
     * @param totalBatches the epoch's batch count, or −1 if the data source cannot tell
     */
    static Progress start(ProgressMode mode, Logger log, int epoch, int epochs, long totalBatches) {
        ProgressMode m = mode == ProgressMode.AUTO ? (isInteractiveTerminal() ? ProgressMode.BAR : ProgressMode.LOG) : mode;
        switch (m) {
            case BAR:
                return new Bar(epoch, epochs, totalBatches);
            case LOG:
                return new Lines(log, epoch, epochs, totalBatches);
            default:
                return new Progress() {
                    @Override
                    void update(long batches, double meanLoss, double accuracy, double samplesPerSecond) {}

                    @Override
                    public void close() {}
                };
        }
    }

    static String metrics(double meanLoss, double accuracy, double samplesPerSecond) {
        String acc = Double.isNaN(accuracy) ? "" : String.format(Locale.ROOT, " acc %.2f%%", 100 * accuracy);
        return String.format(Locale.ROOT, "loss %.4f%s %,.0f samples/s", meanLoss, acc, samplesPerSecond);
    }

    /**
     * True when stdout and stderr go to a terminal a person watches. {@code System.console()} is
     * null when output is redirected on JDK 17; from JDK 22 it is never null and
     * {@code Console.isTerminal()} (called reflectively, since Pare compiles for 17) tells instead.
     * CI servers set {@code CI}; a bar redrawn with carriage returns would fill their logs.
     */
    static boolean isInteractiveTerminal() {
        if (System.getenv("CI") != null || "dumb".equals(System.getenv("TERM"))) {
            return false;
        }
        Console console = System.console();
        if (console == null) {
            return false;
        }
        try {
            Method isTerminal = Console.class.getMethod("isTerminal");
            return (Boolean) isTerminal.invoke(console);
        } catch (NoSuchMethodException e) {
            return true; // JDK 17 to 21: a non-null console is a terminal
        } catch (ReflectiveOperationException | RuntimeException e) {
            return false;
        }
    }

    /** The terminal bar, drawn by me.tongfei:progressbar on its own thread. */
    private static final class Bar extends Progress {
        /** Ten redraws a second look smooth and cost nothing next to training. */
        private static final int REDRAW_MILLIS = 100;
        private final ProgressBar bar;
        private final long total;
        private long lastMessage = System.nanoTime() - REDRAW_MILLIS * 1_000_000L;
        private long lastBatches;

        Bar(int epoch, int epochs, long totalBatches) {
            total = totalBatches;
            bar = new ProgressBarBuilder()
                    .setTaskName("epoch " + epoch + "/" + epochs)
                    .setInitialMax(totalBatches)
                    .setUnit(" batches", 1)
                    .setStyle(ProgressBarStyle.ASCII)
                    .setUpdateIntervalMillis(REDRAW_MILLIS)
                    .build();
        }

        @Override
        void update(long batches, double meanLoss, double accuracy, double samplesPerSecond) {
            // Formatting the message costs microseconds, as much as a small model's whole step, and
            // the bar's methods synchronise with its drawing thread: touch it only as often as it
            // is redrawn, and for the final state.
            lastBatches = batches;
            long now = System.nanoTime();
            if (now - lastMessage >= REDRAW_MILLIS * 1_000_000L || batches == total) {
                lastMessage = now;
                bar.stepTo(batches);
                bar.setExtraMessage(metrics(meanLoss, accuracy, samplesPerSecond));
            }
        }

        @Override
        public void close() {
            bar.stepTo(lastBatches);
            bar.close();
        }
    }

    /** Plain log lines, at most one every {@link #LOG_INTERVAL_SECONDS}. */
    private static final class Lines extends Progress {
        private final Logger log;
        private final String prefix;
        private final long totalBatches;
        private long lastLine = System.nanoTime();

        Lines(Logger log, int epoch, int epochs, long totalBatches) {
            this.log = log;
            this.prefix = "epoch " + epoch + "/" + epochs;
            this.totalBatches = totalBatches;
        }

        @Override
        void update(long batches, double meanLoss, double accuracy, double samplesPerSecond) {
            long now = System.nanoTime();
            if (now - lastLine >= LOG_INTERVAL_SECONDS * 1_000_000_000L) {
                lastLine = now;
                String of = totalBatches >= 0 ? "/" + totalBatches : "";
                log.info("{}: batch {}{}: {}", prefix, batches, of, metrics(meanLoss, accuracy, samplesPerSecond));
            }
        }

        @Override
        public void close() {}
    }
}
