package dev.pare.nn.train;

import dev.pare.tensor.Tensor;

/**
 * One batch of examples with their labels, as the {@link Trainer} consumes it.
 *
 * <p>Any {@code Iterable<? extends LabeledBatch>} is a data source: {@code dev.pare.nn.data}'s
 * loaders yield batches implementing this, and a test can use a {@code List} of
 * {@link #of(Tensor, Tensor)} batches. An iterable is iterated once per epoch, so a loader that
 * shuffles does so by itself, from its own seed.
 */
public interface LabeledBatch {
    /** The inputs, shape [B, ...]. */
    Tensor inputs();

    /** The targets, shape [B]: class indices as floats for classification. */
    Tensor labels();

    /** A batch holding the two given tensors. */
    static LabeledBatch of(Tensor inputs, Tensor labels) {
        if (inputs.dim() == 0 || labels.dim() == 0 || inputs.size(0) != labels.size(0)) {
            throw new IllegalArgumentException("LabeledBatch: inputs " + java.util.Arrays.toString(inputs.shape())
                    + " and labels " + java.util.Arrays.toString(labels.shape()) + " must share their first dimension");
        }
        return new LabeledBatch() {
            @Override
            public Tensor inputs() {
                return inputs;
            }

            @Override
            public Tensor labels() {
                return labels;
            }
        };
    }
}
