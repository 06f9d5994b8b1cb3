package dev.pare.compress.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.nn.Linear;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TradeOffReportTest {
    @TempDir
    Path dir;

    private static VariantResult row(String name, double acc, long bytes, double micros, double perSecond) {
        return new VariantResult(name, "made, somehow", acc, 1000, 500, bytes, new LatencyStats(micros, micros * 1.5, 10),
                perSecond);
    }

    private final TradeOffReport report = new TradeOffReport(List.of(
            row("teacher", 0.90, 40_000, 20, 1000),
            row("stacked", 0.89, 1_000, 4, 2500),
            row("worse", 0.85, 2_000, 8, 500)));

    @Test
    void ratiosAreToTheFirstRowAndBiggerIsBetter() {
        VariantResult s = report.rows().get(1);
        assertEquals(40.0, report.smaller(s), 1e-12);
        assertEquals(5.0, report.faster(s), 1e-12);
        assertEquals(2.5, report.throughputRatio(s), 1e-12);
        assertEquals(-1.0, report.deltaPoints(s), 1e-9);
        assertEquals(1.0, report.smaller(report.baseline()), 0);
    }

    @Test
    void frontiersMarkTheVariantsWorthChoosing() {
        boolean[] bytes = report.bytesFrontier();
        assertTrue(bytes[0] && bytes[1] && !bytes[2]);
        boolean[] latency = report.latencyFrontier();
        assertTrue(latency[0] && latency[1] && !latency[2]);
    }

    @Test
    void csvHasAHeaderAndOneQuotedLinePerVariant() {
        String[] lines = report.csv().split("\n");
        assertEquals(4, lines.length);
        assertTrue(lines[0].startsWith("variant,recipe,accuracy,delta_points,parameters,non_zeros,file_bytes,"), lines[0]);
        assertEquals(15, lines[0].split(",").length);
        // The recipe holds a comma, so it is quoted (RFC 4180); the row keeps 15 fields outside quotes.
        assertTrue(lines[2].startsWith("stacked,\"made, somehow\",0.89,"), lines[2]);
        assertTrue(lines[2].endsWith(",true,true"), lines[2]);
        assertEquals("\"a \"\"b\"\"\"", TradeOffReport.quote("a \"b\""));
    }

    @Test
    void markdownAndTheTableShowEveryVariantAndMarkTheFrontier() {
        String md = report.markdown();
        assertTrue(md.contains("| stacked ★ | made, somehow | 89.00 % | -1.00 | 1,000 | 500 | 1,000 | 40.0× |"), md);
        assertTrue(md.contains("| worse |"), md);
        String table = report.table();
        assertTrue(table.contains("stacked") && table.contains("40.0x") && table.contains("5.0x"), table);
    }

    @Test
    void writeReplacesTheFilesWholeAndLeavesNoTemporaryFiles() throws Exception {
        Files.writeString(dir.resolve("report.csv"), "old");
        List<Path> written = report.write(dir);
        assertEquals(report.csv(), Files.readString(written.get(0), StandardCharsets.UTF_8));
        assertEquals(report.markdown(), Files.readString(written.get(1), StandardCharsets.UTF_8));
        try (var files = Files.list(dir)) {
            assertEquals(2, files.count());
        }
    }

    @Test
    void impossibleFiguresAreRefusedNamingTheVariant() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> row("broken", 1.2, 10, 1, 1));
        assertTrue(e.getMessage().contains("broken") && e.getMessage().contains("accuracy 1.2"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new TradeOffReport(List.of()));
    }

    @Test
    void latencyStatsTakeTheMedianAndTheNearestRankP90() {
        LatencyStats s = LatencyStats.of(new double[] {5, 1, 4, 2, 3, 10, 9, 8, 7, 6});
        assertEquals(5.5, s.medianMicros(), 0);
        assertEquals(9.0, s.p90Micros(), 0);
        assertEquals(3.0, LatencyStats.of(new double[] {3}).p90Micros(), 0);

        LatencyStats measured = LatencyStats.measure(new Linear(4, 2, new Rng(1)), Tensor.zeros(1, 4), 0, 25);
        assertEquals(25, measured.calls());
        assertTrue(measured.medianMicros() > 0 && measured.p90Micros() >= measured.medianMicros(), measured.toString());
    }

    @Test
    void aCsvReadsBackToTheSameMeasuredRows() {
        List<VariantResult> rows = List.of(
                new VariantResult("teacher", "fp32, \"quoted\", with commas", 0.8957, 235_146, 235_146, 941_472,
                        new LatencyStats(15.5, 16.25, 2000), 258_849.5),
                new VariantResult("int8", "static per-channel", 0.1 + 0.2, 235_146, 232_139, 240_232,
                        new LatencyStats(9.0, 9.6, 2000), 229_230.125));
        List<VariantResult> back = TradeOffReport.readCsv(new TradeOffReport(rows).csv(), "report.csv");
        assertEquals(rows.size(), back.size());
        for (int i = 0; i < rows.size(); i++) {
            VariantResult a = rows.get(i);
            VariantResult b = back.get(i);
            assertEquals(a.name(), b.name());
            assertEquals(a.recipe(), b.recipe());
            assertEquals(a.accuracy(), b.accuracy()); // Double.toString round-trips exactly
            assertEquals(a.parameters(), b.parameters());
            assertEquals(a.nonZeros(), b.nonZeros());
            assertEquals(a.fileBytes(), b.fileBytes());
            assertEquals(a.batch1().medianMicros(), b.batch1().medianMicros());
            assertEquals(a.batch1().p90Micros(), b.batch1().p90Micros());
            assertEquals(a.batch256PerSecond(), b.batch256PerSecond());
        }
    }

    @Test
    void aFileThatIsNotAReportIsRefusedNamingItAndTheLine() {
        IllegalArgumentException header = assertThrows(IllegalArgumentException.class,
                () -> TradeOffReport.readCsv("a,b\n1,2\n", "x.csv"));
        assertTrue(header.getMessage().startsWith("x.csv: not a trade-off report"), header.getMessage());
        String good = new TradeOffReport(List.of(row("t", 0.9, 100, 10, 1000))).csv();
        IllegalArgumentException number = assertThrows(IllegalArgumentException.class,
                () -> TradeOffReport.readCsv(good.replace(",0.9,", ",0.x9,"), "r.csv"));
        assertTrue(number.getMessage().startsWith("r.csv, line 2: "), number.getMessage());
        IllegalArgumentException fields = assertThrows(IllegalArgumentException.class,
                () -> TradeOffReport.readCsv(good.trim() + ",extra\n", "r.csv"));
        assertTrue(fields.getMessage().contains("16 fields, expected 15"), fields.getMessage());
    }

    @Test
    void prewarmInTurnsRunsEveryModelOnEachOfItsInputsInEvaluationModeWithoutAGraph() {
        List<String> calls = new java.util.ArrayList<>();
        class Recorder extends dev.pare.nn.Module {
            final String name;

            Recorder(String name) {
                this.name = name;
            }

            @Override
            public Tensor forward(Tensor x) {
                if (calls.isEmpty() || !calls.get(calls.size() - 1).equals(name + x.size(0))) {
                    calls.add(name + x.size(0));
                }
                assertTrue(!isTraining() && !dev.pare.tensor.GradMode.isEnabled(), "eval mode, no graph");
                return x;
            }
        }
        Recorder a = new Recorder("a");
        Recorder b = new Recorder("b");
        a.train();
        Tensor one = Tensor.zeros(1, 2);
        Tensor two = Tensor.zeros(2, 2);
        LatencyStats.prewarmInTurns(List.of(a, b), List.of(List.of(one, two), List.of(one)), 1);
        assertEquals(List.of("a1", "a2", "b1", "a1", "a2", "b1"), calls); // in turns, two passes
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LatencyStats.prewarmInTurns(List.of(a, b), List.of(List.of(one)), 1));
        assertTrue(e.getMessage().contains("2 models but 1 lists of inputs"), e.getMessage());
    }
}
