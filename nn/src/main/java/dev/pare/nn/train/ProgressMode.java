package dev.pare.nn.train;

/** Where the {@link Trainer} reports progress within an epoch. */
public enum ProgressMode {
    /** {@link #BAR} when the JVM runs in an interactive terminal and {@code CI} is not set, else {@link #LOG}. */
    AUTO,
    /** A live progress bar on stderr (batches, loss, accuracy, samples/s), redrawn in place. */
    BAR,
    /**
     * Plain SLF4J lines: one every {@value Progress#LOG_INTERVAL_SECONDS} seconds during long
     * epochs, so that a CI log shows the run is alive without a line per batch.
     */
    LOG,
    /** Nothing within epochs (the per-epoch summary is still logged). */
    NONE;

    /**
     * What this mode means here: {@link #AUTO} becomes {@link #BAR} in an interactive terminal
     * (and {@code CI} unset), {@link #LOG} otherwise; the other modes are themselves.
     */
    public ProgressMode resolved() {
        return this != AUTO ? this : Progress.isInteractiveTerminal() ? BAR : LOG;
    }
}
