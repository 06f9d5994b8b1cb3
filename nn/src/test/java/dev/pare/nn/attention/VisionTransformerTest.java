package dev.pare.nn.attention;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.nn.GradCheck;
import dev.pare.nn.Linear;
import dev.pare.nn.Module;
import dev.pare.tensor.GradMode;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The ViT's stages compose to its forward, its state dict has the twin's names, and the whole
 * model's gradients match finite differences. (Its logits against PyTorch's: samples'
 * TorchVitLoadingTest.)
 */
class VisionTransformerTest {

    /** A ViT small enough for finite differences: 4×4 images, 2×2 patches (4 tokens), d = 4. */
    private static ViTConfig tiny(ViTConfig.Pooling pooling) {
        return new ViTConfig(4, 1, 3, 2, 4, 2, 2, 2, 0.0, pooling);
    }

    @Test
    void stateDictKeysAreTheTwinsInOrder() {
        VisionTransformer vit = new VisionTransformer(ViTConfig.fashion(7, 16, 2, 4), new Rng(1));
        List<String> keys = new ArrayList<>(vit.stateDict().keySet());
        assertEquals(List.of("patch_embed.proj.weight", "patch_embed.proj.bias", "cls_token.token", "pos_embed.weight",
                "encoder.layers.0.self_attn.in_proj_weight"), keys.subList(0, 5));
        assertEquals(List.of("encoder.norm.weight", "encoder.norm.bias", "head.weight", "head.bias"),
                keys.subList(keys.size() - 4, keys.size()));
        assertEquals(4 + 2 * 12 + 4, keys.size());
        assertArrayEquals(new int[] {17, 16}, vit.stateDict().get("pos_embed.weight").shape());
        VisionTransformer mean = new VisionTransformer(ViTConfig.fashion(4, 16, 1, 4)
                .withPooling(ViTConfig.Pooling.MEAN), new Rng(1));
        assertNull(mean.classToken());
        assertTrue(!mean.stateDict().containsKey("cls_token.token"));
        assertArrayEquals(new int[] {49, 16}, mean.stateDict().get("pos_embed.weight").shape());
    }

    @Test
    @SuppressWarnings("try")
    void forwardIsHeadOfPoolOfEncoderOfEmbed() {
        for (ViTConfig.Pooling pooling : ViTConfig.Pooling.values()) {
            Rng rng = new Rng(2);
            VisionTransformer vit = new VisionTransformer(ViTConfig.fashion(7, 8, 2, 2).withPooling(pooling), rng);
            Tensor x = Tensor.randn(rng, 3, 1, 28, 28);
            try (GradMode.Scope ignored = Tensor.noGrad()) {
                Tensor tokens = vit.embed(x);
                assertArrayEquals(new int[] {3, vit.config().sequenceLength(), 8}, tokens.shape());
                Tensor h = tokens;
                for (int i = 0; i < vit.encoder().numLayers(); i++) {
                    h = vit.encoder().layer(i).forward(h);   // the hidden state after layer i
                }
                h = vit.encoder().norm().forward(h);
                Tensor expected = vit.head().forward(vit.pool(h));
                assertArrayEquals(expected.toArray(), vit.forward(x).toArray(), 0f, pooling.toString());
            }
        }
    }

    @Test
    @SuppressWarnings("try")
    void gradientsOfTheWholeModelMatchFiniteDifferences() {
        for (ViTConfig.Pooling pooling : ViTConfig.Pooling.values()) {
            Rng rng = new Rng(5);
            VisionTransformer vit = new VisionTransformer(tiny(pooling), rng);
            // Move the zero-initialised token and unit norms, so that their gradients are generic.
            for (Tensor p : vit.parameters()) {
                Tensor noise = Tensor.randn(rng, p.shape()).mul(0.3f);
                try (GradMode.Scope ignored = Tensor.noGrad()) {
                    p.copyFrom(p.add(noise));
                }
            }
            Tensor x = Tensor.randn(rng, 2, 1, 4, 4).requiresGrad(true);
            List<Tensor> checked = new ArrayList<>();
            checked.add(x);
            checked.addAll(vit.parameters());
            GradCheck.assertGradientsMatch("ViT " + pooling, in -> vit.forward(in[0]), checked.toArray(new Tensor[0]));
        }
    }

    @Test
    @SuppressWarnings("try")
    void aReplacedHeadIsUsedAtOnce() {
        Rng rng = new Rng(6);
        VisionTransformer vit = new VisionTransformer(ViTConfig.fashion(7, 8, 1, 2), rng);
        Linear other = new Linear(8, 10, rng);
        Module old = vit.replaceModule("head", other);
        assertTrue(old instanceof Linear);
        assertTrue(vit.head() == other);
        Tensor x = Tensor.randn(rng, 2, 1, 28, 28);
        try (GradMode.Scope ignored = Tensor.noGrad()) {
            Tensor h = vit.pool(vit.encoder().forward(vit.embed(x)));
            assertArrayEquals(other.forward(h).toArray(), vit.forward(x).toArray(), 0f);
        }
    }

    @Test
    void badConfigurationsAndInputsAreRefusedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ViTConfig.fashion(5, 64, 6, 4));
        assertTrue(e.getMessage().contains("patch size 5 must divide image size 28"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ViTConfig.fashion(7, 66, 6, 4));
        assertTrue(e.getMessage().contains("dim 66 must be divisible by heads 4"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ViTConfig.fashion(7, 64, 6, 4).withDropout(1.0));
        assertTrue(e.getMessage().contains("dropout must be in [0, 1)"), e.getMessage());
        VisionTransformer vit = new VisionTransformer(ViTConfig.fashion(7, 8, 1, 2), new Rng(1));
        e = assertThrows(IllegalArgumentException.class, () -> vit.forward(Tensor.zeros(2, 784)));
        assertTrue(e.getMessage().contains("[2, 784]") && e.getMessage().contains("[B, 1, 28, 28]"), e.getMessage());
    }
}
