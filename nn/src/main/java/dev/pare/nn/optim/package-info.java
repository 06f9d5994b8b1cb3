/**
 * Optimizers, learning-rate schedules and gradient clipping: what happens between
 * {@code loss.backward()} and the next forward pass.
 *
 * <p>Start with {@link dev.pare.nn.optim.Optimizer} (what every optimizer shares: the parameter
 * list, {@code step()}, {@code zeroGrad()}, the learning rate), then {@link dev.pare.nn.optim.SGD},
 * whose update is four lines, then {@link dev.pare.nn.optim.Adam} and
 * {@link dev.pare.nn.optim.AdamW}. {@link dev.pare.nn.optim.LrSchedule} describes a learning rate
 * as a function of the step number, {@link dev.pare.nn.optim.LrScheduler} applies one to an
 * optimizer, and {@link dev.pare.nn.optim.GradClip} rescales gradients by their global norm.
 *
 * <p>Guarantees: each optimizer performs PyTorch 1.13's update for the same hyper-parameters, in
 * the same order of float operations where it matters (checked against PyTorch fixtures to 1e-6
 * relative over several steps); updates run in place under {@code Tensor.noGrad()} and allocate
 * nothing per element (state tensors are allocated once, on the first step); a parameter whose
 * gradient is null is skipped, as in PyTorch; the same inputs always give the same bits, and an
 * optimizer restored with {@code loadStateDict(stateDict())} continues with exactly the steps the
 * original would have taken.
 */
package dev.pare.nn.optim;
