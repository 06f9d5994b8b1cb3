package dev.pare.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.compress.quantize.Granularity;
import dev.pare.compress.quantize.QuantizedCheckpoint;
import dev.pare.compress.quantize.Quantizer;
import dev.pare.nn.KeyMap;
import dev.pare.nn.Module;
import dev.pare.nn.io.Checkpoint;
import dev.pare.nn.io.DType;
import dev.pare.nn.io.SafeTensors;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./pare prune} and {@code ./pare quantize} take a model with PyTorch's names: the file
 * {@code ./pare export} writes, and a file as PyTorch's {@code safetensors.torch.save_file} writes
 * it (plain {@code nn.Sequential} indices, BF16, no Pare checksums). The same weights must give the
 * same model: the dense accuracy each command prints before compressing is compared with the one
 * printed for Pare's own file.
 */
class CompressTorchNamedModelTest {
    @TempDir
    static Path dir;

    /** train-mlp's layout with weights from a seed; trained or not makes no difference to the names. */
    private static Path pareFile;
    private static Path exported;
    private static Path torchBf16;

    @BeforeAll
    static void files() throws Exception {
        Module mlp = FashionModels.mlp(new Rng(11));
        pareFile = dir.resolve("mlp.safetensors");
        SafeTensors.save(pareFile, mlp.stateDict(), Map.of("architecture", "mlp"));

        exported = dir.resolve("mlp.torch.safetensors");
        String[] e = CommandRun.run(new Export(), pareFile.toString(), "-o", exported.toString());
        assertEquals("0", e[0], e[2]);
        assertTrue(SafeTensors.read(exported).entries().containsKey("0.weight"), "export writes PyTorch's plain names");

        // What PyTorch itself writes: 0.weight … 4.bias in BF16, {"format": "pt"}, no checksums.
        Map<String, Tensor> torchNames = new LinkedHashMap<>();
        KeyMap toTorch = KeyMap.builder().shiftIndex(-1).build();
        mlp.stateDict().forEach((k, v) -> torchNames.put(toTorch.map(k), v));
        Checkpoint c = Checkpoint.of(torchNames, DType.BF16);
        c.putMetadata("format", "pt");
        torchBf16 = dir.resolve("torch-bf16.safetensors");
        SafeTensors.write(torchBf16, c, SafeTensors.Checksums.OFF);
    }

    private static final String[] QUICK_PRUNE = {"--subset", "--threads", "1", "--progress", "NONE", "--sparsities", "0.5",
        "--finetune-epochs", "0", "--no-one-shot", "--no-extras"};

    private static String[] prune(Path model) {
        String[] args = new String[QUICK_PRUNE.length + 2];
        System.arraycopy(QUICK_PRUNE, 0, args, 0, QUICK_PRUNE.length);
        args[QUICK_PRUNE.length] = "--model";
        args[QUICK_PRUNE.length + 1] = model.toString();
        return CommandRun.run(new Prune(), args);
    }

    private static String[] ownRun;

    /** prune on Pare's own file, run once for the tests that compare with it. */
    private static synchronized String[] pruneOwn() {
        if (ownRun == null) {
            ownRun = prune(pareFile);
        }
        return ownRun;
    }

    private static String group(String regex, String text) {
        Matcher m = Pattern.compile(regex, Pattern.MULTILINE).matcher(text);
        assertTrue(m.find(), regex + " not in\n" + text);
        return m.group(1);
    }

    @Test
    void pruneReadsPyTorchNamesAndGetsTheSameDenseAccuracy() {
        String[] own = pruneOwn();
        assertEquals("0", own[0], own[2]);
        String[] torch = prune(exported);
        assertEquals("0", torch[0], torch[2]);
        assertTrue(torch[1].contains("PyTorch's names 0, 2, 4 read as 1, 3, 5"), torch[1]);
        assertFalse(own[1].contains("PyTorch's names"), own[1]);
        String accuracy = "^dense \\(start\\) at 0%: accuracy (\\S+)$";
        assertEquals(group(accuracy, own[1]), group(accuracy, torch[1]), "the export holds the same weights");
        assertTrue(torch[1].contains("gradual"), "and it was pruned: " + torch[1]);

        String[] bf16 = prune(torchBf16);
        assertEquals("0", bf16[0], bf16[2]);
        assertTrue(bf16[1].contains("mlp-784-256-128-10, PyTorch's names"), bf16[1]);
    }

    @Test
    void quantizeReadsAPyTorchFileAndItsFp32RowIsTheOriginal() {
        String[] own = pruneOwn();
        String[] q = CommandRun.run(new Quantize(), "--subset", "--threads", "1", "--progress", "NONE", "--model",
                exported.toString(), "--qat-epochs", "0", "--calibration-batches", "1", "--latency-reps", "10");
        assertEquals("0", q[0], q[2]);
        assertTrue(q[1].contains("PyTorch's names 0, 2, 4 read as 1, 3, 5"), q[1]);
        assertEquals(group("^dense \\(start\\) at 0%: accuracy (\\S+)$", own[1]), group("^fp32\\s+(\\S+)", q[1]),
                "quantize's fp32 row is the model prune started from");
        assertTrue(q[1].contains("static per-channel"), q[1]);
    }

    @Test
    void aCompressedOrWrongModelIsRefusedNamingTheOptionAndTheFile() throws Exception {
        Path int8 = dir.resolve("int8.safetensors");
        QuantizedCheckpoint.save(int8, Quantizer.dynamic(FashionModels.mlp(new Rng(1)), Granularity.PER_CHANNEL));
        String[] r = CommandRun.run(new Quantize(), "--subset", "--threads", "1", "--model", int8.toString());
        assertNotEquals("0", r[0]);
        assertTrue(r[2].contains("--model " + int8 + ": holds a model stored as int8"), r[2]);

        Path cnn = dir.resolve("cnn.safetensors");
        SafeTensors.save(cnn, FashionModels.smallCnn(new Rng(2)).stateDict());
        r = prune(cnn);
        assertNotEquals("0", r[0]);
        assertTrue(r[2].contains("--model " + cnn + ": holds cnn; prune works on an MLP with two hidden layers"), r[2]);
    }
}
