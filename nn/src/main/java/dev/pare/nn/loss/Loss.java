package dev.pare.nn.loss;

import dev.pare.tensor.Tensor;

/**
 * A loss: compares a model's output with the target and returns a tensor to call
 * {@code backward()} on (a scalar unless the reduction is {@link Reduction#NONE}).
 *
 * <p>A functional interface, so a training loop accepts any of the losses here as well as a
 * lambda such as {@code (out, y) -> ce.apply(out, y).add(penalty)}.
 */
@FunctionalInterface
public interface Loss {
    /**
     * @param output what the model produced (for classifiers: logits [B, C])
     * @param target what it should have produced (for classifiers: class indices [B] as floats)
     */
    Tensor apply(Tensor output, Tensor target);
}
