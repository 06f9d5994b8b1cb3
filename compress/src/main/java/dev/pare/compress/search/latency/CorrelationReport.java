package dev.pare.compress.search.latency;

import dev.pare.compress.search.Architecture;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * How well a {@link LatencyPredictor} ranks architectures the way a {@link LatencyMeter} does:
 * one row per architecture with both figures, and over all rows Spearman's rank correlation and
 * Pearson's correlation of the log latencies ({@link RankCorrelation} says why these two).
 *
 * <p>The search CLI prints {@link #format()} after a search; docs/search.md records a run.
 *
 * @param batch          the batch size of every figure
 * @param rows           one row per architecture, in the order given
 * @param spearman       Spearman's ρ of predicted against measured median latency
 *                       (NaN when fewer than two rows or all equal)
 * @param pearsonOfLogs  Pearson's r of their logarithms (NaN likewise)
 */
public record CorrelationReport(int batch, List<Row> rows, double spearman, double pearsonOfLogs) {

    /**
     * One architecture's figures.
     *
     * @param encoding        the architecture's {@link Architecture#encode()}
     * @param predictedMicros the predicted median latency, µs
     * @param measuredMicros  the measured median latency, µs
     */
    public record Row(String encoding, double predictedMicros, double measuredMicros) {
        public Row {
            if (!(predictedMicros > 0) || !(measuredMicros > 0) || Double.isInfinite(predictedMicros)
                    || Double.isInfinite(measuredMicros)) {
                throw new IllegalArgumentException("CorrelationReport.Row: " + encoding + ": predicted "
                        + predictedMicros + " µs and measured " + measuredMicros + " µs must be positive and finite");
            }
        }

        /** measured / predicted: above 1 when the sum of the units underestimates the model. */
        public double ratio() {
            return measuredMicros / predictedMicros;
        }
    }

    public CorrelationReport {
        rows = List.copyOf(rows);
    }

    /** The report of already known figures. */
    public static CorrelationReport of(int batch, List<Row> rows) {
        if (rows.size() < 2) {
            return new CorrelationReport(batch, rows, Double.NaN, Double.NaN);
        }
        double[] p = rows.stream().mapToDouble(Row::predictedMicros).toArray();
        double[] m = rows.stream().mapToDouble(Row::measuredMicros).toArray();
        return new CorrelationReport(batch, rows, RankCorrelation.spearman(p, m), RankCorrelation.pearsonOfLogs(p, m));
    }

    /**
     * Predicts and measures every architecture at batch size {@code batch}, in order, and reports.
     * The predictions come first for each architecture, so a lazily filled table measures its new
     * units before the model is timed, not while.
     *
     * @param progress told one line per architecture as it is done (e.g. {@code System.err::println})
     */
    public static CorrelationReport measure(List<? extends Architecture> architectures, LatencyPredictor predictor,
                                            LatencyMeter meter, int batch, Consumer<String> progress) {
        List<Row> rows = new ArrayList<>();
        int i = 0;
        for (Architecture a : architectures) {
            double predicted = predictor.predictMicros(a, batch);
            double measured = meter.measure(a, batch).medianMicros();
            Row r = new Row(a.encode(), predicted, measured);
            rows.add(r);
            i++;
            progress.accept(String.format(Locale.ROOT, "[%d/%d] %s: predicted %.1f µs, measured %.1f µs", i,
                    architectures.size(), r.encoding(), predicted, measured));
        }
        return of(batch, rows);
    }

    /** The median of measured / predicted over the rows; NaN without rows. */
    public double medianRatio() {
        double[] r = rows.stream().mapToDouble(Row::ratio).sorted().toArray();
        int n = r.length;
        return n == 0 ? Double.NaN : n % 2 == 1 ? r[n / 2] : (r[n / 2 - 1] + r[n / 2]) / 2;
    }

    /**
     * A plain-text table, one row per architecture sorted by measured latency (with both ranks, so
     * a reader sees where the order breaks), then the two correlations.
     */
    public String format() {
        List<Row> sorted = new ArrayList<>(rows);
        sorted.sort((a, b) -> Double.compare(a.measuredMicros(), b.measuredMicros()));
        double[] predRank = RankCorrelation.ranks(sorted.stream().mapToDouble(Row::predictedMicros).toArray());
        double[] measRank = RankCorrelation.ranks(sorted.stream().mapToDouble(Row::measuredMicros).toArray());
        int width = Math.max("architecture".length(),
                sorted.stream().mapToInt(r -> r.encoding().length()).max().orElse(0));
        StringBuilder s = new StringBuilder();
        String head = "%-" + width + "s  %14s  %14s  %9s  %9s  %9s%n";
        s.append(String.format(Locale.ROOT, head, "architecture", "predicted µs", "measured µs", "meas/pred",
                "pred rank", "meas rank"));
        String line = "%-" + width + "s  %14.1f  %14.1f  %9.2f  %9s  %9s%n";
        for (int i = 0; i < sorted.size(); i++) {
            Row r = sorted.get(i);
            s.append(String.format(Locale.ROOT, line, r.encoding(), r.predictedMicros(), r.measuredMicros(),
                    r.ratio(), rank(predRank[i]), rank(measRank[i])));
        }
        s.append(String.format(Locale.ROOT,
                "%d architectures at batch %d: Spearman rank correlation %s, Pearson correlation of log latency %s, "
                        + "median measured/predicted %.2f%n",
                rows.size(), batch, figure(spearman), figure(pearsonOfLogs), medianRatio()));
        return s.toString();
    }

    private static String rank(double r) {
        return r == Math.rint(r) ? Long.toString((long) r) : String.format(Locale.ROOT, "%.1f", r);
    }

    private static String figure(double r) {
        return Double.isNaN(r) ? "undefined" : String.format(Locale.ROOT, "%.3f", r);
    }

    @Override
    public String toString() {
        return "CorrelationReport[batch " + batch + ", " + rows.size() + " rows, spearman " + spearman
                + ", pearsonOfLogs " + pearsonOfLogs + ", rows " + Arrays.toString(rows.toArray()) + "]";
    }
}
