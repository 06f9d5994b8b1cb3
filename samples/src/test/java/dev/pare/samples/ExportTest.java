package dev.pare.samples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.compress.prune.BlockPruner;
import dev.pare.compress.prune.Mask;
import dev.pare.compress.prune.SparseCheckpoint;
import dev.pare.compress.prune.SparseFormat;
import dev.pare.compress.prune.SparseLinear;
import dev.pare.compress.quantize.Granularity;
import dev.pare.compress.quantize.MinMaxObserver;
import dev.pare.compress.quantize.QuantizedCheckpoint;
import dev.pare.compress.quantize.QuantizedLinear;
import dev.pare.compress.quantize.Quantizer;
import dev.pare.nn.Linear;
import dev.pare.nn.Module;
import dev.pare.nn.Sequential;
import dev.pare.nn.data.DataLoader;
import dev.pare.nn.data.TensorDataset;
import dev.pare.nn.io.Checkpoint;
import dev.pare.nn.io.SafeTensors;
import dev.pare.tensor.GradMode;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./pare export}: what it writes besides the tensors PyTorch checks, and how it refuses. */
class ExportTest {
    @TempDir
    Path dir;

    private static String[] run(String... args) {
        return CommandRun.run(new Export(), args);
    }

    private Path denseMlp(String name, long seed, int... hidden) throws Exception {
        Path file = dir.resolve(name);
        SafeTensors.save(file, FashionModels.mlp(new Rng(seed), hidden).stateDict(),
                Map.of("architecture", "mlp", "test_accuracy", "0.8123"));
        return file;
    }

    @Test
    void helpNamesEveryOptionAndWhatItReads() {
        String[] r = run("--help");
        assertEquals("0", r[0], r[2]);
        for (String s : new String[] {"MODEL", "--out", "--dtype", "F16", "BF16", "--mlp-names", "plain", "flatten",
                "load_state_dict", "pruned", "int8", "stacked", "MobileNet", "SHA-256"}) {
            assertTrue(r[1].contains(s), s + " missing from\n" + r[1]);
        }
        assertTrue(CommandRun.run(new Pare(), "--help")[1].contains("export"), "registered in ./pare");
    }

    @Test
    void theDefaultOutputSitsBesideTheModelAndTheReportShowsThePyTorchLines() throws Exception {
        Path model = denseMlp("mlp.safetensors", 1, 8);
        String[] r = run(model.toString());
        assertEquals("0", r[0], r[2]);
        Path out = dir.resolve("mlp.torch.safetensors");
        assertTrue(Files.isRegularFile(out), r[1]);
        assertTrue(r[1].contains("model = nn.Sequential(nn.Linear(784, 8), nn.ReLU(), nn.Linear(8, 10))"), r[1]);
        assertTrue(r[1].contains("load_file(\"mlp.torch.safetensors\"), strict=True)"), r[1]);
        assertTrue(r[1].contains("images.flatten(1)"), r[1]);
        Checkpoint c = SafeTensors.read(out);
        assertEquals(List.of("0.weight", "0.bias", "2.weight", "2.bias"), List.copyOf(c.entries().keySet()));
        Map<String, String> meta = c.metadata();
        assertEquals("pt", meta.get("format"));
        assertEquals("mlp.safetensors", meta.get("pare.source"));
        assertEquals(64, meta.get("pare.source_sha256").length());
        assertEquals("dense float", meta.get("pare.source_format"));
        assertEquals("mlp-784-8-10", meta.get("pare.architecture"));
        assertEquals("0.8123", meta.get("source.test_accuracy"), "the source's own metadata comes along");
    }

    @Test
    void aStaticInt8ModelIsWrittenAsScaleTimesCodeAndTheDroppedActivationParametersAreNamed() throws Exception {
        Sequential mlp = FashionModels.mlp(new Rng(2), 12);
        Module prepared = Quantizer.prepareStatic(mlp, MinMaxObserver::new);
        Rng rng = new Rng(3);
        TensorDataset calibration = new TensorDataset(Tensor.randn(rng, 32, 1, 28, 28), new int[32]);
        Quantizer.calibrate(prepared, DataLoader.builder(calibration).batchSize(16).build(), 2);
        Module q = Quantizer.convertStatic(prepared, Granularity.PER_CHANNEL);
        Path file = dir.resolve("int8.safetensors");
        QuantizedCheckpoint.save(file, q);

        String[] r = run(file.toString());
        assertEquals("0", r[0], r[2]);
        Checkpoint c = SafeTensors.read(dir.resolve("int8.torch.safetensors"));
        // The oracle: each code times its row's scale, one float product, computed here.
        for (String[] layer : new String[][] {{"1", "0"}, {"3", "2"}}) {
            QuantizedLinear ql = (QuantizedLinear) q.getModule(layer[0]);
            byte[] codes = ql.weightCodes();
            float[] want = new float[codes.length];
            for (int i = 0; i < codes.length; i++) {
                want[i] = codes[i] * ql.weightScales()[i / ql.inFeatures()];
            }
            assertArrayEquals(want, c.entry(layer[1] + ".weight").tensor().contiguous().toArray(), 0f, layer[1]);
            assertArrayEquals(ql.bias(), c.entry(layer[1] + ".bias").tensor().contiguous().toArray(), 0f, layer[1]);
        }
        assertEquals(4, c.entries().size(), "no input_scale or input_zero_point: " + c.entries().keySet());
        assertTrue(c.metadata().get("pare.dropped").contains("layers 0, 2 "), c.metadata().toString());
        assertTrue(r[1].contains("dropped input_scale and input_zero_point"), r[1]);
        assertTrue(c.metadata().get("pare.source_format").contains("static-per-channel-int8"), c.metadata().toString());
        assertTrue(c.metadata().get("pare.weights").startsWith("dequantized"), c.metadata().toString());
    }

    @Test
    @SuppressWarnings("try")
    void inHalfPrecisionBatchNormStatisticsStayF32AndTheCounterI64() throws Exception {
        Module cnn = FashionModels.mobileNet(new Rng(4));
        cnn.train();
        try (GradMode.Scope ignored = Tensor.noGrad()) {
            for (int i = 0; i < 3; i++) {
                cnn.forward(Tensor.randn(new Rng(5 + i), 2, 1, 28, 28));
            }
        }
        Path file = dir.resolve("mobilenet.safetensors");
        SafeTensors.save(file, cnn.stateDict(), Map.of("architecture", "mobilenet"));
        Path out = dir.resolve("m16.safetensors");
        String[] r = run(file.toString(), "--dtype", "f16", "-o", out.toString());
        assertEquals("0", r[0], r[2]);
        assertEquals("F16", ExportTorchRoundTripTest.fileDtype(out, "0.weight"));
        assertEquals("F16", ExportTorchRoundTripTest.fileDtype(out, "1.weight"));
        assertEquals("F32", ExportTorchRoundTripTest.fileDtype(out, "1.running_mean"));
        assertEquals("F32", ExportTorchRoundTripTest.fileDtype(out, "3.4.running_var"));
        assertEquals("I64", ExportTorchRoundTripTest.fileDtype(out, "3.4.num_batches_tracked"));
        assertArrayEquals(new long[] {3}, SafeTensors.read(out).entry("3.4.num_batches_tracked").longs());
        assertArrayEquals(cnn.stateDict().get("3.4.running_var").toArray(),
                SafeTensors.read(out).entry("3.4.running_var").tensor().toArray(), 0f, "exact in F32");
    }

    @Test
    void aMaskedDenseFileIsWrittenWithItsMaskBakedIn() throws Exception {
        Sequential mlp = FashionModels.mlp(new Rng(6), 4);
        Linear first = (Linear) mlp.getModule("1");
        float[] mask = new float[4 * 784];
        for (int i = 0; i < mask.length; i += 3) {
            mask[i] = 1;
        }
        Mask.apply(first, "weight", Tensor.fromArray(mask, 4, 784));
        Path file = dir.resolve("masked.safetensors");
        SafeTensors.save(file, mlp.stateDict());
        assertTrue(SafeTensors.read(file).entries().containsKey("1.weight_orig"));

        String[] r = run(file.toString(), "--mlp-names", "FLATTEN");
        assertEquals("0", r[0], r[2]);
        float[] want = Mask.effective(first, "weight").toArray();
        assertArrayEquals(want, SafeTensors.read(dir.resolve("masked.torch.safetensors")).entry("1.weight").tensor().toArray(), 0f);
    }

    @Test
    void aMissingFileOrOneThatIsNotSafetensorsIsNamedWithoutAStackTrace() throws Exception {
        String[] r = run(dir.resolve("nope.safetensors").toString());
        assertEquals("1", r[0]);
        assertTrue(r[2].startsWith("export: ") && r[2].contains("nope.safetensors: no such file"), r[2]);

        Path junk = dir.resolve("junk.safetensors");
        Files.write(junk, new byte[] {1, 2, 3});
        r = run(junk.toString());
        assertEquals("1", r[0]);
        assertTrue(r[2].contains("junk.safetensors") && r[2].contains("too short"), r[2]);
        assertFalse(r[2].contains("\tat "), "no stack trace: " + r[2]);

        r = run(dir.toString());
        assertTrue(r[2].contains("is a directory, not a model file"), r[2]);
    }

    @Test
    void aDamagedFileFailsItsChecksumNamingTheTensor() throws Exception {
        Path model = denseMlp("damaged.safetensors", 16, 4);
        byte[] b = Files.readAllBytes(model);
        b[b.length - 3] ^= 0x10; // inside the last tensor, 3.bias
        Files.write(model, b);
        String[] r = run(model.toString());
        assertEquals("1", r[0]);
        assertTrue(r[2].contains("damaged.safetensors: tensor \"3.bias\"") && r[2].contains("fails its fletcher-4 check"), r[2]);
        assertFalse(Files.exists(dir.resolve("damaged.torch.safetensors")));
    }

    @Test
    void aFileOfAnotherArchitectureIsRefusedNamingItsLayers() throws Exception {
        Path other = dir.resolve("other.safetensors");
        SafeTensors.save(other, new Sequential(new Linear(784, 5, new Rng(7)), new Linear(5, 10, new Rng(8))).stateDict());
        String[] r = run(other.toString());
        assertEquals("1", r[0]);
        assertTrue(r[2].contains("other.safetensors") && r[2].contains("not an MLP of FashionModels")
                && r[2].contains("0=[5, 784]"), r[2]);

        Path lying = dir.resolve("lying.safetensors");
        SafeTensors.save(lying, FashionModels.mlp(new Rng(9), 4).stateDict(), Map.of("architecture", "cnn"));
        r = run(lying.toString());
        assertEquals("1", r[0]);
        assertTrue(r[2].contains("metadata 'architecture' is 'cnn' but its weights are those of mlp-784-4-10"), r[2]);
    }

    @Test
    void anMlpWhoseMetadataNamesOtherWidthsOrAnExportItselfIsRefused() throws Exception {
        Path wrong = dir.resolve("wrong.safetensors");
        SafeTensors.save(wrong, FashionModels.mlp(new Rng(13), 4).stateDict(), Map.of("architecture", "mlp-784-53-10"));
        String[] r = run(wrong.toString());
        assertEquals("1", r[0]);
        assertTrue(r[2].contains("'mlp-784-53-10' but its weights are those of mlp-784-4-10"), r[2]);

        Path model = denseMlp("mlp.safetensors", 14, 4);
        assertEquals("0", run(model.toString())[0]);
        r = run(dir.resolve("mlp.torch.safetensors").toString(), "--out", dir.resolve("again.safetensors").toString());
        assertEquals("1", r[0]);
        assertTrue(r[2].contains("is already a PyTorch export (of mlp.safetensors)"), r[2]);
    }

    @Test
    void aBlockSparseFileIsWrittenWithTheBlocksItKeeps() throws Exception {
        Sequential mlp = FashionModels.mlp(new Rng(15), 32);
        BlockPruner.prune(mlp, "1.weight", 0.75, 16);
        float[] want = Mask.effective(mlp.getModule("1"), "weight").toArray();
        mlp.replaceModule("1", SparseLinear.fromLinear((Linear) mlp.getModule("1"), SparseFormat.BLOCK_16));
        Path file = dir.resolve("block.safetensors");
        SparseCheckpoint.save(file, mlp, Map.of("architecture", "mlp"));
        assertTrue(SafeTensors.read(file).entries().containsKey("1.weight.bcsr_values"));
        String[] r = run(file.toString());
        assertEquals("0", r[0], r[2]);
        assertArrayEquals(want, SafeTensors.read(dir.resolve("block.torch.safetensors")).entry("0.weight").tensor().toArray(), 0f);
    }

    @Test
    void aFailedExportLeavesAnExistingOutputAsItWas() throws Exception {
        Path out = dir.resolve("keep.safetensors");
        Files.writeString(out, "an earlier export");
        Path bad = dir.resolve("bad.safetensors");
        Checkpoint c = Checkpoint.of(FashionModels.mlp(new Rng(10), 4).stateDict());
        c.put("3.weight", Tensor.zeros(10, 5)); // the last layer no longer takes the hidden layer's 4 outputs
        SafeTensors.write(bad, c);
        String[] r = run(bad.toString(), "--out", out.toString());
        assertEquals("1", r[0]);
        assertTrue(r[2].contains("layer '3' is the first that differs"), r[2]);
        assertEquals("an earlier export", Files.readString(out));
    }

    @Test
    void badOptionsAndAnOutputThatIsTheModelItselfAreRefused() throws Exception {
        Path model = denseMlp("mlp.safetensors", 11, 4);
        byte[] before = Files.readAllBytes(model);
        String[] r = run(model.toString(), "--out", model.toString());
        assertEquals("1", r[0]);
        assertTrue(r[2].contains("--out names the model file itself"), r[2]);
        assertArrayEquals(before, Files.readAllBytes(model));

        r = run(model.toString(), "--dtype", "int8");
        assertTrue(r[2].contains("--dtype int8: expected F32, F16 or BF16"), r[2]);
        r = run(model.toString(), "--mlp-names", "torch");
        assertTrue(r[2].contains("--mlp-names torch: expected plain or flatten"), r[2]);
        r = run(model.toString(), "--out", dir.resolve("no/such/dir/x.safetensors").toString());
        assertTrue(r[2].contains("does not exist"), r[2]);
    }

    @Test
    void f16RefusesAWeightBeyondItsRangeNamingTheTensor() throws Exception {
        Sequential mlp = FashionModels.mlp(new Rng(12), 4);
        try (GradMode.Scope ignored = Tensor.noGrad()) {
            ((Linear) mlp.getModule("3")).bias().copyFrom(Tensor.full(1e5f, 10));
        }
        Path file = dir.resolve("big.safetensors");
        SafeTensors.save(file, mlp.stateDict());
        String[] r = run(file.toString(), "--dtype", "F16");
        assertEquals("1", r[0]);
        assertTrue(r[2].contains("tensor \"2.bias\" holds 100000.0") && r[2].contains("BF16"), r[2]);
        assertEquals("0", run(file.toString(), "--dtype", "BF16")[0]);
    }
}
