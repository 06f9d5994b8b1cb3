package dev.pare.nn.attention;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.nn.LayerNorm;
import dev.pare.nn.Linear;
import dev.pare.nn.Module;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The encoder's hidden states: each is the output of its layer applied by hand, the normal forward
 * and the state dict are unchanged, and the tap works from inside a larger model.
 */
class TransformerEncoderHiddenStatesTest {

    private static TransformerEncoder encoder(int layers) {
        return new TransformerEncoder(layers,
                i -> new TransformerEncoderLayer(8, 2, 16, 0.0, Activation.GELU, 1e-5, true, new Rng(40 + i)),
                new LayerNorm(8));
    }

    @Test
    void hiddenStateIIsLayerIAppliedToHiddenStateIMinusOne() {
        TransformerEncoder enc = encoder(3);
        Tensor x = Tensor.randn(new Rng(1), 2, 5, 8);
        AttentionMask causal = AttentionMask.causal(5);
        TransformerEncoder.Output out = enc.forwardWithHiddenStates(x, causal, null);
        assertEquals(3, out.hiddenStates().size());
        // The oracle: the layers called one by one, then the final norm.
        Tensor h = x;
        for (int i = 0; i < 3; i++) {
            h = ((TransformerEncoderLayer) enc.layer(i)).forward(h, causal, null);
            assertArrayEquals(h.toArray(), out.hiddenStates().get(i).toArray(), 0f, "hidden state " + i);
        }
        assertArrayEquals(enc.norm().forward(h).toArray(), out.output().toArray(), 0f, "the output is norm(last state)");
        assertArrayEquals(enc.forward(x, causal, null).toArray(), out.output().toArray(), 0f,
                "the same output as forward, bit for bit");
    }

    @Test
    void theTapKeepsTheStatesOfAForwardCalledFromInsideAnotherModelWithoutChangingItsOutputOrKeys() {
        TransformerEncoder enc = encoder(2);
        Module model = new Module() {
            private final Linear embed = registerModule("embed", new Linear(3, 8, new Rng(2)));
            private final TransformerEncoder encoder = registerModule("encoder", enc);

            @Override
            public Tensor forward(Tensor input) {
                return encoder.forward(embed.forward(input));
            }
        };
        List<String> keysBefore = List.copyOf(model.stateDict().keySet());
        Tensor x = Tensor.randn(new Rng(3), 2, 4, 3);
        Tensor plain = model.forward(x);

        enc.keepHiddenStates(true);
        assertTrue(enc.keepsHiddenStates());
        Tensor tapped = model.forward(x);
        assertArrayEquals(plain.toArray(), tapped.toArray(), 0f, "the tap does not change the output");
        assertEquals(keysBefore, List.copyOf(model.stateDict().keySet()), "nor the state dict");
        List<Tensor> hidden = enc.lastHiddenStates();
        assertEquals(2, hidden.size());
        assertArrayEquals(enc.norm().forward(hidden.get(1)).toArray(), tapped.toArray(), 0f);

        // The states are part of the graph: a loss on state 0 reaches layer 0, and not layer 1.
        hidden.get(0).square().sum().backward();
        TransformerEncoderLayer first = (TransformerEncoderLayer) enc.layer(0);
        TransformerEncoderLayer second = (TransformerEncoderLayer) enc.layer(1);
        assertNotNull(first.linear1().weight().grad());
        assertNull(second.linear1().weight().grad());
        assertThrows(UnsupportedOperationException.class, () -> hidden.add(x));

        enc.keepHiddenStates(false);
        IllegalStateException e = assertThrows(IllegalStateException.class, enc::lastHiddenStates);
        assertTrue(e.getMessage().contains("tap is off"), e.getMessage());
    }

    @Test
    void askingBeforeAnyForwardPassNamesTheProblem() {
        TransformerEncoder enc = encoder(1);
        enc.keepHiddenStates(true);
        IllegalStateException e = assertThrows(IllegalStateException.class, enc::lastHiddenStates);
        assertTrue(e.getMessage().contains("TransformerEncoder(num_layers=1)") && e.getMessage().contains("no forward pass"),
                e.getMessage());
    }
}
