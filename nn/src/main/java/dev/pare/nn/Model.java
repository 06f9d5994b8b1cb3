package dev.pare.nn;

import dev.pare.tensor.Tensor;

/**
 * What the training loop ({@link dev.pare.nn.train.Trainer}) and distillation need from a model:
 * a forward pass, and a switch between training and evaluation behaviour (dropout, batch-norm
 * statistics).
 *
 * <p>Kept minimal on purpose so that the training loop does not depend on how layers are built:
 * {@link Module} implements it (its {@code train()}/{@code eval()} map onto
 * {@link #setTraining}), and a test or a sample can pass a lambda, {@code x -> x.matmul(w).add(b)},
 * for a model without modes. Parameters are not part of it: the trainer only ever touches them
 * through the {@link dev.pare.nn.optim.Optimizer}, which holds its own list.
 *
 * <p>It lives here, beside {@code Module}, rather than in {@code train}: the base class of every
 * layer must not depend on the training loop built on top of it.
 */
@FunctionalInterface
public interface Model {
    /** The model's output for a batch of inputs, e.g. logits [B, C] for inputs [B, ...]. */
    Tensor forward(Tensor input);

    /** Switches to training ({@code true}) or evaluation ({@code false}) behaviour; no-op by default. */
    default void setTraining(boolean training) {}
}
