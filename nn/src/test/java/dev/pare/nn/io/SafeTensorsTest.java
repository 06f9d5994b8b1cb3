package dev.pare.nn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsTest {
    @TempDir
    Path dir;

    private static Map<String, Tensor> mlpStateDict() {
        Rng rng = new Rng(7);
        Map<String, Tensor> sd = new LinkedHashMap<>();
        sd.put("layers.0.weight", Tensor.randn(rng, 4, 3));
        sd.put("layers.0.bias", Tensor.randn(rng, 4));
        sd.put("layers.2.weight", Tensor.randn(rng, 2, 4));
        sd.put("layers.2.bias", Tensor.randn(rng, 2));
        return sd;
    }

    @Test
    void stateDictRoundTripsWithItsOrderAndExactValues() throws IOException {
        Path p = dir.resolve("mlp.safetensors");
        Map<String, Tensor> sd = mlpStateDict();
        SafeTensors.save(p, sd);
        Map<String, Tensor> back = SafeTensors.load(p);
        assertEquals(List.copyOf(sd.keySet()), List.copyOf(back.keySet()));
        for (String k : sd.keySet()) {
            assertArrayEquals(sd.get(k).shape(), back.get(k).shape(), k);
            assertArrayEquals(sd.get(k).toArray(), back.get(k).toArray(), k);
        }
    }

    @Test
    void fileStartsWithTheHeaderLengthAndAnAlignedJsonHeader() throws IOException {
        Path p = dir.resolve("one.safetensors");
        SafeTensors.save(p, Map.of("w", Tensor.fromArray(new float[] {1f, -2f}, 2)), Map.of("arch", "tiny"));
        byte[] bytes = Files.readAllBytes(p);
        long n = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, n % 8, "header padded so the data buffer starts 8-aligned");
        String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
        // fletcher-4 of the words 1f = 0x3f800000 and -2f = 0xc0000000, by hand: a = w0 + w1,
        // b = 2·w0 + w1, c = 3·w0 + w1, d = 4·w0 + w1.
        String sum = "00000000ff800000:000000013f000000:000000017e800000:00000001be000000";
        assertEquals("{\"__metadata__\":{\"arch\":\"tiny\",\"pare.fletcher4\":\"" + sum + "\"},\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}",
                header.strip());
        assertEquals(8 + n + 8, bytes.length);
        ByteBuffer data = ByteBuffer.wrap(bytes, 8 + (int) n, 8).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(1f, data.getFloat());
        assertEquals(-2f, data.getFloat());
    }

    @Test
    void metadataRoundTrips() throws IOException {
        Path p = dir.resolve("meta.safetensors");
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("architecture", "mlp-784-256-10");
        meta.put("quantization", "int8 \"per-channel\" ✓");
        SafeTensors.save(p, mlpStateDict(), meta);
        assertEquals(meta, SafeTensors.read(p).metadata());
    }

    @Test
    void int8WeightsWithFloatScalesAndInt32ZeroPointsRoundTrip() throws IOException {
        byte[] q = {-128, -1, 0, 1, 127, 42};
        int[] zp = {Integer.MIN_VALUE, 0, Integer.MAX_VALUE};
        Checkpoint c = new Checkpoint()
                .put("fc.weight", TensorEntry.ofBytes(q, 2, 3))
                .put("fc.weight_scale", Tensor.fromArray(new float[] {0.5f, 0.25f}, 2, 1))
                .put("fc.zero_point", TensorEntry.ofInts(zp, 3))
                .putMetadata("quantization", "int8-per-channel");
        Path p = dir.resolve("q.safetensors");
        SafeTensors.write(p, c);
        Checkpoint back = SafeTensors.read(p);
        assertEquals(List.of("fc.weight", "fc.weight_scale", "fc.zero_point"), List.copyOf(back.entries().keySet()));
        assertEquals(DType.I8, back.entry("fc.weight").dtype());
        assertArrayEquals(q, back.entry("fc.weight").bytes());
        assertArrayEquals(new int[] {2, 3}, back.entry("fc.weight").shape());
        assertArrayEquals(zp, back.entry("fc.zero_point").ints());
        assertArrayEquals(new float[] {0.5f, 0.25f}, back.entry("fc.weight_scale").tensor().toArray());
        assertEquals("int8-per-channel", back.metadata().get("quantization"));
    }

    @Test
    void nonContiguousViewIsSavedInRowMajorOrder() throws IOException {
        Tensor t = Tensor.arange(6).view(2, 3).t(); // [[0,3],[1,4],[2,5]]
        Path p = dir.resolve("t.safetensors");
        SafeTensors.save(p, Map.of("t", t));
        Tensor back = SafeTensors.load(p).get("t");
        assertArrayEquals(new int[] {3, 2}, back.shape());
        assertArrayEquals(new float[] {0, 3, 1, 4, 2, 5}, back.toArray());
    }

    @Test
    void tensorThatRequiresGradIsSavedWithoutTouchingItsGraph() throws IOException {
        Tensor w = Tensor.ones(2, 2).requiresGrad(true);
        Path p = dir.resolve("g.safetensors");
        SafeTensors.save(p, Map.of("w", w));
        assertTrue(w.isLeaf());
        assertArrayEquals(new float[] {1, 1, 1, 1}, SafeTensors.load(p).get("w").toArray());
    }

    @Test
    void scalarAndEmptyTensorsRoundTrip() throws IOException {
        Map<String, Tensor> sd = new LinkedHashMap<>();
        sd.put("step", Tensor.scalar(3f));
        sd.put("nothing", Tensor.zeros(0, 7));
        sd.put("after", Tensor.fromArray(new float[] {9f}, 1));
        Path p = dir.resolve("edge.safetensors");
        SafeTensors.save(p, sd);
        Map<String, Tensor> back = SafeTensors.load(p);
        assertEquals(List.of("step", "nothing", "after"), List.copyOf(back.keySet()));
        assertArrayEquals(new int[0], back.get("step").shape());
        assertEquals(3f, back.get("step").item());
        assertArrayEquals(new int[] {0, 7}, back.get("nothing").shape());
        assertEquals(9f, back.get("after").item());
    }

    @Test
    void emptyCheckpointIsAValidFile() throws IOException {
        Path p = dir.resolve("empty.safetensors");
        SafeTensors.save(p, Map.of());
        assertTrue(SafeTensors.load(p).isEmpty());
    }

    @Test
    void largeTensorCrossesManyCopyChunks() throws IOException {
        Tensor big = Tensor.randn(new Rng(1), 300, 1000); // 1.2 MB: about 18 chunks of 64 KiB
        Path p = dir.resolve("big.safetensors");
        SafeTensors.save(p, Map.of("big", big));
        assertArrayEquals(big.toArray(), SafeTensors.load(p).get("big").toArray());
    }

    @Test
    void saveReplacesAnExistingFile() throws IOException {
        Path p = dir.resolve("ckpt.safetensors");
        SafeTensors.save(p, Map.of("w", Tensor.zeros(3)));
        SafeTensors.save(p, Map.of("v", Tensor.ones(2)));
        assertEquals(List.of("v"), List.copyOf(SafeTensors.load(p).keySet()));
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "no temporary file is left behind");
        }
    }

    @Test
    void reservedMetadataNameCannotBeATensor() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Checkpoint().put("__metadata__", Tensor.zeros(1)));
        assertTrue(e.getMessage().contains("reserved"), e.getMessage());
    }

    @Test
    void entryAccessorOfTheWrongTypeSaysWhichToUse() {
        TensorEntry e = TensorEntry.ofBytes(new byte[] {1}, 1);
        IllegalStateException ex = assertThrows(IllegalStateException.class, e::tensor);
        assertEquals("TensorEntry.tensor(): this entry holds I8 values of shape [1], not F32; use bytes() or toFloatTensor()",
                ex.getMessage());
    }

    @Test
    void entryWhoseValuesDoNotFillItsShapeIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TensorEntry.ofInts(new int[5], 2, 3));
        assertEquals("TensorEntry.ofInts: 5 values do not fill shape [2, 3] (6 elements)", e.getMessage());
    }

    @Test
    void integerEntriesConvertToFloatTensorsExactly() {
        assertArrayEquals(new float[] {-128f, 127f}, TensorEntry.ofBytes(new byte[] {-128, 127}, 2).toFloatTensor().toArray());
        assertArrayEquals(new float[] {-7f, 1 << 24}, TensorEntry.ofInts(new int[] {-7, 1 << 24}, 2).toFloatTensor().toArray());
    }

    @Test
    void missingEntryNamesTheOnesThatExist() {
        Checkpoint c = new Checkpoint().put("a", Tensor.zeros(1)).put("b", Tensor.zeros(1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.entry("c"));
        assertEquals("Checkpoint.entry: no entry \"c\"; the checkpoint holds [a, b]", e.getMessage());
    }
}
