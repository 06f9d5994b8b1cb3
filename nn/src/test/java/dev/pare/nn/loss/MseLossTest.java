package dev.pare.nn.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MseLossTest {

    @Test
    void matchesHandComputedValues() {
        Tensor x = Tensor.fromArray(1f, 2f).requiresGrad(true);
        Tensor t = Tensor.fromArray(0f, 0f);
        Tensor loss = MseLoss.mseLoss(x, t);
        assertEquals(2.5f, loss.item(), 0f);
        assertEquals(5f, new MseLoss(Reduction.SUM).apply(x, t).item(), 0f);
        assertArrayEquals(new float[] {1f, 4f}, new MseLoss(Reduction.NONE).apply(x, t).toArray());
        loss.backward();
        // d/dx mean((x − t)²) = 2(x − t)/N
        assertArrayEquals(new float[] {1f, 2f}, x.grad().toArray());
    }

    @ParameterizedTest
    @ValueSource(strings = {"mean", "sum"})
    void matchesPyTorch(String reduction) {
        Tensor x = Tensor.fromArray(Fixtures.floats("mse.input"), 3, 4).requiresGrad(true);
        Tensor t = Tensor.fromArray(Fixtures.floats("mse.target"), 3, 4);
        Tensor loss = new MseLoss(Reduction.valueOf(reduction.toUpperCase())).apply(x, t);
        Check.assertClose("loss", Fixtures.floats("mse." + reduction + ".loss"), loss.toArray(), 1e-6, 0);
        loss.backward();
        Check.assertClose("grad", Fixtures.floats("mse." + reduction + ".grad"), x.grad().toArray(), 1e-6, 1e-7);
    }

    @Test
    void differentShapesAreAnErrorNotABroadcast() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> MseLoss.mseLoss(Tensor.zeros(4, 1), Tensor.zeros(4)));
        assertTrue(e.getMessage().contains("[4, 1]") && e.getMessage().contains("[4]"), e.getMessage());
    }
}
