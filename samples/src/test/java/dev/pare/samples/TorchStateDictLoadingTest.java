package dev.pare.samples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pare.nn.LoadResult;
import dev.pare.nn.Module;
import dev.pare.nn.io.Checkpoint;
import dev.pare.nn.io.DType;
import dev.pare.nn.io.SafeTensors;
import dev.pare.nn.io.TensorEntry;
import dev.pare.tensor.GradMode;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PyTorch's state dicts of FashionModels' twins, as a PyTorch user writes the twins, load into
 * FashionModels: the MLP through {@link FashionModels#TORCH_MLP_KEYS}, the CNNs as they are.
 * Fixtures from {@code fixtures/torch-state/make_torch_state_fixtures.py}.
 */
class TorchStateDictLoadingTest {
    @TempDir
    Path dir;

    private static JsonNode json(String name) throws IOException {
        try (InputStream in = TorchStateDictLoadingTest.class.getResourceAsStream("/fixtures/torch-state/" + name)) {
            if (in == null) {
                throw new IllegalStateException("fixtures/torch-state/" + name + " is not on the test class path");
            }
            return new ObjectMapper().readTree(in);
        }
    }

    private static Path resource(String name) throws URISyntaxException {
        return Path.of(TorchStateDictLoadingTest.class.getResource("/fixtures/torch-state/" + name).toURI());
    }

    private static Tensor images(JsonNode io) {
        JsonNode s = io.get("images_shape");
        JsonNode codes = io.get("images_times_32");
        float[] x = new float[codes.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = codes.get(i).asInt() / 32f;
        }
        return Tensor.fromArray(x, s.get(0).asInt(), s.get(1).asInt(), s.get(2).asInt(), s.get(3).asInt());
    }

    @SuppressWarnings("try")
    private static void assertLogits(String what, JsonNode torch, Module m, Tensor x) {
        float[] pare;
        try (GradMode.Scope ignored = Tensor.noGrad()) {
            pare = m.eval().forward(x).contiguous().toArray();
        }
        assertEquals(torch.size(), pare.length, what);
        for (int i = 0; i < pare.length; i++) {
            float t = (float) torch.get(i).asDouble();
            if (Math.abs(t - pare[i]) > 1e-4f) {
                fail(what + ": logit " + i + ": PyTorch " + t + ", Pare " + pare[i]);
            }
        }
    }

    @Test
    void aPlainPyTorchMlpLoadsThroughTorchMlpKeysAndComputesPyTorchsLogits() throws Exception {
        Map<String, Tensor> state = SafeTensors.load(resource("mlp_plain_f16.safetensors"));
        Module mlp = FashionModels.mlp(new Rng(0), 6, 5);
        LoadResult r = mlp.loadStateDict(state, true, FashionModels.TORCH_MLP_KEYS);
        assertTrue(r.isClean(), r.toString());
        assertEquals(Map.of("0.weight", "1.weight", "0.bias", "1.bias", "2.weight", "3.weight", "2.bias", "3.bias",
                "4.weight", "5.weight", "4.bias", "5.bias"), r.renamedKeys());
        JsonNode io = json("torch_state_io.json");
        // The MLP flattens its input itself: PyTorch's twin took images.flatten(1), Pare takes the images.
        assertLogits("mlp", io.get("mlp_plain_logits"), mlp, images(io));
    }

    @Test
    void withoutTheMapTheLoadFailsAndProposesTheShift() throws Exception {
        Map<String, Tensor> state = SafeTensors.load(resource("mlp_plain_f16.safetensors"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FashionModels.mlp(new Rng(0), 6, 5).loadStateDict(state, true));
        assertTrue(e.getMessage().contains("the module's 0 is Flatten"), e.getMessage());
        assertTrue(e.getMessage().contains("try KeyMap.builder().shiftIndex(1).build()"), e.getMessage());
    }

    @Test
    void mobileNetsStateDictLoadsAsItIsWithItsCounterAndComputesPyTorchsLogits() throws Exception {
        Map<String, Tensor> state = SafeTensors.load(resource("mobilenet_f16.safetensors"));
        Module m = FashionModels.mobileNet(new Rng(0));
        assertTrue(m.loadStateDict(state, true).isClean());
        JsonNode io = json("torch_state_io.json");
        assertEquals(io.get("mobilenet_num_batches_tracked").asInt(), (int) m.stateDict().get("1.num_batches_tracked").item());
        assertLogits("mobilenet", io.get("mobilenet_logits"), m, images(io));
    }

    /**
     * The small CNN's weights would make a 1.7 MB fixture, so the script records only what a load
     * checks: each key's dtype and shape. A file with exactly those, written as PyTorch's dtypes,
     * must load into each FashionModels architecture strictly (the plain MLP through the map).
     */
    @Test
    void everyTwinsNamesDtypesAndShapesLoadIntoFashionModels() throws Exception {
        JsonNode names = json("names.json");
        Map<String, Module> models = Map.of("mlp_plain", FashionModels.mlp(new Rng(0), 6, 5),
                "mlp_flatten", FashionModels.mlp(new Rng(0)), "small_cnn", FashionModels.smallCnn(new Rng(0)),
                "mobilenet", FashionModels.mobileNet(new Rng(0)));
        List<String> seen = new ArrayList<>();
        for (var it = names.fields(); it.hasNext(); ) {
            var twin = it.next();
            Checkpoint c = new Checkpoint();
            for (JsonNode entry : twin.getValue()) {
                int[] shape = new int[entry.get(2).size()];
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = entry.get(2).get(i).asInt();
                }
                String dtype = entry.get(1).asText();
                int n = 1;
                for (int d : shape) {
                    n *= d;
                }
                c.put(entry.get(0).asText(), dtype.equals("I64") ? TensorEntry.ofLongs(new long[n], shape)
                        : TensorEntry.of(Tensor.zeros(shape), DType.valueOf(dtype)));
            }
            Path file = dir.resolve(twin.getKey() + ".safetensors");
            SafeTensors.write(file, c);
            Module m = models.get(twin.getKey());
            LoadResult r = twin.getKey().equals("mlp_plain")
                    ? m.loadStateDict(SafeTensors.load(file), true, FashionModels.TORCH_MLP_KEYS)
                    : m.loadStateDict(SafeTensors.load(file), true);
            assertTrue(r.isClean(), twin.getKey() + ": " + r);
            assertEquals(c.entries().size(), m.stateDict().size(), twin.getKey() + ": every tensor of the module");
            seen.add(twin.getKey());
        }
        assertEquals(List.of("mlp_plain", "mlp_flatten", "small_cnn", "mobilenet"), seen);
        assertArrayEquals(new int[] {128, 3136}, models.get("small_cnn").stateDict().get("9.weight").shape());
    }
}
