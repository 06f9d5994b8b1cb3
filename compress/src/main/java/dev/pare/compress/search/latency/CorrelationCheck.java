package dev.pare.compress.search.latency;

import dev.pare.compress.search.Architecture;
import dev.pare.nn.io.AtomicFiles;
import dev.pare.tensor.parallel.Parallel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A command-line check of the latency table on this machine: predicts and measures the
 * {@link ProbeArchitectures} sample and prints the {@link CorrelationReport}, over all of them and
 * per family (MLPs, convolution stacks), since a sample spanning orders of magnitude is easy to
 * rank and the ranking within one family is the harder test.
 *
 * <pre>
 * java -Xms2g -Xmx2g -XX:+AlwaysPreTouch --add-modules jdk.incubator.vector \
 *     -cp samples/target/pare-samples.jar \
 *     dev.pare.compress.search.latency.CorrelationCheck [options]
 *   --count N       architectures in the sample (default 20)
 *   --seed S        the sample's seed (default 0)
 *   --batch B       batch size (default 1)
 *   --threads T     kernel threads (default: all processors)
 *   --first I --last J   measure only architectures I..J of the sample (0-based, inclusive)
 *   --rows FILE     keep the measured rows in a CSV: rows already there are kept, this run's
 *                   replace those of the same architecture, and the report covers all of them;
 *                   so a long check can run in several short parts
 *   --table FILE    the latency table (default: the per-machine cache, see LatencyTable)
 *   --quick         measure the models with the quick settings too
 *   --prewarm-millis MS   run the architectures untimed this long before timing anything
 *                   (default 5000; see ForwardTimer.prewarm)
 * </pre>
 */
public final class CorrelationCheck {
    private CorrelationCheck() {}

    public static void main(String[] args) throws IOException {
        int count = 20;
        long seed = 0;
        int batch = 1;
        int threads = Parallel.threads();
        int first = 0;
        int last = Integer.MAX_VALUE;
        Path rowsFile = null;
        Path tableFile = null;
        boolean quick = false;
        long prewarmMillis = 5_000;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--quick")) {
                quick = true;
                continue;
            }
            if (i + 1 >= args.length) {
                usage("option " + a + " needs a value, or is unknown");
            }
            String v = args[++i];
            try {
                switch (a) {
                    case "--count" -> count = Integer.parseInt(v);
                    case "--seed" -> seed = Long.parseLong(v);
                    case "--batch" -> batch = Integer.parseInt(v);
                    case "--threads" -> threads = Integer.parseInt(v);
                    case "--first" -> first = Integer.parseInt(v);
                    case "--last" -> last = Integer.parseInt(v);
                    case "--rows" -> rowsFile = Path.of(v);
                    case "--table" -> tableFile = Path.of(v);
                    case "--prewarm-millis" -> prewarmMillis = Long.parseLong(v);
                    default -> usage("unknown option " + a);
                }
            } catch (NumberFormatException e) {
                usage(a + ": not an integer: '" + v + "'");
            }
        }
        if (count < 2 || batch < 1 || threads < 1 || first < 0 || last < first) {
            usage("need --count >= 2, --batch >= 1, --threads >= 1 and 0 <= --first <= --last");
        }

        // Set once for the whole run: each timing would otherwise switch the count and back,
        // replacing the worker pool (and its warmed-up threads) every time.
        Parallel.setThreads(threads);
        MeasurementSettings tableSettings = MeasurementSettings.quick().withBatches(batch).withThreads(threads);
        MeasurementSettings modelSettings = (quick ? MeasurementSettings.quick() : MeasurementSettings.defaults())
                .withBatches(batch).withThreads(threads);
        MachineKey key = MachineKey.current(threads);
        ForwardTimer unitTimer = new ForwardTimer(tableSettings);
        LatencyTable table = LatencyTable.open(tableFile != null ? tableFile : LatencyTable.defaultFile(key), key,
                unitTimer::time);
        System.out.println("machine: " + key.describe());
        System.out.println("heap: " + (SteadyHeap.isSteady() ? "fixed and pre-touched"
                : "may grow while timing (start the JVM with " + SteadyHeap.OPTIONS + " for steady figures)"));
        System.out.println("latency table: " + table.file() + " (" + table.size() + " unit signatures cached"
                + (table.isSaving() ? "" : ", not saved") + ")");

        List<Architecture> sample = ProbeArchitectures.sample(seed, count);
        if (first >= sample.size()) {
            usage("--first " + first + " is past the last architecture of the sample, " + (sample.size() - 1));
        }
        List<Architecture> slice = sample.subList(first, Math.min(last, sample.size() - 1) + 1);
        ForwardTimer modelTimer = new ForwardTimer(modelSettings);
        if (prewarmMillis > 0) {
            System.err.printf(Locale.ROOT, "running the %d architectures untimed for %.1f s first (JIT warm-up)%n",
                    slice.size(), prewarmMillis / 1000.0);
            modelTimer.prewarm(slice, prewarmMillis);
        }
        CorrelationReport run = CorrelationReport.measure(slice, table, modelTimer, batch, System.err::println);
        System.out.println("table entries measured in this run: " + table.measuredEntries() + " ("
                + unitTimer.unsettledWarmUps() + " stopped warming up before the timings settled); models measured: "
                + slice.size() + " (" + modelTimer.unsettledWarmUps() + " unsettled)");

        Map<String, CorrelationReport.Row> all = new LinkedHashMap<>();
        if (rowsFile != null) {
            all.putAll(readRows(rowsFile, batch));
        }
        for (CorrelationReport.Row r : run.rows()) {
            all.put(r.encoding(), r);
        }
        if (rowsFile != null) {
            writeRows(rowsFile, batch, all.values());
        }
        List<CorrelationReport.Row> rows = new ArrayList<>(all.values());
        System.out.println();
        System.out.print(CorrelationReport.of(batch, rows).format());
        Map<String, List<CorrelationReport.Row>> families = new LinkedHashMap<>();
        for (CorrelationReport.Row r : rows) {
            int colon = r.encoding().indexOf(':');
            families.computeIfAbsent(colon < 0 ? r.encoding() : r.encoding().substring(0, colon),
                    k -> new ArrayList<>()).add(r);
        }
        for (Map.Entry<String, List<CorrelationReport.Row>> f : families.entrySet()) {
            CorrelationReport r = CorrelationReport.of(batch, f.getValue());
            System.out.printf(Locale.ROOT, "  %s only: %d architectures, Spearman %s, Pearson of logs %s%n", f.getKey(),
                    f.getValue().size(), figure(r.spearman()), figure(r.pearsonOfLogs()));
        }
    }

    private static Map<String, CorrelationReport.Row> readRows(Path file, int batch) throws IOException {
        Map<String, CorrelationReport.Row> rows = new LinkedHashMap<>();
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return rows;
        }
        for (int i = 1; i < lines.size(); i++) {
            String[] f = lines.get(i).split(",");
            try {
                if (f.length != 4) {
                    throw new IllegalArgumentException("expected 4 fields, got " + f.length);
                }
                if (Integer.parseInt(f[1]) != batch) {
                    throw new IllegalArgumentException("batch " + f[1] + ", but this run's is " + batch);
                }
                rows.put(f[0], new CorrelationReport.Row(f[0], Double.parseDouble(f[2]), Double.parseDouble(f[3])));
            } catch (IllegalArgumentException e) {
                throw new IOException(file + ", line " + (i + 1) + ": " + e.getMessage()
                        + " (expected encoding,batch,predicted_us,measured_us)", e);
            }
        }
        return rows;
    }

    private static void writeRows(Path file, int batch, Iterable<CorrelationReport.Row> rows) throws IOException {
        StringBuilder s = new StringBuilder("encoding,batch,predicted_us,measured_us\n");
        for (CorrelationReport.Row r : rows) {
            s.append(r.encoding()).append(',').append(batch).append(',').append(r.predictedMicros()).append(',')
                    .append(r.measuredMicros()).append('\n');
        }
        AtomicFiles.write(file, s.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static String figure(double r) {
        return Double.isNaN(r) ? "undefined" : String.format(Locale.ROOT, "%.3f", r);
    }

    private static void usage(String problem) {
        System.err.println("CorrelationCheck: " + problem);
        System.err.println("usage: CorrelationCheck [--count N] [--seed S] [--batch B] [--threads T] "
                + "[--first I --last J] [--rows FILE] [--table FILE] [--quick] [--prewarm-millis MS]");
        System.exit(2);
    }
}
