package dev.pare.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pare.compress.prune.MagnitudePruner;
import dev.pare.compress.prune.Mask;
import dev.pare.compress.prune.SparseCheckpoint;
import dev.pare.compress.prune.SparseFormat;
import dev.pare.compress.prune.SparseLinear;
import dev.pare.compress.quantize.Granularity;
import dev.pare.compress.quantize.QuantizedCheckpoint;
import dev.pare.compress.quantize.Quantizer;
import dev.pare.compress.stack.CompressedCheckpoint;
import dev.pare.compress.stack.LowBitWeights;
import dev.pare.nn.Linear;
import dev.pare.nn.Module;
import dev.pare.nn.Sequential;
import dev.pare.nn.io.Checkpoint;
import dev.pare.nn.io.DType;
import dev.pare.nn.io.SafeTensors;
import dev.pare.nn.io.TensorEntry;
import dev.pare.tensor.GradMode;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Pare's exports, loaded by PyTorch: the same seeded models are saved in each of Pare's formats,
 * exported with {@code ./pare export}, and compared with what PyTorch made of the exports when
 * the fixture was written ({@code fixtures/export/make_export_fixtures.py} loads each into its
 * torch.nn twin with {@code load_state_dict(strict=True)} and runs fixed images).
 *
 * <p>Two checks per file. The export must hold exactly what PyTorch loaded (every tensor's name,
 * dtype, shape and two sums of its values), so a later change to the export cannot pass against
 * an old fixture. And PyTorch's logits must be Pare's, from the model as Pare runs it (sparse,
 * int8 weight-only, loaded from the stacked file), within 1e-4, or 2e-3 for an F16 or BF16 export.
 *
 * <p>The exports are written to {@code samples/target/torch-export/}; to remake the fixture after
 * a deliberate change, run this test, then {@code make_export_fixtures.py} (its docstring says how).
 */
class ExportTorchRoundTripTest {
    /** Where the exports go, for the fixture script to read. */
    static final Path DIR = Path.of("target", "torch-export");
    private static final float TOLERANCE = 1e-4f;
    private static final float HALF_TOLERANCE = 2e-3f;
    private static final List<String> MLP_WEIGHTS = List.of("1.weight", "3.weight", "5.weight");

    private static JsonNode fixture;
    /** The fixture's images, [N, 1, 28, 28]. */
    private static Tensor images;

    @BeforeAll
    static void makeDirectories() throws IOException {
        Files.createDirectories(DIR.resolve("sources"));
    }

    /**
     * The fixture, read on first use: the exports are written before it is needed, so that a
     * missing or stale fixture can be made from them.
     */
    private static synchronized JsonNode fixture() throws IOException {
        if (fixture != null) {
            return fixture;
        }
        try (InputStream in = ExportTorchRoundTripTest.class.getResourceAsStream("/fixtures/export/torch_logits.json")) {
            if (in == null) {
                throw new IllegalStateException("fixtures/export/torch_logits.json is not on the test class path");
            }
            fixture = new ObjectMapper().readTree(in);
        }
        JsonNode shape = fixture.get("images_shape");
        JsonNode codes = fixture.get("images_times_32");
        float[] x = new float[codes.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = codes.get(i).asInt() / 32f; // exact: small integers over a power of two
        }
        images = Tensor.fromArray(x, shape.get(0).asInt(), shape.get(1).asInt(), shape.get(2).asInt(), shape.get(3).asInt());
        return fixture;
    }

    /** A model of {@link FashionModels} in evaluation mode, its BatchNorm statistics moved away from 0 and 1 first. */
    @SuppressWarnings("try")
    private static Module withStatistics(Module m, long seed) {
        m.train();
        try (GradMode.Scope ignored = Tensor.noGrad()) {
            Rng rng = new Rng(seed);
            for (int i = 0; i < 2; i++) {
                m.forward(Tensor.randn(rng, 4, 1, 28, 28).mul(1.5f).add(0.3f));
            }
        }
        return m.eval();
    }

    /** Exports {@code source} with the command's arguments, then checks the export and the logits of {@code pare}. */
    private static void check(String name, Path source, Module pare, String... options) throws IOException {
        Path out = DIR.resolve(name + ".safetensors");
        List<String> args = new ArrayList<>(List.of(source.toString(), "--out", out.toString()));
        args.addAll(List.of(options));
        String[] r = CommandRun.run(new Export(), args.toArray(new String[0]));
        assertEquals("0", r[0], r[2] + r[1]);

        JsonNode want = fixture().get("models").get(name + ".safetensors");
        if (want == null) {
            fail(name + ".safetensors is not in the fixture; run make_export_fixtures.py (see its docstring)");
        }
        Checkpoint c = SafeTensors.read(out);
        List<String> keys = new ArrayList<>(c.entries().keySet());
        List<String> torchKeys = new ArrayList<>();
        want.get("tensors").fieldNames().forEachRemaining(torchKeys::add);
        assertEquals(torchKeys, keys, name + ": the export's names are not those PyTorch loaded strictly");
        boolean half = false;
        for (String key : keys) {
            TensorEntry e = c.entries().get(key);
            JsonNode t = want.get("tensors").get(key);
            String what = name + " " + key;
            assertEquals(t.get("dtype").asText(), fileDtype(out, key), what + ": dtype");
            assertEquals(t.get("shape").toString(), Arrays.toString(e.shape()).replace(" ", ""), what + ": shape");
            double[] v = values(e);
            double sum = 0;
            double weighted = 0;
            for (int i = 0; i < v.length; i++) {
                sum += v[i];
                weighted += v[i] * (i % 7 + 1);
            }
            // The fixture's sums are float64 over the same values: they differ only by summation order.
            assertEquals(t.get("sum").asDouble(), sum, 1e-9 * (1 + Math.abs(sum)) + 1e-9 * v.length, what + ": sum");
            assertEquals(t.get("weighted").asDouble(), weighted, 1e-8 * (1 + Math.abs(weighted)) + 1e-8 * v.length,
                    what + ": weighted sum (a transposed or permuted export changes it)");
            half |= t.get("dtype").asText().equals("F16") || t.get("dtype").asText().equals("BF16");
        }

        float[] logits;
        try (GradMode.Scope ignored = Tensor.noGrad()) {
            logits = pare.eval().forward(images).contiguous().toArray();
        }
        JsonNode torch = want.get("logits");
        assertEquals(torch.size(), logits.length, name + ": logits");
        float tol = half ? HALF_TOLERANCE : TOLERANCE;
        for (int i = 0; i < logits.length; i++) {
            float t = (float) torch.get(i).asDouble();
            if (Math.abs(t - logits[i]) > tol) {
                fail(name + ": logit " + i + " (image " + i / 10 + ", class " + i % 10 + "): PyTorch " + t + ", Pare "
                        + logits[i] + ", |difference| " + Math.abs(t - logits[i]) + " > " + tol);
            }
        }
    }

    /** The dtype of {@code key} as written in the file's header (a read widens F16/BF16 to F32 entries). */
    static String fileDtype(Path file, String key) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        long n = java.nio.ByteBuffer.wrap(bytes, 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
        JsonNode header = new ObjectMapper().readTree(new String(bytes, 8, (int) n, java.nio.charset.StandardCharsets.UTF_8));
        return header.get(key).get("dtype").asText();
    }

    private static double[] values(TensorEntry e) {
        if (e.dtype() == DType.I64) {
            return Arrays.stream(e.longs()).asDoubleStream().toArray();
        }
        float[] f = e.tensor().contiguous().toArray();
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    private static Path saveDense(String name, Module m, String arch) throws IOException {
        Path file = DIR.resolve("sources").resolve(name + ".safetensors");
        SafeTensors.save(file, m.stateDict(), Map.of("architecture", arch, "seed", "16"));
        return file;
    }

    private static Sequential mlp(long seed) {
        return FashionModels.mlp(new Rng(seed), 32, 16);
    }

    @Test
    void aDenseMlpLoadsIntoPyTorchsPlainSequentialAndComputesTheSameLogits() throws IOException {
        Sequential m = mlp(16);
        check("mlp-plain-f32", saveDense("mlp", m, "mlp-784-32-16-10"), m);
    }

    @Test
    void withFlattenNamesInBf16ItLoadsIntoTheSequentialThatStartsWithFlatten() throws IOException {
        Sequential m = mlp(16);
        check("mlp-flatten-bf16", saveDense("mlp", m, "mlp-784-32-16-10"), m, "--mlp-names", "flatten", "--dtype", "BF16");
    }

    @Test
    void aPrunedMlpIsWrittenDenseWithItsZeros() throws IOException {
        Sequential m = mlp(17);
        MagnitudePruner.pruneGlobal(m, MLP_WEIGHTS, 0.8);
        for (String p : List.of("1", "3", "5")) {
            m.replaceModule(p, SparseLinear.fromLinear((Linear) m.getModule(p), SparseFormat.CSR));
        }
        Path file = DIR.resolve("sources/mlp-pruned.safetensors");
        SparseCheckpoint.save(file, m, Map.of("architecture", "mlp"));
        check("mlp-pruned-f16", file, m, "--dtype", "F16");
    }

    @Test
    void anInt8MlpIsWrittenDequantized() throws IOException {
        Module q = Quantizer.weightOnly(mlp(18), Granularity.PER_CHANNEL);
        Path file = DIR.resolve("sources/mlp-int8.safetensors");
        QuantizedCheckpoint.save(file, q);
        check("mlp-int8-f32", file, q);
    }

    @Test
    void theStackedFileOfPrunedFourBitCodesIsWrittenDequantized() throws IOException {
        Sequential pruned = mlp(19);
        MagnitudePruner.pruneGlobal(pruned, MLP_WEIGHTS, 0.8);
        Mask.removeAll(pruned);
        Sequential copy = mlp(0);
        copy.loadStateDict(pruned.stateDict(), true);
        Module q = LowBitWeights.requantizeAll(Quantizer.weightOnly(copy, Granularity.PER_CHANNEL), pruned, 4);
        Path file = DIR.resolve("sources/mlp-stacked.safetensors");
        CompressedCheckpoint.save(file, q, 4, Map.of("architecture", "mlp-784-32-16-10"));
        // Pare's side is the model as a user gets it: loaded from the compressed file.
        check("mlp-stacked-f32", file, CompressedCheckpoint.load(file, mlp(0)));
    }

    @Test
    void theSmallCnnWithItsBatchNormStatisticsLoadsAsItIs() throws IOException {
        Module m = withStatistics(FashionModels.smallCnn(new Rng(20)), 21);
        check("cnn-f32", saveDense("cnn", m, "cnn"), m);
    }

    @Test
    void anInt8SmallCnnHasItsFiltersDequantizedPerOutputChannel() throws IOException {
        Module q = Quantizer.weightOnly(withStatistics(FashionModels.smallCnn(new Rng(22)), 23), Granularity.PER_CHANNEL);
        Path file = DIR.resolve("sources/cnn-int8.safetensors");
        QuantizedCheckpoint.save(file, q);
        check("cnn-int8-f32", file, q);
    }

    @Test
    void mobileNetInBf16LoadsWithItsDepthwiseConvolutionsAndCounters() throws IOException {
        Module m = withStatistics(FashionModels.mobileNet(new Rng(24)), 25);
        check("mobilenet-bf16", saveDense("mobilenet", m, "mobilenet"), m, "--dtype", "BF16");
    }

    @Test
    void everyModelOfTheFixtureIsChecked() throws IOException {
        fixture();
        // A model left in the fixture but no longer exported would be a check that silently stopped.
        List<String> names = new ArrayList<>();
        for (Iterator<String> it = fixture.get("models").fieldNames(); it.hasNext(); ) {
            names.add(it.next());
        }
        assertEquals(List.of("cnn-f32.safetensors", "cnn-int8-f32.safetensors", "mlp-flatten-bf16.safetensors",
                "mlp-int8-f32.safetensors", "mlp-plain-f32.safetensors", "mlp-pruned-f16.safetensors",
                "mlp-stacked-f32.safetensors", "mobilenet-bf16.safetensors"), names);
        assertTrue(images.size(0) >= 2, "at least two images, so that a batch mix-up shows");
    }
}
