package dev.pare.nn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pare.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Cross-checks with PyTorch. {@code fixtures/make_safetensors_fixture.py} wrote
 * {@code torch_written.safetensors} from torch tensors and recorded every value's exact bits in
 * {@code expected.json}; it also read {@code pare_written.safetensors} back with torch and found
 * the same tensors. These tests keep both directions true.
 *
 * <p>To regenerate {@code pare_written.safetensors} after an intended format change, run this
 * test with {@code -Dpare.fixtures.write=<path>}, then check it with the script's
 * {@code --check} mode.
 */
class SafeTensorsFixtureTest {
    private static byte[] resource(String name) throws IOException {
        try (InputStream in = SafeTensorsFixtureTest.class.getResourceAsStream("/fixtures/" + name)) {
            assertNotNull(in, "test resource fixtures/" + name);
            return in.readAllBytes();
        }
    }

    private static JsonNode expected() throws IOException {
        return new ObjectMapper().readTree(resource("expected.json"));
    }

    @Test
    void fileWrittenByPyTorchLoadsWithBitIdenticalValues() throws IOException {
        Checkpoint c = SafeTensorsTestSupport.readBytes(resource("torch_written.safetensors"), "torch_written.safetensors");
        JsonNode want = expected();
        assertEquals(want.get("metadata").size(), c.metadata().size());
        want.get("metadata").properties().forEach(e -> assertEquals(e.getValue().textValue(), c.metadata().get(e.getKey())));
        assertEquals(want.get("tensors").size(), c.entries().size());
        for (Map.Entry<String, JsonNode> e : want.get("tensors").properties()) {
            TensorEntry got = c.entry(e.getKey());
            JsonNode spec = e.getValue();
            assertEquals(spec.get("dtype").textValue(), got.dtype().name(), e.getKey());
            assertArrayEquals(ints(spec.get("shape")), got.shape(), e.getKey());
            int[] values = ints(spec.get("values"));
            switch (got.dtype()) {
                case F32: {
                    float[] f = got.tensor().toArray();
                    int[] bits = new int[f.length];
                    for (int i = 0; i < f.length; i++) {
                        bits[i] = Float.floatToRawIntBits(f[i]);
                    }
                    assertArrayEquals(values, bits, e.getKey());
                    break;
                }
                case I8: {
                    byte[] b = got.bytes();
                    int[] asInts = new int[b.length];
                    for (int i = 0; i < b.length; i++) {
                        asInts[i] = b[i];
                    }
                    assertArrayEquals(values, asInts, e.getKey());
                    break;
                }
                case I32:
                    assertArrayEquals(values, got.ints(), e.getKey());
                    break;
                default:
                    throw new AssertionError(got.dtype());
            }
        }
    }

    @Test
    void torchFileOrdersEntriesByTheirPlaceInTheDataBuffer() throws IOException {
        Checkpoint c = SafeTensorsTestSupport.readBytes(resource("torch_written.safetensors"), "torch_written.safetensors");
        // The script stores F32/I32 before I8, by name within a size, while its header is alphabetical.
        assertEquals(List.of("empty", "layers.0.bias", "layers.0.weight", "q.zero_point", "scalar", "special",
                "transposed", "q.weight"), List.copyOf(c.entries().keySet()));
    }

    @Test
    void pareWritesExactlyTheFileThatPyTorchChecked() throws IOException {
        byte[] written = SafeTensorsTestSupport.bytesOf(fromExpected());
        String target = System.getProperty("pare.fixtures.write");
        if (target != null) {
            Files.write(Path.of(target), written);
        }
        assertArrayEquals(resource("pare_written.safetensors"), written);
    }

    /** The fixture's tensors, built from the golden JSON alone (not from any file read by Pare). */
    private static Checkpoint fromExpected() throws IOException {
        JsonNode want = expected();
        Checkpoint c = new Checkpoint();
        want.get("metadata").properties().forEach(e -> c.putMetadata(e.getKey(), e.getValue().textValue()));
        for (Map.Entry<String, JsonNode> e : want.get("tensors").properties()) {
            int[] shape = ints(e.getValue().get("shape"));
            int[] values = ints(e.getValue().get("values"));
            switch (e.getValue().get("dtype").textValue()) {
                case "F32": {
                    float[] f = new float[values.length];
                    for (int i = 0; i < f.length; i++) {
                        f[i] = Float.intBitsToFloat(values[i]);
                    }
                    c.put(e.getKey(), Tensor.fromArray(f, shape));
                    break;
                }
                case "I8": {
                    byte[] b = new byte[values.length];
                    for (int i = 0; i < b.length; i++) {
                        b[i] = (byte) values[i];
                    }
                    c.put(e.getKey(), TensorEntry.ofBytes(b, shape));
                    break;
                }
                case "I32":
                    c.put(e.getKey(), TensorEntry.ofInts(values, shape));
                    break;
                default:
                    throw new AssertionError(e.getValue());
            }
        }
        return c;
    }

    private static int[] ints(JsonNode array) {
        List<Integer> out = new ArrayList<>();
        array.forEach(n -> out.add(n.intValue()));
        return out.stream().mapToInt(Integer::intValue).toArray();
    }
}
