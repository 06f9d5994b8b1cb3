package dev.pare.compress.distill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.nn.loss.CrossEntropyLoss;
import dev.pare.nn.loss.KlDivLoss;
import dev.pare.nn.loss.Reduction;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The weights of DistilBertLoss: each term alone, terms with weight 0 skipped, bad settings refused. */
class DistilBertLossTest {
    private final Rng rng = new Rng(11);
    private final Tensor s = Tensor.randn(rng, 3, 4);
    private final Tensor t = Tensor.randn(rng, 3, 4);
    private final Tensor y = Tensor.fromArray(0f, 3f, 1f);
    private final List<Tensor> hs = List.of(Tensor.randn(rng, 3, 2, 5));
    private final List<Tensor> ht = List.of(Tensor.randn(rng, 3, 2, 5), Tensor.randn(rng, 3, 2, 5));

    @Test
    void eachWeightScalesItsOwnTermAlone() {
        float soft = KlDivLoss.klDiv(s, t, 3f).item() * 9f;
        float hard = CrossEntropyLoss.crossEntropy(s, y, Reduction.MEAN, 0.2f).item();
        float cos = new HiddenStateCosineLoss(HiddenStatePooling.MEAN).apply(hs, ht).item();
        assertEquals(2f * soft, new DistilBertLoss(3f, 2f, 0f, 0f, 0.2f, HiddenStatePooling.MEAN)
                .apply(s, t, y, null, null).item(), 1e-5f);
        assertEquals(0.5f * hard, new DistilBertLoss(3f, 0f, 0.5f, 0f, 0.2f, HiddenStatePooling.MEAN)
                .apply(s, null, y, null, null).item(), 1e-5f, "α = 0 does not read the teacher's logits");
        assertEquals(4f * cos, new DistilBertLoss(3f, 0f, 0f, 4f, 0.2f, HiddenStatePooling.MEAN)
                .apply(s, null, null, hs, ht).item(), 1e-5f, "only the hidden states are read");
        assertEquals(2f * soft + 0.5f * hard + 4f * cos, new DistilBertLoss(3f, 2f, 0.5f, 4f, 0.2f, HiddenStatePooling.MEAN)
                .apply(s, t, y, hs, ht).item(), 1e-4f);
    }

    @Test
    void badSettingsAreRefusedNamingTheValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new DistilBertLoss(0f, 1f, 1f, 1f, 0f, HiddenStatePooling.MEAN));
        assertTrue(e.getMessage().contains("T = 0.0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new DistilBertLoss(2f, 1f, -1f, 1f, 0f, HiddenStatePooling.MEAN));
        assertTrue(e.getMessage().contains("beta = -1.0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new DistilBertLoss(2f, 1f, 1f, Float.NaN, 0f, HiddenStatePooling.MEAN));
        assertTrue(e.getMessage().contains("gamma = NaN"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new DistilBertLoss(2f, 0f, 0f, 0f, 0f, HiddenStatePooling.MEAN));
        assertTrue(e.getMessage().contains("all 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new DistilBertLoss(2f, 1f, 1f, 1f, 1f, HiddenStatePooling.MEAN));
        assertTrue(e.getMessage().contains("label smoothing 1.0"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new DistilBertLoss(2f, 1f, 1f, 1f, 0f, null));
        e = assertThrows(IllegalArgumentException.class, () -> new DistilBertLoss(2f, 1f, 1f, 0f, 0f,
                HiddenStatePooling.MEAN).apply(s, Tensor.zeros(3, 5), y, null, null));
        assertTrue(e.getMessage().contains("teacher outputs 5"), e.getMessage());
    }
}
