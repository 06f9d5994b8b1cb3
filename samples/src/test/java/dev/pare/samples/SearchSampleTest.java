package dev.pare.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.nn.io.SafeTensors;
import dev.pare.tensor.parallel.Parallel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./pare search} end to end on the bundled subset, with a budget of a few evaluations of tiny MLPs. */
class SearchSampleTest {
    private final int threadsBefore = Parallel.threads();

    @TempDir
    Path dir;

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(threadsBefore);
    }

    private String[] run(Path out, String budget, String... more) {
        List<String> args = new ArrayList<>(List.of("--subset", "--space", "mlp", "--strategy", "evolution",
                "--budget", budget, "--search-images", "300", "--validation-images", "200", "--latency", "macs",
                "--retrain", "1", "--epochs", "1", "--baselines", "mlp", "--threads", "1", "--progress", "NONE",
                "--out", out.toString()));
        args.addAll(List.of(more));
        return CommandRun.run(new Search(), args.toArray(new String[0]));
    }

    @Test
    void aTinySearchWritesItsTablesChartAndModelAndResumesWithALargerBudget() throws Exception {
        Path out = dir.resolve("out");
        String[] first = run(out, "3");
        assertEquals("0", first[0], first[1] + first[2]);
        assertTrue(first[1].contains("budget of 3 evaluations spent; 3 evaluations (0 from the state file)"), first[1]);
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

        String[] again = run(out, "3");
        assertEquals("1", again[0]);
        assertTrue(again[2].contains("--resume"), again[2]);

        String[] resumed = CommandRun.run(new Search(), "--subset", "--space", "mlp", "--strategy", "evolution",
                "--budget", "5", "--search-images", "300", "--validation-images", "200", "--latency", "macs",
                "--retrain", "0", "--threads", "1", "--progress", "NONE", "--out", out.toString(), "--resume");
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

    /** A CSV row without its measured latency and wall time, which differ between runs. */
    private static String withoutTimes(String row) {
        String[] f = row.split(",", -1);
        return String.join(",", List.of(f).subList(0, 8));
    }
}
