package dev.pare.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pare.nn.LoadResult;
import dev.pare.nn.attention.ViTConfig;
import dev.pare.nn.attention.VisionTransformer;
import dev.pare.nn.io.SafeTensors;
import dev.pare.tensor.GradMode;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The state dict of FashionModels.vit's PyTorch twin ({@code torch_twins.ViT}) loads into Pare's
 * ViT strictly, with PyTorch's names, and gives PyTorch's logits within 1e-4. Fixtures from
 * {@code fixtures/torch-state/make_vit_fixtures.py}: one twin with a class token and 7×7 patches,
 * one with mean pooling and 4×4 patches.
 */
class TorchVitLoadingTest {

    private static JsonNode io() throws Exception {
        try (InputStream in = TorchVitLoadingTest.class.getResourceAsStream("/fixtures/torch-state/vit_io.json")) {
            return new ObjectMapper().readTree(in);
        }
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
    private static void assertLoadsAndMatches(String name, ViTConfig cfg) throws Exception {
        Map<String, Tensor> state = SafeTensors.load(
                Path.of(TorchVitLoadingTest.class.getResource("/fixtures/torch-state/" + name + "_f32.safetensors").toURI()));
        VisionTransformer vit = FashionModels.vit(new Rng(0), cfg);
        LoadResult r = vit.loadStateDict(state, true);
        assertTrue(r.isClean(), name + ": " + r);
        assertEquals(state.size(), vit.stateDict().size(), name + ": every tensor of the twin");
        JsonNode io = io();
        JsonNode torch = io.get(name + "_logits");
        float[] pare;
        try (GradMode.Scope ignored = Tensor.noGrad()) {
            pare = vit.eval().forward(images(io)).contiguous().toArray();
        }
        assertEquals(torch.size(), pare.length, name);
        for (int i = 0; i < pare.length; i++) {
            double t = torch.get(i).asDouble();
            if (Math.abs(t - pare[i]) > 1e-4 + 1e-4 * Math.abs(t)) {
                fail(name + ": logit " + i + ": PyTorch " + t + ", Pare " + pare[i]);
            }
        }
    }

    @Test
    void aClassTokenTwinLoadsWithPyTorchsNamesAndGivesItsLogits() throws Exception {
        assertLoadsAndMatches("vit_cls", ViTConfig.fashion(7, 16, 2, 4));
    }

    @Test
    void aMeanPoolingTwinWithFourByFourPatchesLoadsAndGivesItsLogits() throws Exception {
        assertLoadsAndMatches("vit_mean", new ViTConfig(28, 1, 10, 4, 12, 2, 3, 2, 0.0, ViTConfig.Pooling.MEAN));
    }
}
