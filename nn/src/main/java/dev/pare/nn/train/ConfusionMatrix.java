package dev.pare.nn.train;

import dev.pare.tensor.Tensor;
import java.util.Arrays;
import java.util.Locale;

/**
 * Counts of (true class, predicted class) pairs, with per-class precision and recall.
 *
 * <p>Row a, column p counts the samples of class a predicted as p. For class c:
 * <pre>
 *   precision(c) = M[c][c] / Σₐ M[a][c]     (of the samples predicted c, the share that are c)
 *   recall(c)    = M[c][c] / Σₚ M[c][p]     (of the samples that are c, the share predicted c)
 * </pre>
 * Both are NaN when their denominator is 0 (nothing predicted as c, or no sample of c): an
 * undefined value shown as such rather than a 0 or 1 that looks like a measurement. A sample
 * whose scores hold NaN has no prediction; it counts against its class's recall only.
 */
public final class ConfusionMatrix {
    private final int classes;
    private final long[][] counts;
    private final long[] unpredicted;

    public ConfusionMatrix(int classes) {
        if (classes <= 0) {
            throw new IllegalArgumentException("ConfusionMatrix: class count " + classes + " must be > 0");
        }
        this.classes = classes;
        this.counts = new long[classes][classes];
        this.unpredicted = new long[classes];
    }

    public int classes() {
        return classes;
    }

    /** Adds a batch of scores [B, C] and labels [B]. */
    public void update(Tensor scores, Tensor labels) {
        if (scores.dim() == 2 && scores.size(1) != classes) {
            throw new IllegalArgumentException("ConfusionMatrix: scores " + Arrays.toString(scores.shape())
                    + " have " + scores.size(1) + " classes, the matrix " + classes);
        }
        int[] predicted = Accuracy.predictions(scores);
        if (labels.dim() != 1 || labels.size(0) != predicted.length) {
            throw new IllegalArgumentException("ConfusionMatrix: scores " + Arrays.toString(scores.shape())
                    + " and labels " + Arrays.toString(labels.shape()) + " do not describe the same batch");
        }
        for (int i = 0; i < predicted.length; i++) {
            float label = labels.get(i);
            int actual = (int) label;
            if (actual != label || actual < 0 || actual >= classes) {
                throw new IllegalArgumentException("ConfusionMatrix: label " + label + " at batch index " + i
                        + " is not a class index in [0, " + classes + ")");
            }
            if (predicted[i] < 0) {
                unpredicted[actual]++;
            } else {
                counts[actual][predicted[i]]++;
            }
        }
    }

    /** Records one sample of class {@code actual} predicted as {@code predicted}. */
    public void add(int actual, int predicted) {
        if (actual < 0 || actual >= classes || predicted < 0 || predicted >= classes) {
            throw new IllegalArgumentException("ConfusionMatrix: pair (" + actual + ", " + predicted
                    + ") is outside [0, " + classes + ")");
        }
        counts[actual][predicted]++;
    }

    /** How many samples of class {@code actual} were predicted as {@code predicted}. */
    public long count(int actual, int predicted) {
        return counts[actual][predicted];
    }

    public long total() {
        long n = 0;
        for (int a = 0; a < classes; a++) {
            n += rowTotal(a);
        }
        return n;
    }

    private long rowTotal(int a) {
        long n = unpredicted[a];
        for (long v : counts[a]) {
            n += v;
        }
        return n;
    }

    private long columnTotal(int p) {
        long n = 0;
        for (long[] row : counts) {
            n += row[p];
        }
        return n;
    }

    public double precision(int c) {
        long predicted = columnTotal(c);
        return predicted == 0 ? Double.NaN : (double) counts[c][c] / predicted;
    }

    public double recall(int c) {
        long actual = rowTotal(c);
        return actual == 0 ? Double.NaN : (double) counts[c][c] / actual;
    }

    /** The trace over the total: overall accuracy. */
    public double accuracy() {
        long total = total();
        long diagonal = 0;
        for (int c = 0; c < classes; c++) {
            diagonal += counts[c][c];
        }
        return total == 0 ? Double.NaN : (double) diagonal / total;
    }

    /** The table with classes numbered 0 … C−1. */
    @Override
    public String toString() {
        return toTable(null);
    }

    /**
     * A fixed-width table: one row per true class with its counts per predicted class, then its
     * recall and precision in percent.
     *
     * @param names class names (null for the class numbers); long names are cut to 12 characters
     */
    public String toTable(String[] names) {
        if (names != null && names.length != classes) {
            throw new IllegalArgumentException("ConfusionMatrix: " + names.length + " names for " + classes + " classes");
        }
        String[] labels = new String[classes];
        int labelWidth = "true\\pred".length();
        for (int c = 0; c < classes; c++) {
            String s = names == null ? Integer.toString(c) : names[c];
            labels[c] = s.length() > 12 ? s.substring(0, 12) : s;
            labelWidth = Math.max(labelWidth, labels[c].length());
        }
        int cell = 6;
        for (long[] row : counts) {
            for (long v : row) {
                cell = Math.max(cell, Long.toString(v).length() + 1);
            }
        }
        for (String l : labels) {
            cell = Math.max(cell, Math.min(l.length(), 12) + 1);
        }
        StringBuilder sb = new StringBuilder();
        sb.append(pad("true\\pred", labelWidth, false));
        for (String l : labels) {
            sb.append(pad(l, cell, true));
        }
        sb.append(pad("recall", 9, true)).append(pad("precision", 10, true)).append('\n');
        for (int a = 0; a < classes; a++) {
            sb.append(pad(labels[a], labelWidth, false));
            for (int p = 0; p < classes; p++) {
                sb.append(pad(Long.toString(counts[a][p]), cell, true));
            }
            sb.append(pad(percent(recall(a)), 9, true)).append(pad(percent(precision(a)), 10, true)).append('\n');
        }
        sb.append(String.format(Locale.ROOT, "accuracy %s over %d samples%n", percent(accuracy()), total()));
        return sb.toString();
    }

    private static String percent(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.1f%%", 100 * v);
    }

    private static String pad(String s, int width, boolean right) {
        if (s.length() >= width) {
            return right ? " " + s : s + " ";
        }
        String fill = " ".repeat(width - s.length());
        return right ? fill + s : s + fill;
    }
}
