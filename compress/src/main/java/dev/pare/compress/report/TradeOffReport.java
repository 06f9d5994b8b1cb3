package dev.pare.compress.report;

import dev.pare.nn.io.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * The table of the compression trade-offs: one {@link VariantResult} per row, each also given as
 * a ratio to the first row, the baseline (the fp32 teacher), and marked when it lies on the
 * Pareto frontier of accuracy against bytes ({@link ParetoFrontier}).
 *
 * <p>Ratios are written so that bigger is better: <em>smaller</em> = baseline bytes / bytes,
 * <em>faster</em> = baseline batch-1 median / batch-1 median, <em>throughput</em> = batch-256
 * images per second / the baseline's; accuracy is given as the difference in points
 * (100 × (accuracy − baseline accuracy)).
 *
 * <p>Three renderings of the same rows: {@link #table()} for a terminal, {@link #csv()} for a
 * spreadsheet or a plotting script (full precision, one header line), {@link #markdown()} for a
 * README.
 */
public final class TradeOffReport {
    private final List<VariantResult> rows;

    /** @throws IllegalArgumentException if there are no rows (the first is the baseline) */
    public TradeOffReport(List<VariantResult> rows) {
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("TradeOffReport: no variants; the first one is the baseline");
        }
        this.rows = List.copyOf(rows);
    }

    public List<VariantResult> rows() {
        return rows;
    }

    public VariantResult baseline() {
        return rows.get(0);
    }

    /** Baseline file bytes / this row's: how many times smaller. */
    public double smaller(VariantResult r) {
        return (double) baseline().fileBytes() / r.fileBytes();
    }

    /** Baseline batch-1 median / this row's: how many times faster at batch 1. */
    public double faster(VariantResult r) {
        return baseline().batch1().medianMicros() / r.batch1().medianMicros();
    }

    /** This row's batch-256 throughput / the baseline's. */
    public double throughputRatio(VariantResult r) {
        return r.batch256PerSecond() / baseline().batch256PerSecond();
    }

    /** 100 × (accuracy − baseline accuracy): negative when the variant lost accuracy. */
    public double deltaPoints(VariantResult r) {
        return 100 * (r.accuracy() - baseline().accuracy());
    }

    /** Which rows are on the accuracy-vs-bytes Pareto frontier. */
    public boolean[] bytesFrontier() {
        return frontier(r -> r.fileBytes());
    }

    /** Which rows are on the accuracy-vs-batch-1-latency Pareto frontier. */
    public boolean[] latencyFrontier() {
        return frontier(r -> r.batch1().medianMicros());
    }

    /** Which rows are on the frontier of accuracy against {@code cost}. */
    private boolean[] frontier(ToDoubleFunction<VariantResult> cost) {
        double[] c = new double[rows.size()];
        double[] value = new double[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            c[i] = cost.applyAsDouble(rows.get(i));
            value[i] = rows.get(i).accuracy();
        }
        return ParetoFrontier.of(c, value);
    }

    /** A fixed-width table for a terminal. */
    public String table() {
        boolean[] front = bytesFrontier();
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%-26s %8s %7s %9s %9s %10s %8s %9s %9s %7s %10s %6s  %s%n",
                "variant", "accuracy", "Δ pts", "params", "non-zero", "bytes", "smaller", "b1 med µs", "b1 p90 µs",
                "faster", "b256 img/s", "ratio", "frontier"));
        for (int i = 0; i < rows.size(); i++) {
            VariantResult r = rows.get(i);
            b.append(String.format(Locale.ROOT, "%-26s %8.4f %+7.2f %,9d %,9d %,10d %7.1fx %9.1f %9.1f %6.1fx %,10.0f %5.2fx  %s%n",
                    r.name(), r.accuracy(), deltaPoints(r), r.parameters(), r.nonZeros(), r.fileBytes(), smaller(r),
                    r.batch1().medianMicros(), r.batch1().p90Micros(), faster(r), r.batch256PerSecond(),
                    throughputRatio(r), front[i] ? "*" : ""));
        }
        return b.toString();
    }

    /** Comma-separated values, one header line, full precision, ratios included. */
    public String csv() {
        boolean[] front = bytesFrontier();
        boolean[] latencyFront = latencyFrontier();
        StringBuilder b = new StringBuilder(CSV_HEADER).append('\n');
        for (int i = 0; i < rows.size(); i++) {
            VariantResult r = rows.get(i);
            b.append(String.join(",", quote(r.name()), quote(r.recipe()), num(r.accuracy()), num(deltaPoints(r)),
                    Long.toString(r.parameters()), Long.toString(r.nonZeros()), Long.toString(r.fileBytes()),
                    num(smaller(r)), num(r.batch1().medianMicros()), num(r.batch1().p90Micros()), num(faster(r)),
                    num(r.batch256PerSecond()), num(throughputRatio(r)), Boolean.toString(front[i]),
                    Boolean.toString(latencyFront[i]))).append('\n');
        }
        return b.toString();
    }

    /** A Markdown table; frontier rows (accuracy vs bytes) are marked with a star. */
    public String markdown() {
        boolean[] front = bytesFrontier();
        StringBuilder b = new StringBuilder();
        b.append("| variant | recipe | accuracy | Δ points | params | non-zeros | file bytes | smaller | "
                + "batch-1 median µs | batch-1 p90 µs | faster | batch-256 img/s | throughput |\n");
        b.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (int i = 0; i < rows.size(); i++) {
            VariantResult r = rows.get(i);
            b.append(String.format(Locale.ROOT, "| %s%s | %s | %.2f %% | %+.2f | %,d | %,d | %,d | %.1f× | %.1f | %.1f | %.1f× | %,.0f | %.2f× |%n",
                    r.name().replace("|", "\\|"), front[i] ? " ★" : "", r.recipe().replace("|", "\\|"),
                    100 * r.accuracy(), deltaPoints(r), r.parameters(), r.nonZeros(), r.fileBytes(), smaller(r),
                    r.batch1().medianMicros(), r.batch1().p90Micros(), faster(r), r.batch256PerSecond(),
                    throughputRatio(r)));
        }
        b.append("\n★ on the Pareto frontier of accuracy against file bytes: no other variant is at least as small and "
                + "at least as accurate, and strictly better in one of the two.\n");
        return b.toString();
    }

    /**
     * Writes {@code report.csv} and {@code report.md} into {@code dir} (created if missing), each
     * through a temporary file and an atomic rename, so an old report is never left half-written.
     * Returns the two paths.
     */
    public List<Path> write(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path csvFile = dir.resolve("report.csv");
        Path markdownFile = dir.resolve("report.md");
        AtomicFiles.write(csvFile, csv().getBytes(StandardCharsets.UTF_8));
        AtomicFiles.write(markdownFile, markdown().getBytes(StandardCharsets.UTF_8));
        return List.of(csvFile, markdownFile);
    }

    /** The header line {@link #csv()} writes, without its line end. */
    static final String CSV_HEADER = "variant,recipe,accuracy,delta_points,parameters,non_zeros,file_bytes,"
            + "times_smaller,batch1_median_us,batch1_p90_us,times_faster_batch1,batch256_images_per_s,"
            + "throughput_ratio,bytes_frontier,latency_frontier";

    /**
     * The rows of a report written by {@link #csv()}, in its order: the inverse of {@link #csv()}
     * for the measured columns (the ratios and frontier marks are recomputed by whoever uses the
     * rows, against their own baseline). The number of timed calls is not in the file, so every
     * {@link LatencyStats} read back says 0 calls.
     *
     * @param source names the text in errors, e.g. its file
     * @throws IllegalArgumentException naming the source and the line when the header is not the
     *     one {@link #csv()} writes, a line has the wrong number of fields, or a number does not parse
     */
    public static List<VariantResult> readCsv(String text, String source) {
        List<String> lines = text.lines().filter(l -> !l.isEmpty()).toList();
        if (lines.isEmpty() || !lines.get(0).equals(CSV_HEADER)) {
            throw new IllegalArgumentException(source + ": not a trade-off report: the first line must be \""
                    + CSV_HEADER + "\"");
        }
        List<VariantResult> rows = new java.util.ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            List<String> f = splitCsv(lines.get(i));
            String where = source + ", line " + (i + 1);
            if (f.size() != 15) {
                throw new IllegalArgumentException(where + ": " + f.size() + " fields, expected 15");
            }
            try {
                rows.add(new VariantResult(f.get(0), f.get(1), Double.parseDouble(f.get(2)), Long.parseLong(f.get(4)),
                        Long.parseLong(f.get(5)), Long.parseLong(f.get(6)),
                        new LatencyStats(Double.parseDouble(f.get(8)), Double.parseDouble(f.get(9)), 0),
                        Double.parseDouble(f.get(11))));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
            }
        }
        return rows;
    }

    /** One line's fields under RFC 4180's quoting, as {@link #quote} writes them (no line breaks inside a field). */
    private static List<String> splitCsv(String line) {
        List<String> fields = new java.util.ArrayList<>();
        StringBuilder f = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    f.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    f.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                fields.add(f.toString());
                f.setLength(0);
            } else {
                f.append(c);
            }
        }
        fields.add(f.toString());
        return fields;
    }

    private static String num(double v) {
        return Double.toString(v);
    }

    /** RFC 4180: a field with a comma, quote, CR or LF goes in quotes, quotes doubled. */
    static String quote(String s) {
        if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) {
            return s;
        }
        return '"' + s.replace("\"", "\"\"") + '"';
    }
}
