package dev.pare.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.compress.report.LatencyStats;
import dev.pare.compress.report.VariantResult;
import dev.pare.compress.search.MlpSpace;
import dev.pare.compress.search.MultiplyAddLatency;
import dev.pare.compress.search.latency.LatencyTable;
import dev.pare.compress.search.latency.MachineKey;
import dev.pare.compress.search.latency.ProbeArchitectures;
import dev.pare.nn.io.SafeTensors;
import dev.pare.tensor.Rng;
import dev.pare.tensor.parallel.Parallel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./pare search} end to end on the bundled subset, with a budget of a few evaluations of tiny MLPs. */
class SearchSampleTest {
    private final int threadsBefore = Parallel.threads();
    private final String cacheBefore = System.getProperty(LatencyTable.CACHE_DIR_PROPERTY);

    @TempDir
    Path dir;

    /** {@code --latency macs} fits its rates to a latency table: this test's, not the user's cache. */
    @BeforeEach
    void privateLatencyCache() {
        System.setProperty(LatencyTable.CACHE_DIR_PROPERTY, dir.resolve("cache").toString());
    }

    @AfterEach
    void restore() {
        Parallel.setThreads(threadsBefore);
        if (cacheBefore == null) {
            System.clearProperty(LatencyTable.CACHE_DIR_PROPERTY);
        } else {
            System.setProperty(LatencyTable.CACHE_DIR_PROPERTY, cacheBefore);
        }
    }

    private String[] run(Path out, String budget, String... more) {
        List<String> args = new ArrayList<>(List.of("--subset", "--space", "mlp", "--strategy", "evolution",
                "--budget", budget, "--search-images", "300", "--validation-images", "200", "--latency", "macs",
                "--retrain", "1", "--epochs", "1", "--baselines", "mlp", "--threads", "1", "--progress", "NONE",
                "--out", out.toString()));
        args.addAll(List.of(more));
        return CommandRun.run(new Search(), args.toArray(new String[0]));
    }

    /**
     * Fills this test's latency table with made-up entries (2 µs plus 1 µs per thousand
     * parameters of the unit) for every unit the command will ask for: the twelve MLPs that fit
     * {@code --latency macs} and MobileNet's twin. Timing them for real took most of a minute on
     * a busy machine; this test checks what the command does with a table, not the machine.
     */
    private static void fakeLatencyTable() {
        MachineKey key = MachineKey.current(1);
        LatencyTable table = LatencyTable.open(LatencyTable.defaultFile(key), key, (unit, batch) -> {
            double micros = 2 + unit.build(new Rng(0)).numParameters() / 1000.0;
            return new LatencyStats(micros, micros, 1);
        });
        MultiplyAddLatency.fittedTo(new MlpSpace(), table, "fake");
        table.predictMicros(ProbeArchitectures.mobileNet(), 1);
    }

    @Test
    void aTinySearchWritesItsTablesChartAndModelAndResumesWithALargerBudget() throws Exception {
        fakeLatencyTable();
        Path out = dir.resolve("out");
        String[] first = run(out, "3", "--max-latency", "mobilenet");
        assertEquals("0", first[0], first[1] + first[2]);
        assertTrue(first[1].contains("budget of 3 evaluations spent; 3 evaluations (0 from the state file)"), first[1]);
        assertTrue(first[1].contains("fitted to 12 mlp architectures of latency table"), first[1]);
        assertTrue(first[1].contains("hard limit: 1.0 × MobileNet (cnn:stem16-sep32k3s2-sep64k3s2-sep128k3s1"), first[1]);
        assertTrue(first[1].contains("3 architectures at batch 1: Spearman rank correlation"), first[1]);
        assertTrue(Files.readString(out.resolve("correlation.txt")).contains("Spearman rank correlation"));
        String summary = Files.readString(out.resolve("summary.txt"));
        assertTrue(summary.contains("evaluations=3") && summary.contains("hypervolume="), summary);
        List<String> csv = Files.readAllLines(out.resolve("search.csv"));
        assertEquals(4, csv.size(), String.join("\n", csv));
        assertTrue(csv.get(0).startsWith("index,encoding,fidelity,accuracy"), csv.get(0));
        assertTrue(csv.get(1).startsWith("0,mlp:"), csv.get(1));
        for (String f : List.of("frontier.csv", "retrained.csv", "chart.png", "chart.svg", "found.safetensors",
                "search-state.txt")) {
            assertTrue(Files.size(out.resolve(f)) > 0, f);
        }
        assertEquals(3, Files.readAllLines(out.resolve("retrained.csv")).size(), "header, found-1, MLP");
        String architecture = SafeTensors.read(out.resolve("found.safetensors")).metadata().get("architecture");
        assertTrue(architecture.startsWith("mlp:"), architecture);

        String[] again = run(out, "3", "--max-latency", "mobilenet");
        assertEquals("1", again[0]);
        assertTrue(again[2].contains("--resume"), again[2]);

        String[] resumed = CommandRun.run(new Search(), "--subset", "--space", "mlp", "--strategy", "evolution",
                "--budget", "5", "--search-images", "300", "--validation-images", "200", "--latency", "macs",
                "--retrain", "0", "--threads", "1", "--progress", "NONE", "--out", out.toString(), "--resume",
                "--max-latency", "mobilenet");
        assertEquals("0", resumed[0], resumed[1] + resumed[2]);
        assertTrue(resumed[1].contains("5 evaluations (3 from the state file)"), resumed[1]);
        List<String> grown = Files.readAllLines(out.resolve("search.csv"));
        assertEquals(csv.subList(0, 4).stream().map(SearchSampleTest::withoutTimes).toList(),
                grown.subList(0, 4).stream().map(SearchSampleTest::withoutTimes).toList());
    }

    @Test
    void badOptionsAreRefusedByName() {
        String[] space = CommandRun.run(new Search(), "--subset", "--space", "resnet", "--out", dir.resolve("a").toString());
        assertTrue(space[2].contains("search space \"resnet\": unknown"), space[2]);
        String[] baseline = CommandRun.run(new Search(), "--subset", "--baselines", "resnet", "--out", dir.resolve("d").toString());
        assertTrue(baseline[2].contains("--baselines: \"resnet\" is not one of"), baseline[2]);
        String[] budget = run(dir.resolve("b"), "lots");
        assertTrue(budget[2].contains("--budget \"lots\""), budget[2]);
        String[] images = CommandRun.run(new Search(), "--subset", "--search-images", "9900", "--validation-images", "200",
                "--out", dir.resolve("c").toString());
        assertTrue(images[2].contains("need 10100 training images; the data has 10000"), images[2]);
    }

    @Test
    void maxLatencyReadsMicrosecondsOrAFractionOfMobileNetAndRefusesTheRest() {
        assertEquals(new Search.LatencyLimit(0, false), Search.LatencyLimit.parse(""));
        assertEquals(new Search.LatencyLimit(0, false), Search.LatencyLimit.parse("0"));
        assertEquals(new Search.LatencyLimit(150, false), Search.LatencyLimit.parse("150"));
        assertEquals(new Search.LatencyLimit(1, true), Search.LatencyLimit.parse("mobilenet"));
        assertEquals(new Search.LatencyLimit(0.7, true), Search.LatencyLimit.parse("0.7xMobileNet"));
        for (String bad : List.of("fast", "-5", "0.7mobilenet", "xmobilenet", "0xmobilenet", "NaN", "Infinity")) {
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> Search.LatencyLimit.parse(bad), bad);
            assertTrue(e.getMessage().startsWith("--max-latency \"" + bad + "\": expected"), e.getMessage());
        }
        // The twin the limit predicts is the samples' MobileNet, but for the stem's bias.
        assertEquals(FashionModels.mobileNet(new Rng(0)).numParameters(), ProbeArchitectures.mobileNet().parameters() + 16);
    }

    @Test
    void aFoundModelBeatsOrMatchesMobileNetOnlyAsTheIssueDefinesIt() {
        assertEquals("beats MobileNet", Search.verdict(0.905, 150, 0.900, 150));
        assertEquals("slower than MobileNet", Search.verdict(0.95, 151, 0.900, 150));
        assertEquals("matches MobileNet at <= 0.7x its latency", Search.verdict(0.898, 105, 0.900, 150));
        assertEquals("less accurate than MobileNet", Search.verdict(0.896, 105, 0.900, 150));
        assertEquals("less accurate than MobileNet", Search.verdict(0.899, 106, 0.900, 150));
        VariantResult mb = new VariantResult("MobileNet", "FashionModels.mobileNet", 0.9, 13_914, 13_914, 56_000,
                new LatencyStats(150, 160, 10), 1000);
        VariantResult found = new VariantResult("found-1", "mbv2:s8|e1k3n1w0.5|e1k3n1w0.5|e1k3n1w0.5", 0.91, 3_000, 3_000,
                12_000, new LatencyStats(120, 130, 10), 2000);
        String table = Search.comparison(List.of(found), mb);
        assertTrue(table.contains("0.9100       120.0        0.80      12,000  beats MobileNet"), table);
    }

    /** A CSV row without its measured latency and wall time, which differ between runs. */
    private static String withoutTimes(String row) {
        String[] f = row.split(",", -1);
        return String.join(",", List.of(f).subList(0, 8));
    }

    @Test
    void recheckTimesSomeEvaluatedArchitecturesAgainAndReportsTheirRanking() throws Exception {
        Path out = dir.resolve("recheck");
        String[] r = run(out, "4", "--recheck", "3");
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains("of them timed again with the careful settings"), r[1]);
        String summary = Files.readString(out.resolve("summary.txt"));
        assertTrue(summary.contains("spearman_recheck=") && summary.contains("recheck_architectures="), summary);
        assertTrue(Files.readString(out.resolve("recheck.txt")).contains("Spearman rank correlation"));
        // Quick mode leaves it out unless asked.
        Path quick = dir.resolve("quick");
        assertEquals("0", run(quick, "2")[0]);
        assertTrue(!Files.exists(quick.resolve("recheck.txt")));
    }
}
