package dev.pare.compress.quantize;

import dev.pare.nn.Module;
import dev.pare.tensor.kernels.QuantizeKernels;

/**
 * How a quantized layer treats its float input x, by {@link QuantMode}:
 * <ul>
 *   <li>weight-only: x stays float ({@link #quantizes()} is false);</li>
 *   <li>static: x is rounded to the grid of the parameters calibrated beforehand;</li>
 *   <li>dynamic: x is rounded to the grid of its own range, {@link QuantParams#affine} of the
 *       batch's min and max (widened to contain 0), found again on every call.</li>
 * </ul>
 * Shared by {@link QuantizedLinear} and {@link QuantizedConv2d}, so both choose the same
 * parameters for the same input.
 */
final class InputQuantizer {
    private final QuantMode mode;
    private final QuantParams calibrated;

    /**
     * @param calibrated required for {@link QuantMode#STATIC}, ignored otherwise (may be null)
     * @param layer      the layer's type name, for the error message
     */
    InputQuantizer(QuantMode mode, QuantParams calibrated, String layer) {
        if (mode == QuantMode.STATIC && calibrated == null) {
            throw new IllegalArgumentException(layer + ": static mode needs calibrated input parameters");
        }
        this.mode = mode;
        this.calibrated = mode == QuantMode.STATIC ? calibrated : null;
    }

    QuantMode mode() {
        return mode;
    }

    /** The calibrated parameters (static mode), or null. */
    QuantParams calibrated() {
        return calibrated;
    }

    /** False for weight-only, where the input stays float. */
    boolean quantizes() {
        return mode != QuantMode.WEIGHT_ONLY;
    }

    /**
     * The parameters for the input x[xo, xo + n): the calibrated ones (static) or those of its own
     * range (dynamic).
     *
     * @throws IllegalArgumentException (dynamic) if x holds NaN or an infinity, naming {@code layer}
     * @throws IllegalStateException for weight-only, which has no input parameters
     */
    QuantParams paramsFor(float[] x, int xo, int n, Module layer) {
        if (mode == QuantMode.WEIGHT_ONLY) {
            throw new IllegalStateException(layer.describe() + ": weight-only keeps its input float; it has no input"
                    + " quantization parameters");
        }
        if (mode == QuantMode.STATIC) {
            return calibrated;
        }
        // One vector pass (QuantizeKernels.rangeWithZero): the range, widened to contain 0 as
        // QuantParams.affine would make it, or NaN when the input holds a NaN or an infinity.
        float[] loHi = new float[2];
        QuantizeKernels.rangeWithZero(x, xo, n, loHi);
        if (loHi[0] != loHi[0]) {
            // describe() only here: building the name on every call would cost a string per forward pass.
            throw new IllegalArgumentException(layer.describe()
                    + ": dynamic quantization of an input containing NaN or infinity");
        }
        return QuantParams.affine(loHi[0], loHi[1]);
    }
}
