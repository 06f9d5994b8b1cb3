package dev.pare.nn;

import dev.pare.tensor.Tensor;

/**
 * Rectified linear unit, elementwise: {@code ReLU(x) = max(0, x)}.
 *
 * <p>Its derivative is 1 for {@code x > 0} and 0 for {@code x < 0} (0 is used at {@code x = 0}).
 * Cheap, and it does not saturate for positive inputs, which is why deep networks train with it.
 *
 * <p><b>Shape:</b> any; the output has the input's shape.
 *
 * <p><b>Example:</b>
 * <pre>{@code
 * Tensor y = new ReLU().forward(Tensor.fromArray(-1f, 0f, 2f));   // [0, 0, 2]
 * }</pre>
 */
public final class ReLU extends Module {
    @Override
    public Tensor forward(Tensor x) {
        return x.relu();
    }
}
