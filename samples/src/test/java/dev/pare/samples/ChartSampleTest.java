package dev.pare.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.compress.report.LatencyStats;
import dev.pare.compress.report.TradeOffReport;
import dev.pare.compress.report.VariantResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./pare chart}: the rows of several reports on one chart and in one table. */
class ChartSampleTest {
    @TempDir
    Path dir;

    private static VariantResult row(String name, double accuracy, long bytes, double micros) {
        return new VariantResult(name, "recipe of " + name + ", with a comma", accuracy, 1000, 900, bytes,
                new LatencyStats(micros, micros * 1.2, 100), 1e6 / micros);
    }

    @Test
    void rowsOfEveryReportAreDrawnAndARepeatedNameGetsItsDirectory() throws Exception {
        Path search = dir.resolve("search");
        Path cnn = dir.resolve("pipeline-cnn");
        new TradeOffReport(List.of(row("found-1", 0.91, 70_000, 100), row("MobileNet", 0.898, 65_000, 108))).write(search);
        new TradeOffReport(List.of(row("found-1", 0.91, 73_000, 105), row("cnn-int8", 0.909, 38_000, 120))).write(cnn);
        Path out = dir.resolve("all");
        String[] r = CommandRun.run(new Chart(), search.resolve("report.csv").toString(),
                cnn.resolve("report.csv").toString(), "--out", out.toString());
        assertEquals("0", r[0], r[2]);
        List<VariantResult> rows = TradeOffReport.readCsv(Files.readString(out.resolve("report.csv")), "all");
        assertEquals(List.of("found-1", "MobileNet", "pipeline-cnn/found-1", "cnn-int8"),
                rows.stream().map(VariantResult::name).toList());
        String[] labelled = CommandRun.run(new Chart(), search.resolve("report.csv").toString(),
                "best=" + cnn.resolve("report.csv"), "--out", out.toString());
        assertEquals("0", labelled[0], labelled[2]);
        assertEquals(List.of("found-1", "MobileNet", "best:found-1", "best:cnn-int8"), TradeOffReport.readCsv(
                Files.readString(out.resolve("report.csv")), "all").stream().map(VariantResult::name).toList());
        assertEquals("recipe of cnn-int8, with a comma", rows.get(3).recipe());
        assertTrue(Files.size(out.resolve("chart.png")) > 0 && Files.size(out.resolve("chart.svg")) > 0);
    }

    @Test
    void aFileThatIsNotAReportIsRefusedByName() throws Exception {
        Path bogus = dir.resolve("notes.csv");
        Files.writeString(bogus, "a,b\n1,2\n");
        String[] r = CommandRun.run(new Chart(), bogus.toString(), "--out", dir.resolve("o").toString());
        assertNotEquals("0", r[0]);
        assertTrue(r[2].contains("notes.csv: not a trade-off report"), r[2]);
        String[] missing = CommandRun.run(new Chart(), dir.resolve("none.csv").toString());
        assertNotEquals("0", missing[0]);
        assertTrue(missing[2].contains("none.csv: no such file"), missing[2]);
    }
}
