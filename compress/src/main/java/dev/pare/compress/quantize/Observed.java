package dev.pare.compress.quantize;

import dev.pare.nn.Module;
import dev.pare.tensor.Tensor;

/**
 * A layer wrapped for static calibration: each forward pass records its input in an
 * {@link Observer}, then runs the layer unchanged. {@link Quantizer#prepareStatic} puts these in
 * place of every Linear and Conv2d; {@link Quantizer#convertStatic} replaces them by quantized
 * layers whose input parameters are the observer's.
 *
 * <p>The wrapped layer is registered as child {@code layer}, so the model's parameters stay
 * visible; calibration should still run under {@code Tensor.noGrad()} (as
 * {@link Quantizer#calibrate} does).
 */
public final class Observed extends Module {
    private final Module layer;
    private final Observer observer;

    public Observed(Module layer, Observer observer) {
        this.layer = registerModule("layer", layer);
        this.observer = observer;
    }

    @Override
    public Tensor forward(Tensor x) {
        observer.observe(x);
        return layer.forward(x);
    }

    /** The wrapped Linear or Conv2d. */
    public Module layer() {
        return layer;
    }

    public Observer observer() {
        return observer;
    }

    @Override
    protected String extraRepr() {
        return "observer=" + observer.getClass().getSimpleName() + ", seen=" + observer.count();
    }
}
