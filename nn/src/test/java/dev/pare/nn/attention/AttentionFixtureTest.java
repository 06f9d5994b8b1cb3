package dev.pare.nn.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pare.nn.Fixtures;
import dev.pare.nn.LayerNorm;
import dev.pare.nn.io.SafeTensors;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * MultiheadAttention and TransformerEncoder against PyTorch 1.13
 * ({@code fixtures/make_transformer_fixtures.py}): outputs, attention weights, input gradients
 * and every parameter gradient, with and without masks. The encoders' weights come from the safetensors files
 * PyTorch wrote, through Pare's loader and a strict {@code loadStateDict}: the names and layouts
 * are checked as well as the arithmetic.
 *
 * <p>Tolerances: 1e-5 relative (plus a 1e-6 floor) for outputs; 1e-4 relative (plus 1e-5) for
 * gradients, whose long sums (over the batch, the keys, 3E rows) are added in another order.
 */
class AttentionFixtureTest {
    private static final Fixtures F = Fixtures.load("/fixtures/transformer.txt");

    @TempDir
    Path dir;

    private static MultiheadAttention loaded(String tag, int e, int h) {
        MultiheadAttention m = new MultiheadAttention(e, h, new Rng(0));
        for (String k : m.stateDict().keySet()) {
            F.copyInto(tag + "." + k, m.stateDict().get(k));
        }
        m.eval();
        return m;
    }

    private static void checkParameterGradients(String tag, dev.pare.nn.Module m) {
        for (Map.Entry<String, Tensor> p : m.namedParameters().entrySet()) {
            F.assertMatches(tag + ".d." + p.getKey(), p.getValue().grad(), 1e-5, 1e-4);
        }
    }

    private void checkSelfAttention(String tag, int e, int h, AttentionMask keyPadding, AttentionMask attn) {
        MultiheadAttention m = loaded(tag, e, h);
        Tensor q = F.get(tag + ".q").copy().requiresGrad(true);
        Tensor y = m.forward(q, q, q, keyPadding, attn);
        F.assertMatches(tag + ".y", y, 1e-6, 1e-5);
        y.backward(F.get(tag + ".g"));
        F.assertMatches(tag + ".dq", q.grad(), 1e-5, 1e-4);
        checkParameterGradients(tag, m);
        F.assertMatches(tag + ".weights", m.attentionWeights(q, q, keyPadding, attn), 1e-6, 1e-5);
    }

    @Test
    void selfAttentionWithoutMaskMatchesPyTorch() {
        checkSelfAttention("mha", 16, 4, null, null);
    }

    @Test
    void selfAttentionWithKeyPaddingMaskMatchesPyTorch() {
        checkSelfAttention("mha_pad", 16, 4, AttentionMask.bool(F.get("mha_pad.key_padding_mask")), null);
    }

    @Test
    void selfAttentionWithCausalMaskMatchesPyTorch() {
        // PyTorch's float mask from generate_square_subsequent_mask, and Pare's own causal mask.
        checkSelfAttention("mha_causal", 16, 2, null, AttentionMask.additive(F.get("mha_causal.attn_mask")));
        checkSelfAttention("mha_causal", 16, 2, null, AttentionMask.causal(7));
    }

    @Test
    void crossAttentionWithBothMasksMatchesPyTorch() {
        String tag = "mha_cross";
        MultiheadAttention m = loaded(tag, 24, 3);
        Tensor q = F.get(tag + ".q").copy().requiresGrad(true);
        Tensor k = F.get(tag + ".k").copy().requiresGrad(true);
        Tensor v = F.get(tag + ".v").copy().requiresGrad(true);
        Tensor y = m.forward(q, k, v, AttentionMask.bool(F.get(tag + ".key_padding_mask")),
                AttentionMask.bool(F.get(tag + ".attn_mask")));
        F.assertMatches(tag + ".y", y, 1e-6, 1e-5);
        y.backward(F.get(tag + ".g"));
        F.assertMatches(tag + ".dq", q.grad(), 1e-5, 1e-4);
        F.assertMatches(tag + ".dk", k.grad(), 1e-5, 1e-4);
        F.assertMatches(tag + ".dv", v.grad(), 1e-5, 1e-4);
        checkParameterGradients(tag, m);
        F.assertMatches(tag + ".weights", m.attentionWeights(q, k, AttentionMask.bool(F.get(tag + ".key_padding_mask")),
                AttentionMask.bool(F.get(tag + ".attn_mask"))), 1e-6, 1e-5);
    }

    private Map<String, Tensor> torchStateDict(String tag) throws IOException {
        String name = tag + ".safetensors";
        Path p = dir.resolve(name);
        try (InputStream in = getClass().getResourceAsStream("/fixtures/transformer/" + name)) {
            if (in == null) {
                throw new IllegalStateException("fixture /fixtures/transformer/" + name + " not on the class path");
            }
            Files.write(p, in.readAllBytes());
        }
        return SafeTensors.load(p);
    }

    private void checkEncoder(String tag, TransformerEncoder enc, AttentionMask mask, AttentionMask keyPadding)
            throws IOException {
        Map<String, Tensor> state = torchStateDict(tag);
        assertEquals(List.copyOf(state.keySet()), List.copyOf(enc.stateDict().keySet()),
                "PyTorch's keys, in PyTorch's order");
        enc.loadStateDict(state, true);
        enc.eval();
        Tensor x = F.get(tag + ".x").copy().requiresGrad(true);
        Tensor y = enc.forward(x, mask, keyPadding);
        F.assertMatches(tag + ".y", y, 1e-5, 1e-5);
        y.backward(F.get(tag + ".g"));
        F.assertMatches(tag + ".dx", x.grad(), 1e-5, 1e-4);
        checkParameterGradients(tag, enc);
    }

    @Test
    void postNormGeluEncoderLoadedFromPyTorchMatches() throws IOException {
        Rng rng = new Rng(1);
        TransformerEncoder enc = new TransformerEncoder(2,
                i -> new TransformerEncoderLayer(16, 4, 32, 0.1, Activation.GELU, 1e-5, false, rng), null);
        checkEncoder("encoder_post", enc, null, AttentionMask.bool(F.get("encoder_post.key_padding_mask")));
    }

    @Test
    void preNormReluEncoderWithFinalNormAndCausalMaskLoadedFromPyTorchMatches() throws IOException {
        Rng rng = new Rng(2);
        TransformerEncoder enc = new TransformerEncoder(2,
                i -> new TransformerEncoderLayer(16, 4, 32, 0.1, Activation.RELU, 1e-5, true, rng), new LayerNorm(16));
        checkEncoder("encoder_pre", enc, AttentionMask.causal(6), null);
    }
}
