package dev.pare.nn.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class KlDivLossTest {

    @Test
    void identicalLogitsHaveZeroDivergenceAndGradient() {
        Tensor s = Tensor.randn(new Rng(5), 3, 4).requiresGrad(true);
        Tensor loss = KlDivLoss.klDiv(s, s.detach(), 2f);
        assertEquals(0f, loss.item(), 1e-6f);
        loss.backward();
        Check.assertClose("grad", new float[12], s.grad().toArray(), 0, 1e-7);
    }

    @Test
    void matchesHandComputedValue() {
        // Teacher softmax [1/4, 3/4], student uniform: KL = ¼·ln(½) + ¾·ln(3/2)
        Tensor teacher = Tensor.fromArray(new float[] {0f, (float) Math.log(3)}, 1, 2);
        Tensor student = Tensor.zeros(1, 2).requiresGrad(true);
        Tensor loss = KlDivLoss.klDiv(student, teacher, 1f);
        assertEquals(0.25 * Math.log(0.5) + 0.75 * Math.log(1.5), loss.item(), 1e-6);
        loss.backward();
        // (p − q)/T/B = [½ − ¼, ½ − ¾]
        Check.assertClose("grad", new float[] {0.25f, -0.25f}, student.grad().toArray(), 1e-6, 1e-7);
    }

    @Test
    void temperatureDividesTheLogits() {
        Tensor s = Tensor.randn(new Rng(11), 2, 5);
        Tensor t = Tensor.randn(new Rng(12), 2, 5);
        assertEquals(KlDivLoss.klDiv(s.div(3f), t.div(3f), 1f).item(), KlDivLoss.klDiv(s, t, 3f).item(), 1e-6);
    }

    @ParameterizedTest(name = "T = {0}")
    @ValueSource(strings = {"1", "2", "4"})
    void matchesPyTorchBatchmeanWithoutTheTSquaredFactor(String temperature) {
        Tensor s = Tensor.fromArray(Fixtures.floats("kl.student"), 4, 5).requiresGrad(true);
        Tensor t = Tensor.fromArray(Fixtures.floats("kl.teacher"), 4, 5);
        Tensor loss = new KlDivLoss(Float.parseFloat(temperature)).apply(s, t);
        Check.assertClose("loss", Fixtures.floats("kl.T" + temperature + ".loss"), loss.toArray(), 1e-5, 1e-7);
        loss.backward();
        Check.assertClose("grad", Fixtures.floats("kl.T" + temperature + ".grad"), s.grad().toArray(), 1e-5, 1e-7);
    }

    @Test
    void teacherGetsNoGradient() {
        Tensor s = Tensor.randn(new Rng(1), 2, 3).requiresGrad(true);
        Tensor t = Tensor.randn(new Rng(2), 2, 3).requiresGrad(true);
        KlDivLoss.klDiv(s, t, 2f).backward();
        assertNull(t.grad());
    }

    @Test
    void extremeTeacherLogitsGiveAFiniteLoss() {
        // The teacher's softmax underflows to exactly 0 in two classes; q·log q must count as 0, not NaN.
        Tensor t = Tensor.fromArray(new float[] {1e4f, -1e4f, -1e4f}, 1, 3);
        Tensor loss = KlDivLoss.klDiv(Tensor.zeros(1, 3), t, 1f);
        assertEquals(Math.log(3), loss.item(), 1e-5);
    }

    @Test
    void nonPositiveTemperatureIsRejected() {
        for (float bad : new float[] {0f, -1f, Float.NaN, Float.POSITIVE_INFINITY}) {
            var e = assertThrows(IllegalArgumentException.class,
                    () -> KlDivLoss.klDiv(Tensor.zeros(1, 2), Tensor.zeros(1, 2), bad));
            assertTrue(e.getMessage().contains("temperature"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> new KlDivLoss(0f));
    }

    @Test
    void shapeMismatchIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> KlDivLoss.klDiv(Tensor.zeros(2, 3), Tensor.zeros(2, 4), 1f));
        assertThrows(IllegalArgumentException.class, () -> KlDivLoss.klDiv(Tensor.zeros(3), Tensor.zeros(3), 1f));
    }
}
