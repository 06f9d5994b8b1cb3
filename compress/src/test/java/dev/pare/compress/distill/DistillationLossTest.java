package dev.pare.compress.distill;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.nn.loss.CrossEntropyLoss;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import org.junit.jupiter.api.Test;

class DistillationLossTest {
    private static final double LN2 = Math.log(2);

    /**
     * Student logits [0, 0], teacher logits [ln 3, 0], label 0, worked by hand:
     * at T = 1, q = (3/4, 1/4), p = (1/2, 1/2), KL = ¾·ln(3/2) + ¼·ln(1/2);
     * at T = 2, q = (√3, 1)/(√3 + 1), p = (1/2, 1/2); CE = ln 2 at any T.
     */
    private static final Tensor S = Tensor.fromArray(new float[] {0f, 0f}, 1, 2);
    private static final Tensor TEACHER = Tensor.fromArray(new float[] {(float) Math.log(3), 0f}, 1, 2);
    private static final Tensor Y = Tensor.fromArray(0f);

    private static double klAtT2() {
        double r3 = Math.sqrt(3);
        double q0 = r3 / (r3 + 1);
        double q1 = 1 / (r3 + 1);
        return q0 * Math.log(2 * q0) + q1 * Math.log(2 * q1);
    }

    @Test
    void softTermAtTemperatureOneIsTheHandComputedKl() {
        double kl = 0.75 * Math.log(1.5) + 0.25 * Math.log(0.5);
        assertEquals(kl, new DistillationLoss(1f, 1f).apply(S, TEACHER, Y).item(), 1e-6);
    }

    @Test
    void softTermIsMultipliedByTSquared() {
        assertEquals(4 * klAtT2(), new DistillationLoss(2f, 1f).apply(S, TEACHER, Y).item(), 1e-6);
    }

    @Test
    void mixedLossWeighsBothTermsByAlpha() {
        double expected = 0.3 * 4 * klAtT2() + 0.7 * LN2;
        assertEquals(expected, new DistillationLoss(2f, 0.3f).apply(S, TEACHER, Y).item(), 1e-6);
    }

    @Test
    void handComputedGradientOfTheMixedLoss() {
        // ∂/∂s = α·T·(p − q)/B + (1 − α)·(softmax(s) − onehot(y))/B with B = 1, T = 2, α = 0.3.
        double r3 = Math.sqrt(3);
        double q0 = r3 / (r3 + 1);
        double g0 = 0.3 * 2 * (0.5 - q0) + 0.7 * (0.5 - 1);
        double g1 = 0.3 * 2 * (0.5 - (1 - q0)) + 0.7 * 0.5;
        Tensor s = S.copy().requiresGrad(true);
        new DistillationLoss(2f, 0.3f).apply(s, TEACHER, Y).backward();
        assertArrayEquals(new float[] {(float) g0, (float) g1}, s.grad().toArray(), 1e-6f);
    }

    @Test
    void alphaZeroIsExactlyCrossEntropyWithTheSameGradient() {
        Rng rng = new Rng(3);
        Tensor s1 = Tensor.randn(rng, 4, 5).requiresGrad(true);
        Tensor s2 = s1.detach().copy().requiresGrad(true);
        Tensor t = Tensor.randn(rng, 4, 5);
        Tensor y = Tensor.fromArray(0f, 4f, 2f, 2f);
        Tensor d = new DistillationLoss(3f, 0f).apply(s1, t, y);
        Tensor ce = CrossEntropyLoss.crossEntropy(s2, y);
        assertEquals(Float.floatToIntBits(ce.item()), Float.floatToIntBits(d.item()));
        d.backward();
        ce.backward();
        assertArrayEquals(s2.grad().toArray(), s1.grad().toArray(), 0f);
    }

    @Test
    void alphaOneIsExactlyTheSoftTermAndIgnoresLabels() {
        Rng rng = new Rng(4);
        Tensor s = Tensor.randn(rng, 4, 5);
        Tensor t = Tensor.randn(rng, 4, 5);
        DistillationLoss loss = new DistillationLoss(3f, 1f);
        float a = loss.apply(s, t, Tensor.fromArray(0f, 1f, 2f, 3f)).item();
        float b = loss.apply(s, t, Tensor.fromArray(4f, 4f, 4f, 4f)).item();
        assertEquals(Float.floatToIntBits(a), Float.floatToIntBits(b));
        assertEquals(Float.floatToIntBits(loss.soft(s, t).item()), Float.floatToIntBits(a));
    }

    @Test
    void teacherReceivesNoGradient() {
        Tensor s = Tensor.randn(new Rng(5), 2, 3).requiresGrad(true);
        Tensor t = Tensor.randn(new Rng(6), 2, 3).requiresGrad(true);
        new DistillationLoss(2f, 0.5f).apply(s, t, Tensor.fromArray(0f, 1f)).backward();
        assertTrue(s.grad() != null);
        assertEquals(null, t.grad());
    }

    @Test
    void gradientMatchesCentralDifferences() {
        Rng rng = new Rng(7);
        int b = 3;
        int c = 5;
        float[] s0 = Tensor.randn(rng, b, c).mul(2f).toArray();
        Tensor t = Tensor.randn(rng, b, c).mul(2f);
        Tensor y = Tensor.fromArray(1f, 4f, 0f);
        for (float temperature : new float[] {1f, 2.5f, 8f}) {
            DistillationLoss loss = new DistillationLoss(temperature, 0.6f);
            Tensor s = Tensor.fromArray(s0.clone(), b, c).requiresGrad(true);
            loss.apply(s, t, y).backward();
            float[] analytic = s.grad().toArray();
            double eps = 1e-2;
            for (int j = 0; j < s0.length; j++) {
                float[] plus = s0.clone();
                float[] minus = s0.clone();
                plus[j] += (float) eps;
                minus[j] -= (float) eps;
                double numeric = (loss.apply(Tensor.fromArray(plus, b, c), t, y).item()
                        - loss.apply(Tensor.fromArray(minus, b, c), t, y).item()) / (2 * eps);
                assertEquals(numeric, analytic[j], 2e-3, "T = " + temperature + ", logit " + j);
            }
        }
    }

    @Test
    void nonPositiveOrNonFiniteTemperatureIsRefusedNamingTheValue() {
        for (float t : new float[] {0f, -1.5f, Float.NaN, Float.POSITIVE_INFINITY}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new DistillationLoss(t, 0.5f));
            assertTrue(e.getMessage().contains("T = " + t), e.getMessage());
        }
    }

    @Test
    void alphaOutsideTheUnitIntervalIsRefusedNamingTheValue() {
        for (float a : new float[] {-0.1f, 1.5f, Float.NaN}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new DistillationLoss(2f, a));
            assertTrue(e.getMessage().contains("alpha = " + a), e.getMessage());
        }
    }

    @Test
    void differentNumbersOfClassesAreRefusedNamingBoth() {
        DistillationLoss loss = new DistillationLoss(2f, 0.5f);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> loss.apply(Tensor.zeros(4, 5), Tensor.zeros(4, 10), Tensor.zeros(4)));
        assertTrue(e.getMessage().contains("student outputs 5 classes but the teacher outputs 10"), e.getMessage());
        // Checked even when α = 0 makes the soft term unused: a mismatched teacher is a bug either way.
        assertThrows(IllegalArgumentException.class,
                () -> new DistillationLoss(2f, 0f).apply(Tensor.zeros(4, 5), Tensor.zeros(4, 10), Tensor.zeros(4)));
    }

    @Test
    void differentBatchSizesAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new DistillationLoss(2f, 0.5f).apply(Tensor.zeros(4, 5), Tensor.zeros(3, 5), Tensor.zeros(4)));
        assertTrue(e.getMessage().contains("[4, 5]") && e.getMessage().contains("[3, 5]"), e.getMessage());
    }
}
