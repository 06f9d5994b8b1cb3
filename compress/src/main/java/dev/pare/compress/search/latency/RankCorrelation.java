package dev.pare.compress.search.latency;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * Correlation coefficients between two paired lists of numbers, for asking "does the predicted
 * latency order the candidates the way the measured one does?".
 *
 * <ul>
 *   <li>{@link #pearson}: how well a straight line fits the pairs,
 *       <pre>r = Σ (x_i − x̄)(y_i − ȳ) / √(Σ (x_i − x̄)² · Σ (y_i − ȳ)²)</pre></li>
 *   <li>{@link #spearman}: Pearson's r of the ranks, so it only asks whether the order agrees,
 *       and any monotone distortion (a prediction that is always 30% low, or off by a square)
 *       leaves it at 1. A search only needs the order, so this is the figure that counts.</li>
 *   <li>{@link #pearsonOfLogs}: Pearson's r of {@code ln x} and {@code ln y}. Latencies of
 *       candidates span orders of magnitude, and on a linear scale the few largest would decide
 *       r alone; on a log scale a constant factor of error is the same distance everywhere.</li>
 * </ul>
 *
 * <p>Ties get the average of the ranks they span (1, 2, 2, 4 becomes 1, 2.5, 2.5, 4), which
 * makes Spearman's ρ exactly Pearson's r of the ranks; the shortcut
 * {@code 1 − 6 Σ d² / (n (n² − 1))} is only right without ties.
 *
 * <p>When one list has no spread at all (all values equal), a correlation is undefined (0/0), and
 * these methods return {@code NaN}, as NumPy and SciPy do; they never invent a 0 or a 1.
 */
public final class RankCorrelation {
    private RankCorrelation() {}

    /**
     * Spearman's rank correlation ρ of the pairs {@code (x[i], y[i])}, in [−1, 1]; NaN if either
     * list is constant.
     *
     * @throws IllegalArgumentException if the lengths differ, fewer than 2 pairs are given, or a
     *                                  value is NaN or infinite
     */
    public static double spearman(double[] x, double[] y) {
        check("spearman", x, y);
        return pearsonUnchecked(ranks(x), ranks(y));
    }

    /**
     * Pearson's correlation r of the pairs {@code (x[i], y[i])}, in [−1, 1]; NaN if either list is
     * constant.
     *
     * @throws IllegalArgumentException as {@link #spearman}
     */
    public static double pearson(double[] x, double[] y) {
        check("pearson", x, y);
        return pearsonUnchecked(x, y);
    }

    /**
     * Pearson's r of {@code (ln x[i], ln y[i])}.
     *
     * @throws IllegalArgumentException as {@link #spearman}, or if a value is not positive
     */
    public static double pearsonOfLogs(double[] x, double[] y) {
        check("pearsonOfLogs", x, y);
        for (int i = 0; i < x.length; i++) {
            if (!(x[i] > 0) || !(y[i] > 0)) {
                throw new IllegalArgumentException("pearsonOfLogs: pair " + i + " (" + x[i] + ", " + y[i]
                        + ") has a value <= 0, which has no logarithm");
            }
        }
        return pearsonUnchecked(Arrays.stream(x).map(Math::log).toArray(), Arrays.stream(y).map(Math::log).toArray());
    }

    /**
     * The rank of every value, 1 for the smallest; tied values share the mean of the ranks they
     * occupy. For example {@code [10, 30, 20, 30]} gives {@code [1, 3.5, 2, 3.5]}.
     */
    public static double[] ranks(double[] v) {
        Integer[] order = IntStream.range(0, v.length).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingDouble(i -> v[i]));
        double[] r = new double[v.length];
        int i = 0;
        while (i < v.length) {
            int j = i;
            while (j + 1 < v.length && v[order[j + 1]] == v[order[i]]) {
                j++;
            }
            // Positions i..j (0-based) are ranks i+1..j+1; their mean is (i + j) / 2 + 1.
            double mean = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) {
                r[order[k]] = mean;
            }
            i = j + 1;
        }
        return r;
    }

    private static double pearsonUnchecked(double[] x, double[] y) {
        // Test for constant lists directly: the mean of n equal values can round to a neighbour of
        // the value, and the deviations would then be rounding noise with a "correlation" of its own.
        if (constant(x) || constant(y)) {
            return Double.NaN;
        }
        int n = x.length;
        double mx = 0;
        double my = 0;
        for (int i = 0; i < n; i++) {
            mx += x[i];
            my += y[i];
        }
        mx /= n;
        my /= n;
        double sxy = 0;
        double sxx = 0;
        double syy = 0;
        for (int i = 0; i < n; i++) {
            double dx = x[i] - mx;
            double dy = y[i] - my;
            sxy += dx * dy;
            sxx += dx * dx;
            syy += dy * dy;
        }
        // Rounding can push |r| a hair past 1 for perfectly linear data; clamp so callers can trust the range.
        return Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
    }

    private static boolean constant(double[] v) {
        for (double e : v) {
            if (e != v[0]) {
                return false;
            }
        }
        return true;
    }

    private static void check(String op, double[] x, double[] y) {
        if (x.length != y.length) {
            throw new IllegalArgumentException(op + ": " + x.length + " x values but " + y.length + " y values");
        }
        if (x.length < 2) {
            throw new IllegalArgumentException(op + ": needs at least 2 pairs, got " + x.length);
        }
        for (int i = 0; i < x.length; i++) {
            if (!Double.isFinite(x[i]) || !Double.isFinite(y[i])) {
                throw new IllegalArgumentException(op + ": pair " + i + " (" + x[i] + ", " + y[i] + ") is not finite");
            }
        }
    }
}
