/**
 * Loss functions: the scalar a training step differentiates.
 *
 * <p>Start with {@link dev.pare.nn.loss.CrossEntropyLoss}, the loss of every classifier in Pare:
 * it fuses log-softmax with picking the true class's log-probability into one differentiable op,
 * whose backward is the famous {@code softmax − onehot}. {@link dev.pare.nn.loss.NllLoss} is the
 * second half alone (on log-probabilities), {@link dev.pare.nn.loss.MseLoss} the regression loss,
 * and {@link dev.pare.nn.loss.KlDivLoss} the soft-target loss of knowledge distillation.
 *
 * <p>Guarantees: every loss follows the PyTorch function of the same name (checked against
 * PyTorch fixtures and central differences in the tests); class targets are float tensors of
 * class indices, as {@code dev.pare.tensor.Tensor} has no integer dtype; bad shapes, class
 * indices out of range and non-positive temperatures raise an {@link IllegalArgumentException}
 * naming the loss and the offending value. All losses implement {@link dev.pare.nn.loss.Loss}, so
 * a training loop can take any of them.
 */
package dev.pare.nn.loss;
