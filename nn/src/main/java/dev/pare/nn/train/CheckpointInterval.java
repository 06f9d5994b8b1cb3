package dev.pare.nn.train;

import java.util.Locale;

/**
 * How often a {@link Trainer} saves a {@link TrainingCheckpoint}: every {@code every} steps or
 * epochs. Written on a command line as {@code 500steps} or {@code 1epoch} ({@link #parse}).
 *
 * @param every the count, at least 1
 * @param unit  what is counted
 */
public record CheckpointInterval(int every, CheckpointUnit unit) {
    public CheckpointInterval {
        if (every < 1 || unit == null) {
            throw new IllegalArgumentException("CheckpointInterval: every " + every + " must be >= 1 and unit (" + unit
                    + ") not null");
        }
    }

    /** Every {@code n} optimizer steps. */
    public static CheckpointInterval steps(int n) {
        return new CheckpointInterval(n, CheckpointUnit.STEPS);
    }

    /** At the end of every {@code n}-th epoch. */
    public static CheckpointInterval epochs(int n) {
        return new CheckpointInterval(n, CheckpointUnit.EPOCHS);
    }

    /**
     * Parses a count followed by a unit: {@code 500steps}, {@code 1epoch}, {@code 2epochs},
     * {@code 500step}; spaces and case do not matter.
     *
     * @throws IllegalArgumentException quoting the text and the expected form
     */
    public static CheckpointInterval parse(String text) {
        String t = text == null ? "" : text.replace(" ", "").toLowerCase(Locale.ROOT);
        int i = 0;
        while (i < t.length() && Character.isDigit(t.charAt(i))) {
            i++;
        }
        String unit = t.substring(i);
        CheckpointUnit u = unit.equals("step") || unit.equals("steps") ? CheckpointUnit.STEPS
                : unit.equals("epoch") || unit.equals("epochs") ? CheckpointUnit.EPOCHS : null;
        long n = -1;
        if (i > 0 && i <= 10) {
            n = Long.parseLong(t.substring(0, i));
        }
        if (u == null || n < 1 || n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("checkpoint interval '" + text + "': expected a count from 1 to "
                    + Integer.MAX_VALUE + " followed by steps or epochs, e.g. 500steps or 1epoch");
        }
        return new CheckpointInterval((int) n, u);
    }

    /** Whether a checkpoint is due after {@code count} steps (or epochs) of this unit. */
    boolean due(long count) {
        return count > 0 && count % every == 0;
    }

    /** E.g. {@code 500 steps}, {@code 1 epoch}. */
    @Override
    public String toString() {
        String u = unit == CheckpointUnit.STEPS ? "step" : "epoch";
        return every + " " + u + (every == 1 ? "" : "s");
    }
}
