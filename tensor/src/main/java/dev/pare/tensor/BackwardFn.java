package dev.pare.tensor;

/**
 * The backward half of a differentiable operation: given dL/dout, return dL/dinput for each
 * input, in the order the inputs were recorded (null for an input that needs no gradient).
 * Each returned gradient must have its input's shape.
 *
 * <p>It runs with grad mode off, so it may freely use tensor operations.
 */
@FunctionalInterface
public interface BackwardFn {
    Tensor[] apply(Tensor gradOutput);
}
