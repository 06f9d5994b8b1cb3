package dev.pare.samples;

import dev.pare.compress.report.TradeOffReport;
import dev.pare.compress.report.VariantResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Draws the rows of several trade-off reports on one chart: a search's retrained networks
 * ({@code retrained.csv} of {@code ./pare search}) beside the compressed variants of
 * {@code ./pare pipeline} runs ({@code report.csv}), for instance.
 *
 * <pre>
 * ./pare chart search-mb/retrained.csv pipeline-report/report.csv found=pipeline-cnn/report.csv --out all
 * </pre>
 * ({@code found=} names that file's rows {@code found:cnn}, {@code found:cnn-int8}, …).
 *
 * <p>Every report was measured by its own command, so rows compare across files only as well as
 * the runs do (same machine, same thread count, a quiet machine). The first row of the first file
 * is the baseline of the ratios in the table. A name that a file before has used is prefixed with
 * its file's directory ({@code pipeline-cnn/cnn-int8}), so that each point keeps its own label.
 */
@Command(name = "chart", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Draw the rows of several trade-off reports (report.csv of ./pare pipeline, retrained.csv of "
                + "./pare search) on one chart, with the table of all of them.")
public final class Chart implements Callable<Integer> {

    @Parameters(paramLabel = "[LABEL=]CSV", arity = "1..*", description = "Reports, in the order their rows are listed; "
            + "LABEL=CSV names each of that file's rows LABEL:row.")
    List<String> reports = new ArrayList<>();

    @Option(names = "--out", paramLabel = "DIR", description = "Where chart.png, chart.svg, report.csv and report.md go "
            + "(default: ${DEFAULT-VALUE}).")
    Path out = Path.of("chart-out");

    @Option(names = "--title", paramLabel = "T", description = "The chart's title (default: ${DEFAULT-VALUE}).")
    String title = "Compression trade-offs, Fashion-MNIST";

    public static void main(String[] args) {
        System.exit(new CommandLine(new Chart()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        List<VariantResult> rows = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (String arg : reports) {
            int eq = arg.indexOf('=');
            String label = eq > 0 ? arg.substring(0, eq) + ":" : "";
            Path p = Path.of(eq > 0 ? arg.substring(eq + 1) : arg);
            if (!Files.isRegularFile(p)) {
                throw new IllegalArgumentException(p + ": no such file");
            }
            String dir = p.toAbsolutePath().getParent().getFileName().toString();
            for (VariantResult r : TradeOffReport.readCsv(Files.readString(p, StandardCharsets.UTF_8), p.toString())) {
                String name = label + r.name();
                name = names.contains(name) ? dir + "/" + name : name;
                if (!names.add(name)) {
                    throw new IllegalArgumentException(p + ": row \"" + r.name() + "\" appears twice, even as " + name);
                }
                rows.add(new VariantResult(name, r.recipe(), r.accuracy(), r.parameters(), r.nonZeros(), r.fileBytes(),
                        r.batch1(), r.batch256PerSecond()));
            }
        }
        TradeOffReport report = new TradeOffReport(rows);
        System.out.print(report.table());
        List<Path> written = new ArrayList<>(report.write(out));
        written.addAll(TradeOffChart.write(report, title, out));
        System.out.println("wrote " + written);
        return 0;
    }
}
