package dev.pare.nn.loss;

/**
 * How a loss turns its per-sample values into the tensor it returns, as PyTorch's
 * {@code reduction} argument.
 */
public enum Reduction {
    /** The average over the batch (and, for {@link MseLoss}, over every element): a scalar. */
    MEAN,
    /** The plain sum: a scalar. Its gradient grows with the batch size, so learning rates tuned for MEAN do not carry over. */
    SUM,
    /** No reduction: one value per sample, shape [B] (or the input's shape for {@link MseLoss}). */
    NONE
}
