package dev.pare.nn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pare.nn.BatchNorm2d;
import dev.pare.nn.Conv2d;
import dev.pare.nn.Flatten;
import dev.pare.nn.KeyMap;
import dev.pare.nn.Linear;
import dev.pare.nn.LoadResult;
import dev.pare.nn.Module;
import dev.pare.nn.ReLU;
import dev.pare.nn.Sequential;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every safetensors dtype and two small PyTorch models, against files and values written by
 * PyTorch ({@code fixtures/make_io_fixtures.py}, run once with /usr/bin/python3; the build
 * never runs it). Expected values are torch's own conversions, never Pare's.
 */
class SafeTensorsDtypeFixtureTest {
    @TempDir
    Path dir;

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = SafeTensorsDtypeFixtureTest.class.getResourceAsStream("/fixtures/io/" + name)) {
            assertNotNull(in, "test resource fixtures/io/" + name);
            return in.readAllBytes();
        }
    }

    private static JsonNode json(String name) throws IOException {
        return new ObjectMapper().readTree(resource(name));
    }

    private Path file(String name) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, resource(name));
        return p;
    }

    private static float[] floats(JsonNode array) {
        float[] out = new float[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) array.get(i).doubleValue();
        }
        return out;
    }

    private static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).intValue();
        }
        return out;
    }

    // ---------------------------------------------------------------- one file per dtype

    @Test
    void everyFloatDtypeReadsAsTheFloat32ThatTorchConvertsItTo() throws IOException {
        JsonNode expected = json("dtype_expected.json");
        for (String dtype : new String[] {"F64", "F32", "F16", "BF16"}) {
            Checkpoint c = SafeTensors.read(file("dtype_" + dtype + ".safetensors"));
            for (Map.Entry<String, JsonNode> e : expected.get(dtype).properties()) {
                TensorEntry got = c.entry(e.getKey());
                String where = dtype + " tensor " + e.getKey();
                assertEquals(DType.F32, got.dtype(), where + " arrives as F32");
                assertArrayEquals(ints(e.getValue().get("shape")), got.shape(), where);
                int[] want = ints(e.getValue().get("f32_bits"));
                float[] values = got.tensor().toArray();
                for (int i = 0; i < want.length; i++) {
                    float w = Float.intBitsToFloat(want[i]);
                    if (Float.isNaN(w)) {
                        assertTrue(Float.isNaN(values[i]), where + " index " + i + " is NaN, got " + values[i]);
                    } else {
                        assertEquals(want[i], Float.floatToRawIntBits(values[i]),
                                where + " index " + i + ": torch says " + w + ", Pare read " + values[i]);
                    }
                }
            }
        }
    }

    @Test
    void everyIntegerDtypeKeepsItsValuesExactly() throws IOException {
        JsonNode expected = json("dtype_expected.json");
        for (String dtype : new String[] {"I64", "I32", "I16", "I8", "U8", "BOOL"}) {
            Checkpoint c = SafeTensors.read(file("dtype_" + dtype + ".safetensors"));
            for (Map.Entry<String, JsonNode> e : expected.get(dtype).properties()) {
                TensorEntry got = c.entry(e.getKey());
                String where = dtype + " tensor " + e.getKey();
                assertEquals(dtype, got.dtype().name(), where);
                JsonNode want = e.getValue().get("values");
                for (int i = 0; i < want.size(); i++) {
                    long w = want.get(i).longValue();
                    long v;
                    switch (got.dtype()) {
                        case I64: v = got.longs()[i]; break;
                        case I32: v = got.ints()[i]; break;
                        case I16: v = got.shorts()[i]; break;
                        case U8: v = got.bytes()[i] & 0xFF; break;
                        default: v = got.bytes()[i]; break; // I8 and BOOL (0 or 1)
                    }
                    assertEquals(w, v, where + " index " + i);
                }
            }
        }
    }

    @Test
    void loadTurnsSmallI64IntoFloatsAndRefusesOneBeyondTwoToThe24NamingTheTensor() throws IOException {
        Path p = file("dtype_I64.safetensors");
        SafeTensorsFormatException e = assertThrows(SafeTensorsFormatException.class, () -> SafeTensors.load(p));
        assertTrue(e.getMessage().contains("tensor \"big\"") && e.getMessage().contains("I64 value")
                && e.getMessage().contains("2^24"), e.getMessage());

        Checkpoint c = SafeTensors.read(p);
        assertArrayEquals(new float[] {-16777216f, -1f, 0f, 1f, 3f, 16777216f},
                c.entry("small").toFloatTensor().toArray(), 0f);
    }

    @Test
    void pareNarrowsToF16AndBf16BitForBitAsTorchDoes() throws IOException {
        JsonNode narrowing = json("dtype_expected.json").get("narrowing");
        int[] srcBits = ints(narrowing.get("f32_bits"));
        float[] src = new float[srcBits.length];
        for (int i = 0; i < src.length; i++) {
            src[i] = Float.intBitsToFloat(srcBits[i]);
        }
        for (DType t : new DType[] {DType.F16, DType.BF16}) {
            Checkpoint c = new Checkpoint().put("x", TensorEntry.of(Tensor.fromArray(src, src.length), t));
            byte[] file = SafeTensorsTestSupport.bytesOf(c);
            // The data buffer is the file's last 2·n bytes: one entry, no padding after it.
            ByteBuffer data = ByteBuffer.wrap(file, file.length - 2 * src.length, 2 * src.length)
                    .order(ByteOrder.LITTLE_ENDIAN);
            int[] want = ints(narrowing.get(t == DType.F16 ? "f16_bits" : "bf16_bits"));
            for (int i = 0; i < src.length; i++) {
                int got = data.getShort() & 0xFFFF;
                if (Float.isNaN(src[i])) {
                    // Which NaN is not specified: torch's own CPU paths differ (0x7FC0 scalar,
                    // 0xFFFF vectorised, for BF16). It must be a NaN: exponent all ones, mantissa not 0.
                    int expMask = t == DType.F16 ? 0x7C00 : 0x7F80;
                    assertTrue((got & expMask) == expMask && (got & ~0x8000 & ~expMask) != 0,
                            t + " of NaN is a NaN, got 0x" + Integer.toHexString(got));
                } else {
                    assertEquals(Integer.toHexString(want[i]), Integer.toHexString(got),
                            t + " of " + src[i] + " (index " + i + ")");
                }
            }
        }
    }

    // ---------------------------------------------------------------- models

    private static Tensor input(JsonNode io) {
        return Tensor.fromArray(floats(io.get("input")), ints(io.get("input_shape")));
    }

    private static void assertLogits(float[] want, Tensor got, double tolerance, String what) {
        float[] g = got.toArray();
        assertEquals(want.length, g.length, what);
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], g[i], tolerance, what + " logit " + i);
        }
    }

    /** PyTorch's nn.Sequential(Linear(12, 16), ReLU(), Linear(16, 4)): keys 0.* and 2.*. */
    private static Module torchShapedMlp() {
        Rng rng = new Rng(1);
        return new Sequential(new Linear(12, 16, rng), new ReLU(), new Linear(16, 4, rng));
    }

    @Test
    void mlpStoredInHalfPrecisionByTorchReproducesItsLogits() throws IOException {
        JsonNode io = json("mlp_io.json");
        for (String dt : new String[] {"f16", "bf16"}) {
            Module mlp = torchShapedMlp();
            mlp.loadStateDict(SafeTensors.load(file("mlp_" + dt + ".safetensors")), true);
            Tensor logits = mlp.forward(input(io));
            // Same rounded weights as torch's: only summation order differs.
            assertLogits(floats(io.get("logits_" + dt)), logits, 1e-4, dt + " weights vs torch with the same weights");
            // Against the float32 model the rounding of the weights shows.
            assertLogits(floats(io.get("logits_f32")), logits, 2e-3,
                    dt + " weights vs torch's float32 model");
        }
    }

    @Test
    void mlpSavedByPareAsF16OrBf16IsByteIdenticalToTorchsFile() throws IOException {
        for (DType t : new DType[] {DType.F16, DType.BF16}) {
            String name = "mlp_" + t.name().toLowerCase(java.util.Locale.ROOT) + ".safetensors";
            Module mlp = torchShapedMlp();
            mlp.loadStateDict(SafeTensors.load(file(name)), true);
            Path out = dir.resolve("pare_" + name);
            // Without checksums: PyTorch writes none, and byte identity is the point here.
            SafeTensors.write(out, Checkpoint.of(mlp.stateDict(), t), SafeTensors.Checksums.OFF);
            assertArrayEquals(resource(name), Files.readAllBytes(out), name + " written back by Pare as " + t);
        }
    }

    @Test
    void torchMlpLoadsIntoAModelWithALeadingFlattenThroughTheSuggestedKeyMap() throws IOException {
        JsonNode io = json("mlp_io.json");
        Map<String, Tensor> state = SafeTensors.load(file("mlp_bf16.safetensors"));
        Rng rng = new Rng(3);
        // As FashionModels.mlp builds it: the Flatten at index 0 moves every index by one.
        Module mlp = new Sequential(new Flatten(), new Linear(12, 16, rng), new ReLU(), new Linear(16, 4, rng));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> mlp.loadStateDict(state, true));
        assertTrue(e.getMessage().contains("try KeyMap.builder().shiftIndex(1).build()"), e.getMessage());

        LoadResult r = mlp.loadStateDict(state, true, KeyMap.builder().shiftIndex(1).build());
        assertEquals(4, r.renamedKeys().size(), r.toString());
        assertLogits(floats(io.get("logits_bf16")), mlp.forward(input(io)), 1e-4, "bf16 MLP behind a Flatten");
    }

    /** PyTorch's Conv2d(1,4,3,padding=1), BatchNorm2d(4), ReLU, Flatten, Linear(100, 3). */
    private static Module torchShapedBnCnn() {
        Rng rng = new Rng(2);
        return new Sequential(new Conv2d(1, 4, 3, 1, 1, rng), new BatchNorm2d(4), new ReLU(), new Flatten(),
                new Linear(4 * 5 * 5, 3, rng));
    }

    @Test
    void batchNormCnnFromTorchLoadsItsI64CounterAndReproducesItsLogits() throws IOException {
        JsonNode io = json("bn_cnn_io.json");
        Checkpoint c = SafeTensors.read(file("bn_cnn.safetensors"));
        assertEquals(DType.I64, c.entry("1.num_batches_tracked").dtype(), "torch stores the counter as int64");

        Module cnn = torchShapedBnCnn();
        cnn.loadStateDict(SafeTensors.load(file("bn_cnn.safetensors")), true);
        assertEquals((float) io.get("num_batches_tracked").intValue(),
                cnn.stateDict().get("1.num_batches_tracked").item(), 0f);
        cnn.eval();
        assertLogits(floats(io.get("logits")), cnn.forward(input(io)), 1e-4, "BatchNorm CNN in eval mode");
    }

    @Test
    void batchNormCnnSavedByPareIsByteIdenticalToTorchsFile() throws IOException {
        Module cnn = torchShapedBnCnn();
        cnn.loadStateDict(SafeTensors.load(file("bn_cnn.safetensors")), true);
        Path out = dir.resolve("pare_bn_cnn.safetensors");
        SafeTensors.write(out, Checkpoint.of(cnn.stateDict()), SafeTensors.Checksums.OFF);
        assertEquals(DType.I64, SafeTensors.read(out).entry("1.num_batches_tracked").dtype());
        assertArrayEquals(resource("bn_cnn.safetensors"), Files.readAllBytes(out),
                "Pare's save of a PyTorch state dict, num_batches_tracked back as I64");
    }
}
