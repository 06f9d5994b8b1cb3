package dev.pare.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.compress.prune.HeadPruner;
import dev.pare.compress.prune.SparseCheckpoint;
import dev.pare.compress.prune.SparseLinear;
import dev.pare.compress.quantize.QuantizedCheckpoint;
import dev.pare.compress.quantize.QuantizedConv2d;
import dev.pare.compress.quantize.QuantizedLinear;
import dev.pare.nn.attention.ViTConfig;
import dev.pare.nn.attention.VisionTransformer;
import dev.pare.nn.io.Checkpoint;
import dev.pare.nn.io.SafeTensors;
import dev.pare.tensor.Rng;
import dev.pare.tensor.parallel.Parallel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./pare pipeline --model vit} on the bundled subset, with a tiny ViT and tiny budgets. */
class PipelineVitSampleTest {
    private final int threadsBefore = Parallel.threads();

    @TempDir
    Path dir;

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(threadsBefore);
    }

    /** The ViT the run below builds: 7×7 patches, d = 16, 2 layers of 4 heads. */
    private static VisionTransformer architecture() {
        return FashionModels.vit(new Rng(0), ViTConfig.fashion(7, 16, 2, 4));
    }

    @Test
    void theVitRowsJoinTheReportAndEachFileLoadsBack() throws Exception {
        Path report = dir.resolve("report");
        String[] r = CommandRun.run(new Pipeline(), "--model", "vit", "--variants",
                "vit-int8,vit-heads,vit-ff,vit-combined", "--epochs", "1", "--student-epochs", "1", "--student-hidden",
                "8", "--vit-dim", "16", "--vit-depth", "2", "--vit-heads", "4", "--vit-epochs", "1",
                "--vit-finetune-epochs", "1", "--head-batches", "2", "--ff-sparsity", "0.6", "--latency-calls", "10",
                "--warmup-millis", "0", "--batch-size", "512", "--threads", "1", "--progress", "NONE", "--report-dir",
                report.toString());
        assertEquals("0", r[0], r[2] + r[1]);
        List<String> csv = Files.readAllLines(report.resolve("report.csv"));
        assertEquals(7, csv.size(), String.join("\n", csv));
        String[] names = {"teacher", "vit", "vit-int8", "vit-heads", "vit-ff", "vit-combined"};
        for (int i = 0; i < names.length; i++) {
            assertTrue(csv.get(i + 1).startsWith(names[i] + ","), csv.get(i + 1));
        }
        for (String v : new String[] {"vit-int8", "vit-heads", "vit-ff", "vit-combined"}) {
            assertTrue(r[1].contains(v + " vs vit: "), v + " has no line against the fp32 ViT in\n" + r[1]);
        }
        assertTrue(Files.readString(report.resolve("chart.svg")).contains("vit-combined"));

        // vit-int8: dynamic int8 in the file, the rest F16, and it loads into the fp32 architecture.
        Path int8 = report.resolve("models/vit-int8.safetensors");
        assertEquals("dynamic-per-channel-int8", SafeTensors.read(int8).metadata().get(QuantizedCheckpoint.SCHEME_KEY));
        for (String name : new String[] {"encoder.layers.0.linear1.weight", "patch_embed.proj.weight"}) {
            assertEquals("I8", ExportTorchRoundTripTest.fileDtype(int8, name), name);
        }
        for (String name : new String[] {"encoder.layers.0.linear1.weight_scale", "encoder.layers.0.linear1.bias",
                "encoder.layers.0.norm1.weight", "pos_embed.weight", "patch_embed.proj.bias"}) {
            assertEquals("F16", ExportTorchRoundTripTest.fileDtype(int8, name), name);
        }
        assertTrue(csv.get(3).contains("the other floats F16"), csv.get(3));
        VisionTransformer q = architecture();
        QuantizedCheckpoint.load(int8, q);
        assertTrue(HeadPruner.attentionLayers(q).values().stream()
                .allMatch(a -> a.inProjection() instanceof QuantizedLinear));
        assertTrue(q.getModule("patch_embed.proj") instanceof QuantizedConv2d);

        // vit-heads: ⌊0.5 · 8⌋ = 4 heads gone, every layer keeps one; the file says how many per layer.
        Path heads = report.resolve("models/vit-heads.safetensors");
        Checkpoint c = SafeTensors.read(heads);
        VisionTransformer h = architecture();
        HeadPruner.matchHeads(h, c, heads.toString());
        h.loadStateDict(c.toStateDict(), true);
        int left = HeadPruner.headCounts(h).values().stream().mapToInt(Integer::intValue).sum();
        assertEquals(4, left);
        assertTrue(HeadPruner.headCounts(h).values().stream().allMatch(n -> n >= 1));
        assertEquals(HeadPruner.headCounts(h).values().toString(), c.metadata().get("heads_per_layer"));

        // vit-combined: the same heads, quantized.
        Path combined = report.resolve("models/vit-combined.safetensors");
        VisionTransformer hq = architecture();
        HeadPruner.matchHeads(hq, SafeTensors.read(combined), combined.toString());
        QuantizedCheckpoint.load(combined, hq);
        assertEquals(HeadPruner.headCounts(h), HeadPruner.headCounts(hq));

        // The files say their sizes, so a ViT from this run (or from ./pare train-vit) is a
        // --vit-teacher without the --vit-* options.
        VisionTransformer rebuilt = FashionModels.vit(new Rng(0), FashionModels.vitConfig(c.metadata()));
        assertEquals(List.of(4, 4), List.copyOf(HeadPruner.headCounts(rebuilt).values()));
        Path again = dir.resolve("again");
        String[] r2 = CommandRun.run(new Pipeline(), "--model", "vit", "--variants", "vit-int8", "--vit-teacher",
                report.resolve("models/vit.safetensors").toString(), "--epochs", "1", "--student-epochs", "1",
                "--student-hidden", "8", "--latency-calls", "10", "--warmup-millis", "0", "--threads", "1",
                "--progress", "NONE", "--report-dir", again.toString());
        assertEquals("0", r2[0], r2[2] + r2[1]);
        List<String> csv2 = Files.readAllLines(again.resolve("report.csv"));
        assertTrue(csv2.get(2).startsWith("vit,"), csv2.get(2));
        assertEquals(accuracy(csv.get(2)), accuracy(csv2.get(2)), "the loaded ViT has the trained one's accuracy");

        // vit-ff: the feed-forward layers as CSR, 60% of each weight gone.
        VisionTransformer ff = architecture();
        SparseCheckpoint.load(report.resolve("models/vit-ff.safetensors"), ff);
        SparseLinear l1 = (SparseLinear) ff.getModule("encoder.layers.0.linear1");
        assertEquals(32 * 16 - (int) Math.floor(0.6 * 32 * 16), l1.values().numel());
    }

    /** The accuracy column of a report.csv row: the field after the (maybe quoted) recipe. */
    private static String accuracy(String row) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^[^,]+,(?:\"[^\"]*\"|[^,]*),([^,]+),").matcher(row);
        assertTrue(m.find(), row);
        return m.group(1);
    }

    @Test
    void vitOptionsAreRefusedBeforeAnyTrainingNamingTheValue() {
        String[][] cases = {
            {"--variants", "vit-int8"},
            {"--model", "vit", "--vit-patch", "5"},
            {"--model", "vit", "--vit-dim", "30", "--vit-heads", "4"},
            {"--model", "vit", "--vit-depth", "2", "--vit-heads", "2", "--head-fraction", "0.75"},
            {"--model", "vit", "--ff-sparsity", "1"},
            {"--vit-teacher", "x.safetensors"},
        };
        String[] expected = {"is a ViT variant; add --model vit", "--vit-patch must divide 28, got 5",
            "--vit-dim 30 must be a positive multiple of --vit-heads 4", "each of the 2 layers must keep one",
            "--ff-sparsity must be in [0, 1), got 1.0", "needs --model vit"};
        for (int i = 0; i < cases.length; i++) {
            String[] r = CommandRun.run(new Pipeline(), cases[i]);
            assertNotEquals("0", r[0]);
            assertTrue(r[2].contains(expected[i]), String.join(" ", cases[i]) + ": " + r[2]);
        }
    }
}
