package dev.pare.nn.data;

import dev.pare.tensor.Tensor;

/**
 * One example of a {@link Dataset}: its input and its class index.
 *
 * @param input the input, of shape {@link Dataset#inputShape()}
 * @param label the class index, {@code 0 ≤ label}
 */
public record Example(Tensor input, int label) {}
