package dev.pare.compress.quantize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.nn.Linear;
import dev.pare.tensor.Rng;
import org.junit.jupiter.api.Test;

/** {@link InputQuantizer}: which parameters a quantized layer rounds its input with, by mode. */
class InputQuantizerTest {
    private static final Linear LAYER = new Linear(3, 2, new Rng(0));
    private static final float[] X = {9f, -0.5f, 2f, 1.25f, 7f};

    @Test
    void staticUsesTheCalibratedParametersWhateverTheInput() {
        QuantParams calibrated = new QuantParams(0.1f, -3);
        InputQuantizer q = new InputQuantizer(QuantMode.STATIC, calibrated, "Layer");
        assertTrue(q.quantizes());
        assertSame(calibrated, q.paramsFor(X, 1, 3, LAYER));
        assertSame(calibrated, q.calibrated());
    }

    @Test
    void dynamicUsesTheAffineParametersOfThisInputsOwnRange() {
        InputQuantizer q = new InputQuantizer(QuantMode.DYNAMIC, new QuantParams(0.1f, 0), "Layer");
        assertNull(q.calibrated(), "calibrated parameters are ignored outside static mode");
        // Elements 1..3 of X: −0.5, 2, 1.25; the 9 and the 7 outside the window must not count.
        assertEquals(QuantParams.affine(-0.5f, 2f), q.paramsFor(X, 1, 3, LAYER));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> q.paramsFor(new float[] {1f, Float.POSITIVE_INFINITY}, 0, 2, LAYER));
        assertTrue(e.getMessage().startsWith("Linear(3 -> 2): "), e.getMessage());
    }

    @Test
    void weightOnlyLeavesTheInputFloatAndHasNoParameters() {
        InputQuantizer q = new InputQuantizer(QuantMode.WEIGHT_ONLY, null, "Layer");
        assertFalse(q.quantizes());
        assertThrows(IllegalStateException.class, () -> q.paramsFor(X, 0, 5, LAYER));
    }

    @Test
    void staticWithoutCalibratedParametersIsRefusedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new InputQuantizer(QuantMode.STATIC, null, "QuantizedConv2d"));
        assertEquals("QuantizedConv2d: static mode needs calibrated input parameters", e.getMessage());
    }
}
