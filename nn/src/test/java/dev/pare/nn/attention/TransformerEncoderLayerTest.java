package dev.pare.nn.attention;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.nn.GradCheck;
import dev.pare.nn.LayerNorm;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The encoder layer and stack beyond the PyTorch fixtures: names, dropout, gradients, errors. */
class TransformerEncoderLayerTest {

    @Test
    void stateDictKeysAreTorchsInTorchsOrder() {
        TransformerEncoderLayer layer = new TransformerEncoderLayer(8, 2, 16, 0.1, new Rng(1));
        // The list printed by torch 1.13 for nn.TransformerEncoderLayer(8, 2, 16).state_dict().
        assertEquals(List.of("self_attn.in_proj_weight", "self_attn.in_proj_bias", "self_attn.out_proj.weight",
                "self_attn.out_proj.bias", "linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias",
                "norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias"), List.copyOf(layer.stateDict().keySet()));
        TransformerEncoder enc = new TransformerEncoder(2, i -> new TransformerEncoderLayer(8, 2, 16, 0.1, new Rng(i)),
                new LayerNorm(8));
        List<String> keys = List.copyOf(enc.stateDict().keySet());
        assertEquals("layers.0.self_attn.in_proj_weight", keys.get(0));
        assertEquals("layers.1.self_attn.in_proj_weight", keys.get(12));
        assertEquals(List.of("norm.weight", "norm.bias"), keys.subList(24, 26));
    }

    @Test
    void trainingDropoutIsSeededAndEvaluationIsDeterministic() {
        Tensor x = Tensor.randn(new Rng(5), 2, 4, 8);
        TransformerEncoderLayer a = new TransformerEncoderLayer(8, 2, 16, 0.3, Activation.GELU, 1e-5, true, new Rng(7));
        TransformerEncoderLayer b = new TransformerEncoderLayer(8, 2, 16, 0.3, Activation.GELU, 1e-5, true, new Rng(7));
        Tensor ya = a.forward(x);
        assertArrayEquals(ya.toArray(), b.forward(x).toArray(), 0f, "same seed, same weights and masks");
        assertFalse(java.util.Arrays.equals(ya.toArray(), a.forward(x).toArray()), "fresh masks each call");
        a.eval();
        assertArrayEquals(a.forward(x).toArray(), a.forward(x).toArray(), 0f);
    }

    @Test
    void gradientsMatchCentralDifferencesForBothNormPlacements() {
        for (boolean normFirst : new boolean[] {false, true}) {
            Rng rng = new Rng(normFirst ? 31 : 30);
            TransformerEncoderLayer layer = new TransformerEncoderLayer(4, 2, 6, 0.0, Activation.GELU, 1e-5,
                    normFirst, rng);
            Tensor x = Tensor.randn(rng, 2, 3, 4).requiresGrad(true);
            // A LayerNorm over 4 features is strongly curved, so ε = 1e-2 leaves a truncation error
            // (∝ ε²) near the usual tolerance; ε = 3e-3 cuts it tenfold while the float rounding
            // of the forward pass (∝ 1/ε) stays below 1e-3.
            GradCheck.assertGradientsMatch("encoder layer, norm_first=" + normFirst,
                    in -> layer.forward(in[0], AttentionMask.causal(3), null), 3e-3, 1e-3, 5e-3, x,
                    layer.selfAttn().inProjWeight(), layer.linear1().weight(), layer.norm1().weight());
        }
    }

    @Test
    void eachSequenceIsEncodedIndependentlyOfItsBatch() {
        // LayerNorm's statistics are per token, so a sequence's output cannot depend on the others.
        TransformerEncoder enc = new TransformerEncoder(2,
                i -> new TransformerEncoderLayer(8, 2, 16, 0.1, Activation.GELU, 1e-5, i == 0, new Rng(i)),
                new LayerNorm(8));
        enc.eval();
        Tensor batch = Tensor.randn(new Rng(6), 3, 5, 8);
        Tensor all = enc.forward(batch);
        for (int b = 0; b < 3; b++) {
            assertArrayEquals(enc.forward(batch.narrow(0, b, 1)).toArray(), all.narrow(0, b, 1).toArray(), 1e-6f,
                    "sequence " + b);
        }
    }

    @Test
    void badInputIsRefusedByName() {
        TransformerEncoderLayer layer = new TransformerEncoderLayer(8, 2, 16, 0.1, new Rng(1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> layer.forward(Tensor.zeros(3, 8)));
        assertTrue(e.getMessage().contains("TransformerEncoderLayer") && e.getMessage().contains("[3, 8]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new TransformerEncoderLayer(8, 3, 16, 0.1, new Rng(1)));
        assertThrows(IllegalArgumentException.class, () -> new TransformerEncoderLayer(8, 2, 0, 0.1, new Rng(1)));
        assertThrows(IllegalArgumentException.class, () -> new TransformerEncoder(0, i -> null, null));
        TransformerEncoderLayer shared = new TransformerEncoderLayer(8, 2, 16, 0.1, new Rng(1));
        e = assertThrows(IllegalArgumentException.class,
                () -> new TransformerEncoder(java.util.List.of(shared, shared), null));
        assertTrue(e.getMessage().contains("same object"), e.getMessage());
    }
}
