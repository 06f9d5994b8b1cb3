package dev.pare.nn.attention;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.nn.GradCheck;
import dev.pare.tensor.GradMode;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Laws and edge cases of MultiheadAttention that the PyTorch fixtures do not reach. */
class MultiheadAttentionTest {

    @Test
    void stateDictHasTorchsNamesShapesAndInitialisation() {
        MultiheadAttention m = new MultiheadAttention(12, 3, new Rng(4));
        assertEquals(List.of("in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"),
                List.copyOf(m.stateDict().keySet()));
        assertArrayEquals(new int[] {36, 12}, m.inProjWeight().shape());
        assertArrayEquals(new float[36], m.inProjBias().toArray(), 0f, "in_proj_bias starts at 0");
        assertArrayEquals(new float[12], m.outProj().bias().toArray(), 0f, "out_proj.bias starts at 0");
        // Xavier uniform over [3E, E]: bound √(6 / (E + 3E)).
        double bound = Math.sqrt(6.0 / (12 + 36));
        for (float w : m.inProjWeight().toArray()) {
            assertTrue(Math.abs(w) <= bound, "in_proj_weight " + w + " outside ±" + bound);
        }
        assertEquals("MultiheadAttention(\n  embed_dim=12, num_heads=3, dropout=0.0, bias=true\n"
                + "  (out_proj): Linear(in_features=12, out_features=12, bias=true)\n)", m.toString());
    }

    @Test
    void gradientsMatchCentralDifferences() {
        Rng rng = new Rng(21);
        MultiheadAttention m = new MultiheadAttention(6, 2, rng);
        Tensor q = Tensor.randn(rng, 2, 3, 6).requiresGrad(true);
        Tensor kv = Tensor.randn(rng, 2, 4, 6).requiresGrad(true);
        AttentionMask pad = AttentionMask.bool(Tensor.fromArray(new float[] {0, 0, 0, 1, 0, 0, 0, 0}, 2, 4));
        GradCheck.assertGradientsMatch("attention, inputs and packed projection",
                in -> m.forward(in[0], in[1], in[1], pad, null), q, kv, m.inProjWeight(), m.inProjBias());
    }

    @Test
    void permutingTheTokensPermutesTheOutput() {
        // Without a mask or positions, attention cannot tell the order of its inputs.
        MultiheadAttention m = new MultiheadAttention(8, 2, new Rng(5));
        Tensor x = Tensor.randn(new Rng(6), 1, 5, 8);
        int[] perm = {3, 0, 4, 1, 2};
        Tensor y = m.forward(x);
        Tensor yp = m.forward(x.indexSelect(1, perm));
        assertArrayEquals(y.indexSelect(1, perm).toArray(), yp.toArray(), 1e-5f);
    }

    @Test
    @SuppressWarnings("try") // the scope is used only for closing
    void withACausalMaskNoOutputDependsOnLaterTokens() {
        MultiheadAttention m = new MultiheadAttention(8, 4, new Rng(7));
        Tensor x = Tensor.randn(new Rng(8), 2, 6, 8);
        Tensor changed = x.copy();
        try (GradMode.Scope ignored = Tensor.noGrad()) {
            changed.narrow(1, 4, 2).copyFrom(Tensor.randn(new Rng(9), 2, 2, 8));   // tokens 4 and 5
        }
        AttentionMask causal = AttentionMask.causal(6);
        Tensor a = m.forward(x, x, x, null, causal);
        Tensor b = m.forward(changed, changed, changed, null, causal);
        assertArrayEquals(a.narrow(1, 0, 4).toArray(), b.narrow(1, 0, 4).toArray(), 0f, "positions 0..3");
        assertFalse(java.util.Arrays.equals(a.narrow(1, 4, 2).toArray(), b.narrow(1, 4, 2).toArray()));
    }

    @Test
    @SuppressWarnings("try") // the scope is used only for closing
    void keysMarkedAsPaddingHaveNoInfluence() {
        MultiheadAttention m = new MultiheadAttention(8, 2, new Rng(12));
        Tensor q = Tensor.randn(new Rng(13), 2, 3, 8);
        Tensor kv = Tensor.randn(new Rng(14), 2, 5, 8);
        Tensor changed = kv.copy();
        try (GradMode.Scope ignored = Tensor.noGrad()) {
            changed.narrow(1, 3, 2).copyFrom(Tensor.randn(new Rng(15), 2, 2, 8).mul(100f));   // keys 3 and 4
        }
        AttentionMask pad = AttentionMask.bool(Tensor.fromArray(new float[] {0, 0, 0, 1, 1, 0, 0, 0, 1, 1}, 2, 5));
        Tensor a = m.forward(q, kv, kv, pad, null);
        Tensor b = m.forward(q, changed, changed, pad, null);
        assertArrayEquals(a.toArray(), b.toArray(), 0f, "padded keys' weights are exactly 0");
        // And the padded result is that of the sequences cut to their 3 real keys.
        Tensor cut = kv.narrow(1, 0, 3);
        assertArrayEquals(m.forward(q, cut, cut, null, null).toArray(), a.toArray(), 1e-6f);
    }

    @Test
    @SuppressWarnings("try") // the scope is used only for closing
    void aFullyMaskedQueryGetsTheOutputBiasAndNoNaNAnywhere() {
        Rng rng = new Rng(10);
        MultiheadAttention m = new MultiheadAttention(8, 2, rng);
        try (GradMode.Scope ignored = Tensor.noGrad()) {
            m.outProj().bias().copyFrom(Tensor.randn(rng, 8));
        }
        Tensor x = Tensor.randn(rng, 2, 3, 8).requiresGrad(true);
        // Sequence 0 is all padding; sequence 1 is not padded at all.
        AttentionMask pad = AttentionMask.bool(Tensor.fromArray(new float[] {1, 1, 1, 0, 0, 0}, 2, 3));
        Tensor y = m.forward(x, x, x, pad, null);
        for (int t = 0; t < 3; t++) {
            assertArrayEquals(m.outProj().bias().toArray(), y.select(0, 0).select(0, t).toArray(), 0f,
                    "query " + t + " of the all-padding sequence");
        }
        Tensor unpadded = m.forward(x.narrow(0, 1, 1));
        assertArrayEquals(unpadded.toArray(), y.narrow(0, 1, 1).toArray(), 1e-6f, "the other sequence is unaffected");
        y.sum().backward();
        for (Tensor g : new Tensor[] {x.grad(), m.inProjWeight().grad(), m.outProj().weight().grad()}) {
            for (float v : g.toArray()) {
                assertTrue(Float.isFinite(v), "gradient " + v);
            }
        }
    }

    @Test
    void weightRowsSumToOneAndMaskedKeysGetExactlyZero() {
        MultiheadAttention m = new MultiheadAttention(8, 2, 0.5, true, new Rng(16));   // dropout: not in A
        Tensor q = Tensor.randn(new Rng(17), 2, 4, 8);
        Tensor kv = Tensor.randn(new Rng(18), 2, 5, 8);
        // Sequence 1 is all padding; key 4 of sequence 0 is padding.
        AttentionMask pad = AttentionMask.bool(Tensor.fromArray(new float[] {0, 0, 0, 0, 1, 1, 1, 1, 1, 1}, 2, 5));
        Tensor a = m.attentionWeights(q, kv, pad, null);
        assertArrayEquals(new int[] {2, 2, 4, 5}, a.shape());
        for (int h = 0; h < 2; h++) {
            for (int t = 0; t < 4; t++) {
                assertEquals(1f, a.select(0, 0).select(0, h).select(0, t).sumValue(), 1e-6f, "head " + h + " query " + t);
                assertEquals(0f, a.get(0, h, t, 4), 0f, "padded key");
            }
        }
        assertArrayEquals(new float[2 * 4 * 5], a.select(0, 1).toArray(), 0f, "a sequence of padding reads nothing");
        assertArrayEquals(a.toArray(), m.attentionWeights(q, kv, pad, null).toArray(), 0f, "no dropout in A");
    }

    @Test
    void dropoutOnTheWeightsIsSeededAndOffInEvaluation() {
        Tensor x = Tensor.randn(new Rng(1), 2, 5, 8);
        MultiheadAttention a = new MultiheadAttention(8, 2, 0.5, true, new Rng(3));
        MultiheadAttention b = new MultiheadAttention(8, 2, 0.5, true, new Rng(3));
        Tensor ya = a.forward(x);
        assertArrayEquals(ya.toArray(), b.forward(x).toArray(), 0f, "same seed, same masks");
        assertFalse(java.util.Arrays.equals(ya.toArray(), a.forward(x).toArray()), "a new mask each call");
        a.eval();
        MultiheadAttention none = new MultiheadAttention(8, 2, 0.0, true, new Rng(3));
        assertArrayEquals(none.forward(x).toArray(), a.forward(x).toArray(), 0f, "eval: no dropout");
    }

    @Test
    void perHeadMaskOfShapeBatchTimesHeadsIsAppliedPerHead() {
        MultiheadAttention m = new MultiheadAttention(4, 2, new Rng(2));
        Tensor x = Tensor.randn(new Rng(3), 1, 3, 4);
        // Head 0 masks nothing, head 1 masks nothing either: equal to no mask at all.
        Tensor zeros = Tensor.zeros(2, 3, 3);
        assertArrayEquals(m.forward(x).toArray(), m.forward(x, x, x, null, AttentionMask.additive(zeros)).toArray(), 0f);
        // Masking key 2 for one head only changes the result.
        Tensor oneHead = Tensor.zeros(2, 3, 3);
        for (int t = 0; t < 3; t++) {
            oneHead.set(Float.NEGATIVE_INFINITY, 1, t, 2);
        }
        assertFalse(java.util.Arrays.equals(m.forward(x).toArray(),
                m.forward(x, x, x, null, AttentionMask.additive(oneHead)).toArray()));
    }

    @Test
    void badShapesAndSettingsAreRefusedByName() {
        MultiheadAttention m = new MultiheadAttention(8, 2, new Rng(1));
        Tensor x = Tensor.zeros(2, 3, 8);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.forward(Tensor.zeros(2, 3, 7)));
        assertTrue(e.getMessage().contains("[2, 3, 7]") && e.getMessage().contains("8"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> m.forward(x, x, x, AttentionMask.bool(Tensor.zeros(2, 4)), null));
        assertTrue(e.getMessage().contains("key_padding_mask") && e.getMessage().contains("[2, 3]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> m.forward(x, x, x, null, AttentionMask.causal(4)));
        assertTrue(e.getMessage().contains("attn_mask") && e.getMessage().contains("[3, 3]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> m.forward(x, Tensor.zeros(3, 3, 8), Tensor.zeros(3, 3, 8), null, null));
        assertTrue(e.getMessage().contains("batch"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new MultiheadAttention(10, 3, new Rng(1)));
        assertThrows(IllegalArgumentException.class, () -> new MultiheadAttention(8, 2, 1.5, true, new Rng(1)));
        assertThrows(IllegalArgumentException.class, () -> AttentionMask.bool(Tensor.fromArray(Float.NaN)));
    }
}
