package dev.pare.nn.attention;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.nn.Linear;
import dev.pare.nn.Module;
import dev.pare.tensor.GradMode;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The head mask ξ, head removal ({@code pruneHeads}) and replaced projections of
 * MultiheadAttention: what pruning and quantization build on.
 */
class MultiheadAttentionHeadsTest {

    /** A layer with random biases too, so that a lost or misplaced bias row shows. */
    @SuppressWarnings("try") // the scope is used only for closing
    private static MultiheadAttention layer(int e, int h, long seed) {
        Rng rng = new Rng(seed);
        MultiheadAttention m = new MultiheadAttention(e, h, rng);
        try (GradMode.Scope ignored = Tensor.noGrad()) {
            m.inProjBias().copyFrom(Tensor.randn(rng, 3 * e));
            m.outProj().bias().copyFrom(Tensor.randn(rng, e));
        }
        return m;
    }

    @SuppressWarnings("try") // the scope is used only for closing
    private static Tensor maskedOutput(MultiheadAttention m, float[] mask, Tensor q, Tensor kv, AttentionMask pad) {
        try (GradMode.Scope ignored = Tensor.noGrad()) {
            m.headMask().copyFrom(Tensor.fromArray(mask, mask.length));
            Tensor y = m.forward(q, kv, kv, pad, null);
            m.setHeadMask(null);
            return y;
        }
    }

    @SuppressWarnings("try") // the scope is used only for closing
    private static Tensor output(MultiheadAttention m, Tensor q, Tensor kv, AttentionMask pad) {
        try (GradMode.Scope ignored = Tensor.noGrad()) {
            return m.forward(q, kv, kv, pad, null);
        }
    }

    @Test
    void aDefaultHeadMaskOfOnesChangesNothingAndIsNotState() {
        MultiheadAttention m = layer(12, 3, 1);
        Tensor x = Tensor.randn(new Rng(2), 2, 4, 12);
        Tensor before = output(m, x, x, null);
        assertArrayEquals(new float[] {1, 1, 1}, m.headMask().toArray(), 0f);
        assertEquals(List.of("in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"),
                List.copyOf(m.stateDict().keySet()));
        m.headMask().requiresGrad(true);   // multiplied in now, but by ones
        Tensor after = output(m, x, x, null);
        assertArrayEquals(before.toArray(), after.toArray(), 0f);
    }

    @Test
    void aPrunedLayerEqualsTheUnprunedOneWithThoseHeadsMaskedToZero() {
        MultiheadAttention m = layer(16, 4, 3);
        Tensor q = Tensor.randn(new Rng(4), 2, 3, 16);
        Tensor kv = Tensor.randn(new Rng(5), 2, 5, 16);
        AttentionMask pad = AttentionMask.bool(Tensor.fromArray(new float[] {0, 0, 0, 1, 1, 0, 0, 0, 0, 0}, 2, 5));
        Tensor masked = maskedOutput(m, new float[] {1, 0, 1, 0}, q, kv, pad);
        m.pruneHeads(3, 1);
        assertEquals(2, m.numHeads());
        assertEquals(4, m.headDim());
        assertEquals(8, m.innerDim());
        assertArrayEquals(new int[] {24, 16}, m.inProjWeight().shape());
        assertArrayEquals(new int[] {24}, m.inProjBias().shape());
        assertArrayEquals(new int[] {16, 8}, m.outProj().weight().shape());
        assertArrayEquals(masked.toArray(), output(m, q, kv, pad).toArray(), 1e-6f);
    }

    @Test
    void pruningAllButOneHeadWorksAndKeepsTheSurvivorsOrder() {
        MultiheadAttention m = layer(12, 4, 6);
        Tensor x = Tensor.randn(new Rng(7), 3, 5, 12);
        Tensor masked = maskedOutput(m, new float[] {0, 0, 1, 0}, x, x, null);
        Tensor wq2 = m.inProjWeight().narrow(0, 2 * 3, 3).copy();   // head 2's rows of W_q
        Tensor wv2 = m.inProjWeight().narrow(0, 24 + 2 * 3, 3).copy();   // and of W_v
        m.pruneHeads(0, 1, 3);
        assertEquals(1, m.numHeads());
        assertArrayEquals(wq2.toArray(), m.inProjWeight().narrow(0, 0, 3).toArray(), 0f);
        assertArrayEquals(wv2.toArray(), m.inProjWeight().narrow(0, 6, 3).toArray(), 0f);
        assertArrayEquals(masked.toArray(), output(m, x, x, null).toArray(), 1e-6f);
        assertTrue(m.toString().startsWith("MultiheadAttention(\n  embed_dim=12, num_heads=1, head_dim=3, dropout=0.0,"
                + " bias=true\n  (out_proj): Linear(in_features=3, out_features=12, bias=true)"), m.toString());
    }

    @Test
    void pruningInTwoStepsEqualsPruningOnce() {
        MultiheadAttention once = layer(12, 4, 8);
        MultiheadAttention twice = layer(12, 4, 8);
        once.pruneHeads(0, 2);
        twice.pruneHeads(2);
        twice.pruneHeads(0);   // old head 0 is still head 0
        assertArrayEquals(once.inProjWeight().toArray(), twice.inProjWeight().toArray(), 0f);
        assertArrayEquals(once.outProj().weight().toArray(), twice.outProj().weight().toArray(), 0f);
    }

    @Test
    void removingEveryHeadIsANamedError() {
        MultiheadAttention m = layer(8, 2, 9);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.pruneHeads(1, 0));
        assertTrue(e.getMessage().contains("would remove all 2 heads"), e.getMessage());
        assertEquals(2, m.numHeads(), "nothing changed");
    }

    @Test
    void badHeadIndicesAreNamedErrorsAndChangeNothing() {
        MultiheadAttention m = layer(8, 4, 10);
        Tensor w = m.inProjWeight();
        IllegalArgumentException out = assertThrows(IllegalArgumentException.class, () -> m.pruneHeads(4));
        assertTrue(out.getMessage().contains("head 4 is not in [0, 4)"), out.getMessage());
        IllegalArgumentException twice = assertThrows(IllegalArgumentException.class, () -> m.pruneHeads(1, 1));
        assertTrue(twice.getMessage().contains("head 1 is listed twice"), twice.getMessage());
        m.pruneHeads();
        assertEquals(4, m.numHeads());
        assertTrue(w == m.inProjWeight(), "an empty list leaves the very same parameter");
    }

    @Test
    @SuppressWarnings("try") // the scope is used only for closing
    void thePrunedHeadMaskKeepsTheKeptHeadsEntries() {
        MultiheadAttention m = layer(8, 4, 11);
        try (GradMode.Scope ignored = Tensor.noGrad()) {
            m.headMask().copyFrom(Tensor.fromArray(new float[] {1, 0.5f, 0.25f, 0}, 4));
        }
        m.pruneHeads(0, 3);
        assertArrayEquals(new float[] {0.5f, 0.25f}, m.headMask().toArray(), 0f);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> m.setHeadMask(Tensor.ones(4)));
        assertTrue(e.getMessage().contains("expected [2]"), e.getMessage());
    }

    @Test
    void aPrunedLayerSavesAndLoadsIntoALayerPrunedToTheSameCount() {
        MultiheadAttention m = layer(12, 3, 12);
        m.pruneHeads(1);
        assertEquals(List.of("in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"),
                List.copyOf(m.stateDict().keySet()));
        MultiheadAttention fresh = layer(12, 3, 99);
        assertThrows(RuntimeException.class, () -> fresh.loadStateDict(m.stateDict(), true), "shapes differ");
        fresh.pruneHeads(2);
        fresh.loadStateDict(m.stateDict(), true);
        Tensor x = Tensor.randn(new Rng(13), 1, 4, 12);
        assertArrayEquals(output(m, x, x, null).toArray(), output(fresh, x, x, null).toArray(), 0f);
    }

    @Test
    void gradientsReachThePrunedProjections() {
        MultiheadAttention m = layer(8, 4, 14);
        m.pruneHeads(2);
        Tensor x = Tensor.randn(new Rng(15), 2, 3, 8);
        m.forward(x).sum().backward();
        for (Tensor p : m.parameters()) {
            assertTrue(p.grad() != null, "every parameter of the pruned layer gets a gradient");
        }
        assertEquals(4, m.parameters().size());
    }

    @Test
    @SuppressWarnings("try") // the scope is used only for closing
    void aReplacedInputProjectionComputesTheSameAttention() {
        MultiheadAttention m = layer(12, 3, 16);
        Tensor q = Tensor.randn(new Rng(17), 2, 3, 12);
        Tensor kv = Tensor.randn(new Rng(18), 2, 4, 12);
        Tensor self = output(m, q, q, null);
        Tensor cross = output(m, q, kv, null);
        Tensor weights = m.attentionWeights(q, kv, null, null).detach();
        Linear packed = new Linear(12, 36, new Rng(0));
        try (GradMode.Scope ignored = Tensor.noGrad()) {
            packed.weight().copyFrom(m.inProjWeight());
            packed.bias().copyFrom(m.inProjBias());
        }
        m.setInProjection(packed);
        assertTrue(m.inProjection() == packed);
        assertNull(m.inProjBias());
        assertThrows(IllegalStateException.class, m::inProjWeight);
        assertEquals(List.of("out_proj.weight", "out_proj.bias", "in_proj.weight", "in_proj.bias"),
                List.copyOf(m.stateDict().keySet()));
        assertArrayEquals(self.toArray(), output(m, q, q, null).toArray(), 1e-5f);
        assertArrayEquals(cross.toArray(), output(m, q, kv, null).toArray(), 1e-5f);
        assertArrayEquals(weights.toArray(), m.attentionWeights(q, kv, null, null).toArray(), 1e-5f);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.pruneHeads(0));
        assertTrue(e.getMessage().contains("prune heads before quantizing"), e.getMessage());
    }

    @Test
    void aProjectionOfTheWrongWidthIsANamedError() {
        MultiheadAttention m = layer(8, 2, 19);
        m.setInProjection(new Linear(8, 16, new Rng(0)));
        Tensor x = Tensor.randn(new Rng(20), 1, 2, 8);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> m.forward(x));
        assertTrue(e.getMessage().contains("expected [1, 2, 24]"), e.getMessage());
    }

    @Test
    @SuppressWarnings("try") // the scope is used only for closing
    void aReplacedOutputProjectionTakesEffect() {
        MultiheadAttention m = layer(8, 2, 21);
        Tensor x = Tensor.randn(new Rng(22), 1, 3, 8);
        Tensor before = output(m, x, x, null);
        Module zero = new Linear(8, 8, false, new Rng(0));
        try (GradMode.Scope ignored = Tensor.noGrad()) {
            ((Linear) zero).weight().zero();
        }
        m.replaceModule("out_proj", zero);
        assertArrayEquals(new float[24], output(m, x, x, null).toArray(), 0f);
        assertFalse(java.util.Arrays.equals(before.toArray(), new float[24]));
    }

    @Test
    @SuppressWarnings("try") // the scope is used only for closing
    void aReplacedFeedForwardLayerTakesEffectInTheEncoderLayer() {
        TransformerEncoderLayer l = new TransformerEncoderLayer(8, 2, 16, 0.0, new Rng(23));
        Tensor x = Tensor.randn(new Rng(24), 1, 3, 8);
        Tensor before = l.forward(x).detach();
        Linear zero = new Linear(16, 8, new Rng(0));
        try (GradMode.Scope ignored = Tensor.noGrad()) {
            zero.weight().copyFrom(l.linear2().weight().mul(2f));
            zero.bias().copyFrom(l.linear2().bias());
        }
        l.replaceModule("linear2", zero);
        assertTrue(l.linear2() == zero);
        assertFalse(java.util.Arrays.equals(before.toArray(), l.forward(x).detach().toArray()));
        l.replaceModule("linear2", new Module() {
            @Override
            public Tensor forward(Tensor input) {
                return input.narrow(-1, 0, 8);
            }
        });
        IllegalStateException e = assertThrows(IllegalStateException.class, l::linear2);
        assertTrue(e.getMessage().contains("linear2 is now"), e.getMessage());
    }
}
