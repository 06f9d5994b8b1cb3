package dev.pare.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.compress.stack.CompressedCheckpoint;
import dev.pare.tensor.Rng;
import dev.pare.tensor.parallel.Parallel;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./pare pipeline} end to end on the bundled subset, with tiny budgets. */
class PipelineSampleTest {
    private final int threadsBefore = Parallel.threads();

    @TempDir
    Path dir;

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(threadsBefore);
    }

    private static String[] run(String... args) {
        return CommandRun.run(new Pipeline(), args);
    }

    private String[] quickRun(Path reportDir, String... more) {
        List<String> args = new ArrayList<>(List.of("--epochs", "1", "--student-epochs", "1", "--finetune-epochs", "1",
                "--student-hidden", "16", "--calibration-batches", "2", "--latency-calls", "20", "--warmup-millis", "0",
                "--threads", "1", "--progress", "NONE", "--report-dir", reportDir.toString()));
        args.addAll(List.of(more));
        return run(args.toArray(new String[0]));
    }

    /** The CSV's deterministic columns (name, recipe, accuracy, Δ, parameters, non-zeros, bytes, smaller). */
    private static List<String> deterministicColumns(Path csv) throws Exception {
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(csv)) {
            // The recipes hold commas inside quotes: split the quoted field off first.
            String name = line.substring(0, line.indexOf(','));
            String rest = line.substring(line.indexOf(',') + 1);
            if (rest.startsWith("\"")) {
                rest = rest.substring(rest.indexOf('"', 1) + 2);
            } else {
                rest = rest.substring(rest.indexOf(',') + 1);
            }
            String[] f = rest.split(",");
            out.add(name + " " + f[0] + " " + f[1] + " " + f[2] + " " + f[3] + " " + f[4] + " " + f[5]);
        }
        return out;
    }

    @Test
    void buildsEveryVariantAndWritesTheTableCsvMarkdownAndChart() throws Exception {
        Path report = dir.resolve("report");
        String[] r = quickRun(report);
        assertEquals("0", r[0], r[2] + r[1]);
        for (String v : new String[] {"teacher", "student", "pruned-teacher", "structured-teacher", "pruned-student",
                "structured-student", "int8-teacher", "int8-student", "stacked"}) {
            assertTrue(r[1].contains("\n" + v + " "), v + " missing from\n" + r[1]);
            assertTrue(Files.size(report.resolve("models/" + v + ".safetensors")) > 0, v);
        }
        assertTrue(r[1].contains("stacked vs teacher:"), r[1]);
        assertEquals(10, Files.readAllLines(report.resolve("report.csv")).size());
        assertTrue(Files.readString(report.resolve("report.md")).contains("| stacked"));

        BufferedImage png = ImageIO.read(report.resolve("chart.png").toFile());
        assertEquals(TradeOffChart.WIDTH, png.getWidth());
        assertEquals(TradeOffChart.HEIGHT, png.getHeight());
        String svg = Files.readString(report.resolve("chart.svg"));
        assertTrue(svg.contains("<svg") && svg.contains("stacked") && svg.contains("Pareto frontier"), svg.substring(0, 200));

        // The stacked file is a compressed checkpoint that loads into the student's architecture.
        var loaded = CompressedCheckpoint.load(report.resolve("models/stacked.safetensors"), FashionModels.mlp(new Rng(0), 16));
        assertTrue(Pipeline.nonZeros(loaded) > 0);

        // Same seed, same threads: the same accuracies, non-zeros and bytes (times differ, of course),
        // whichever other variants were built in the same run.
        Path again = dir.resolve("again");
        assertEquals("0", quickRun(again, "--variants", "student,stacked")[0]);
        List<String> all = deterministicColumns(report.resolve("report.csv"));
        List<String> some = deterministicColumns(again.resolve("report.csv"));
        assertEquals(List.of(all.get(0), all.get(1), all.get(2), all.get(9)), some);
    }

    @Test
    void chosenVariantsOnlyAndTheTeacherAsBaseline() throws Exception {
        Path report = dir.resolve("some");
        String[] r = run("--epochs", "1", "--student-epochs", "1", "--finetune-epochs", "1", "--student-hidden", "8",
                "--latency-calls", "10", "--warmup-millis", "0", "--threads", "1", "--progress", "NONE", "--variants", "stacked", "--bits", "4",
                "--report-dir", report.toString());
        assertEquals("0", r[0], r[2]);
        List<String> lines = Files.readAllLines(report.resolve("report.csv"));
        assertEquals(3, lines.size(), String.join("\n", lines));
        assertTrue(lines.get(1).startsWith("teacher,") && lines.get(2).startsWith("stacked,"), String.join("\n", lines));
        assertTrue(lines.get(2).contains("4-bit"), lines.get(2));
    }

    @Test
    void aSearchedMlpWithPyTorchNamesAndBf16WeightsLoadsAsTheTeacher() throws Exception {
        // ./pare search --space mlp writes "mlp:H1-H2"; PyTorch names the Linears 0, 2, 4 and may store BF16.
        java.util.Map<String, dev.pare.tensor.Tensor> torchNamed = new java.util.LinkedHashMap<>();
        FashionModels.mlp(new dev.pare.tensor.Rng(3), 24, 12).stateDict()
                .forEach((k, v) -> torchNamed.put(dev.pare.nn.KeyMap.builder().shiftIndex(-1).build().map(k), v));
        dev.pare.nn.io.Checkpoint c = dev.pare.nn.io.Checkpoint.of(torchNamed, dev.pare.nn.io.DType.BF16);
        c.putMetadata("architecture", "mlp:24-12");
        Path file = dir.resolve("found.safetensors");
        dev.pare.nn.io.SafeTensors.write(file, c);
        String[] r = quickRun(dir.resolve("searched"), "--teacher", file.toString(), "--variants", "teacher,student");
        assertEquals("0", r[0], r[2] + r[1]);
        // 784·24 + 24 + 24·12 + 12 + 12·10 + 10 parameters: the file's architecture, not train-mlp's.
        assertTrue(r[1].lines().anyMatch(l -> l.startsWith("teacher") && l.contains("19,270")), r[1]);
        assertTrue(Files.readString(dir.resolve("searched/report.csv")).contains("loaded from found.safetensors"));
    }

    @Test
    void aTeacherWithThreeHiddenLayersIsRefusedNamingItsArchitecture() throws Exception {
        Path file = dir.resolve("deep.safetensors");
        dev.pare.nn.io.SafeTensors.save(file, FashionModels.mlp(new dev.pare.tensor.Rng(3), 8, 8, 8).stateDict(),
                java.util.Map.of("architecture", "mlp:8-8-8"));
        String[] r = run("--teacher", file.toString(), "--progress", "NONE", "--report-dir", dir.resolve("r3").toString());
        assertNotEquals("0", r[0]);
        assertTrue(r[2].contains("mlp-784-8-8-8-10") && r[2].contains("two hidden layers"), r[2]);
    }

    @Test
    void aPrunedOrQuantizedFileIsRefusedAsTheTeacher() throws Exception {
        Path file = dir.resolve("int8.safetensors");
        dev.pare.nn.io.Checkpoint c = new dev.pare.nn.io.Checkpoint();
        c.putMetadata("architecture", "mlp");
        c.put("1.weight", dev.pare.nn.io.TensorEntry.ofBytes(new byte[256 * 784], 256, 784));
        dev.pare.nn.io.SafeTensors.write(file, c);
        String[] r = run("--teacher", file.toString(), "--progress", "NONE", "--report-dir", dir.resolve("r").toString());
        assertNotEquals("0", r[0]);
        assertTrue(r[2].contains("entry 1.weight is I8") && r[2].contains("fp32 file from ./pare train-mlp"), r[2]);
        assertTrue(r[1].contains("FAILED") || !r[1].contains("done in"), r[1]);
    }

    @Test
    void aNetworkFoundBySearchMakesItACnnRunWithItsDistilledStudentAndInt8Rows() throws Exception {
        String encoding = "mbv2:s16|e3k3n2w1.0|e1k5n1w0.75|e6k3n3w0.5";
        dev.pare.compress.search.MobileNetArchitecture a = new dev.pare.compress.search.MobileNetSpace().decode(encoding);
        Path file = dir.resolve("found.safetensors");
        dev.pare.nn.io.SafeTensors.save(file, a.build(new Rng(5)).stateDict(), java.util.Map.of("architecture", encoding));
        Path report = dir.resolve("cnn");
        String[] r = quickRun(report, "--teacher", file.toString());
        assertEquals("0", r[0], r[2] + r[1]);
        List<String> lines = Files.readAllLines(report.resolve("report.csv"));
        List<String> names = lines.subList(1, lines.size()).stream().map(l -> l.substring(0, l.indexOf(','))).toList();
        assertEquals(List.of("cnn", "cnn-student", "cnn-int8", "cnn-student-int8"), names, String.join("\n", lines));
        // The student is the teacher's smaller neighbour in the space: half the blocks, the next narrower widths.
        String student = "mbv2:s8|e3k3n1w0.75|e1k5n1w0.5|e6k3n2w0.5";
        assertTrue(lines.get(2).contains(student), lines.get(2));
        assertTrue(lines.get(1).contains(String.format(java.util.Locale.ROOT, ",%d,", a.parameters())), lines.get(1));
        Path models = report.resolve("models");
        assertTrue(Files.size(models.resolve("cnn-int8.safetensors")) < Files.size(models.resolve("cnn.safetensors")));
        // The distilled student's file is a teacher for the next run, as a searched network's is.
        CnnTeacher again = CnnTeacher.load(models.resolve("cnn-student.safetensors"), "--teacher");
        assertEquals(student, again.architecture());
        assertEquals(new dev.pare.compress.search.MobileNetSpace().decode(student).parameters(),
                again.model().numParameters());
    }

    @Test
    void aHandMadeCnnHasNoStudentRowAndAskingForOneNamesWhy() throws Exception {
        Path file = dir.resolve("cnn.safetensors");
        dev.pare.nn.io.SafeTensors.save(file, FashionModels.smallCnn(new Rng(2)).stateDict(),
                java.util.Map.of("architecture", "cnn"));
        String[] asked = quickRun(dir.resolve("r1"), "--teacher", file.toString(), "--variants", "cnn-student");
        assertNotEquals("0", asked[0]);
        assertTrue(asked[2].contains("cnn-student needs a teacher found by ./pare search"), asked[2]);
        String[] mlpRow = quickRun(dir.resolve("r2"), "--teacher", file.toString(), "--variants", "student");
        assertNotEquals("0", mlpRow[0]);
        assertTrue(mlpRow[2].contains("student is an MLP row"), mlpRow[2]);
        String[] noTeacher = quickRun(dir.resolve("r3"), "--model", "cnn");
        assertNotEquals("0", noTeacher[0]);
        assertTrue(noTeacher[2].contains("--model cnn needs --teacher"), noTeacher[2]);
    }

    @Test
    void badOptionsAreRefusedBeforeAnyTrainingNamingTheValue() {
        String[][] cases = {
            {"--bits", "9"}, {"--student-sparsity", "1"}, {"--variants", "teacher,bogus"}, {"--temperature", "0"},
            {"--structured", "0"}, {"--teacher", "/no/such/file.safetensors"},
            {"--variants", "student", "--out", "stacked.safetensors"},
            {"--out", "/no/such/dir/stacked.safetensors"},
        };
        String[] expected = {"--bits must be in [2, 8], got 9", "--student-sparsity must be in [0, 1), got 1.0",
            "unknown variant 'bogus'", "T = 0.0", "--structured must be in (0, 1), got 0.0", "no such file",
            "saves the stacked model, which --variants student leaves out",
            "must name a file in an existing directory"};
        for (int i = 0; i < cases.length; i++) {
            String[] r = run(cases[i]);
            assertNotEquals("0", r[0]);
            assertTrue(r[2].contains(expected[i]), r[2]);
        }
    }
}
