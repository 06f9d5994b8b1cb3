package dev.pare.compress.distill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class HiddenStateCosineLossTest {

    private static List<Tensor> states(Rng rng, int layers, boolean grad) {
        List<Tensor> out = new ArrayList<>();
        for (int i = 0; i < layers; i++) {
            out.add(Tensor.randn(rng, 2, 3, 4).requiresGrad(grad));
        }
        return out;
    }

    @Test
    void studentLayerIIsAlignedWithTheLastTeacherLayerItReplaces() {
        assertEquals(1, HiddenStateCosineLoss.alignedTeacherLayer(0, 3, 6));
        assertEquals(3, HiddenStateCosineLoss.alignedTeacherLayer(1, 3, 6));
        assertEquals(5, HiddenStateCosineLoss.alignedTeacherLayer(2, 3, 6));
        assertEquals(2, HiddenStateCosineLoss.alignedTeacherLayer(0, 2, 6), "k = 3: layers 0, 1, 2 stand behind 0");
        assertEquals(0, HiddenStateCosineLoss.alignedTeacherLayer(0, 1, 1), "equal depth: layer to layer");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> HiddenStateCosineLoss.alignedTeacherLayer(0, 4, 6));
        assertTrue(e.getMessage().contains("4 layers") && e.getMessage().contains("6 layers"), e.getMessage());
    }

    @Test
    void hiddenStatesPointingTheSameWayCostZeroAndOppositeWaysTwo() {
        Tensor h = Tensor.randn(new Rng(1), 2, 3, 4);
        for (HiddenStatePooling p : HiddenStatePooling.values()) {
            HiddenStateCosineLoss loss = new HiddenStateCosineLoss(p);
            // Scaling does not change a direction; negating reverses it.
            assertEquals(0f, loss.apply(List.of(h), List.of(h.mul(3f))).item(), 1e-6f, p.name());
            assertEquals(2f, loss.apply(List.of(h), List.of(h.mul(-0.5f))).item(), 1e-6f, p.name());
        }
    }

    @Test
    void poolingTakesTheClassTokenTheMeanOrEveryToken() {
        Tensor h = Tensor.arange(24).reshape(2, 3, 4);
        org.junit.jupiter.api.Assertions.assertArrayEquals(new int[] {2, 4}, HiddenStatePooling.MEAN.rows(h).shape());
        org.junit.jupiter.api.Assertions.assertArrayEquals(new float[] {0, 1, 2, 3, 12, 13, 14, 15},
                HiddenStatePooling.CLASS_TOKEN.rows(h).toArray(), 0f);
        org.junit.jupiter.api.Assertions.assertArrayEquals(new float[] {4, 5, 6, 7, 16, 17, 18, 19},
                HiddenStatePooling.MEAN.rows(h).toArray(), 0f);
        assertEquals(6, HiddenStatePooling.ALL_TOKENS.rows(h).size(0));
        assertEquals(HiddenStatePooling.ALL_TOKENS, HiddenStatePooling.parse("all-tokens"));
        assertEquals(HiddenStatePooling.CLASS_TOKEN, HiddenStatePooling.parse("CLASS_TOKEN"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HiddenStatePooling.parse("max"));
        assertTrue(e.getMessage().contains("'max'"), e.getMessage());
    }

    @Test
    @SuppressWarnings("try")
    void gradientMatchesCentralDifferencesForEveryPooling() {
        for (HiddenStatePooling p : HiddenStatePooling.values()) {
            Rng rng = new Rng(7);
            List<Tensor> student = states(rng, 2, true);
            List<Tensor> teacher = states(rng, 4, true);
            HiddenStateCosineLoss loss = new HiddenStateCosineLoss(p);
            loss.apply(student, teacher).backward();
            for (Tensor t : teacher) {
                assertNull(t.grad(), "the teacher's states are constants");
            }
            double eps = 1e-2;
            for (int layer = 0; layer < student.size(); layer++) {
                Tensor s = student.get(layer);
                float[] analytic = s.grad().toArray();
                float[] data = s.storage();
                for (int i = 0; i < s.numel(); i++) {
                    float saved = data[i];
                    data[i] = (float) (saved + eps);
                    double plus;
                    double minus;
                    try (var ignored = Tensor.noGrad()) {
                        plus = loss.apply(student, teacher).item();
                        data[i] = (float) (saved - eps);
                        minus = loss.apply(student, teacher).item();
                    }
                    data[i] = saved;
                    double numeric = (plus - minus) / (2 * eps);
                    if (Math.abs(analytic[i] - numeric) > 1e-3 + 5e-3 * Math.abs(numeric)) {
                        fail(String.format("%s, student layer %d, element %d: analytic %.6g, numeric %.6g", p, layer, i,
                                analytic[i], numeric));
                    }
                }
            }
        }
    }

    @Test
    void mismatchedStatesAreRefusedNamingLayersAndShapes() {
        HiddenStateCosineLoss loss = new HiddenStateCosineLoss(HiddenStatePooling.MEAN);
        List<Tensor> student = List.of(Tensor.zeros(2, 3, 4));
        List<Tensor> teacher = List.of(Tensor.zeros(2, 3, 4), Tensor.zeros(2, 3, 5));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> loss.apply(student, teacher));
        assertTrue(e.getMessage().contains("teacher layer 1") && e.getMessage().contains("[2, 3, 5]"), e.getMessage());
        List<Tensor> two = List.of(Tensor.zeros(2, 3, 4), Tensor.zeros(2, 3, 4));
        List<Tensor> three = List.of(Tensor.zeros(2, 3, 4), Tensor.zeros(2, 3, 4), Tensor.zeros(2, 3, 4));
        e = assertThrows(IllegalArgumentException.class, () -> loss.apply(two, three));
        assertTrue(e.getMessage().contains("multiple"), e.getMessage());
        // Zero vectors: ε keeps 0/0 away, cos = 0, so the loss is 1 − 0 rather than NaN.
        assertEquals(1f, loss.apply(student, student).item(), 0f);
    }
}
