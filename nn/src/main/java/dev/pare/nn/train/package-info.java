/**
 * The training loop: epochs of forward, loss, backward and optimizer step, with evaluation,
 * metrics, progress display and a summary of the run.
 *
 * <p>Start with {@link dev.pare.nn.train.Trainer}: its {@code trainEpoch} is the loop every
 * tutorial writes by hand, spelled out once. It sees the model through
 * {@link dev.pare.nn.Model} and the data through {@link dev.pare.nn.train.LabeledBatch},
 * two deliberately small interfaces: {@code dev.pare.nn.Module} and
 * {@code dev.pare.nn.data.DataLoader}'s batches implement (or are adapted to) them, and a test can
 * pass a lambda and a {@code List} of batches. A loss that needs more than the labels (the
 * distillation loss runs a teacher on the inputs) is a {@link dev.pare.nn.train.BatchLoss}.
 * {@link dev.pare.nn.train.Accuracy} and
 * {@link dev.pare.nn.train.ConfusionMatrix} are the metrics; {@link dev.pare.nn.train.FitResult}
 * and {@link dev.pare.nn.train.EpochStats} what a run returns.
 * {@link dev.pare.nn.train.TrainingCheckpoint} is the state of a run saved every
 * {@link dev.pare.nn.train.CheckpointInterval} so that {@code Trainer.resume} can continue it; a
 * data source that can seek to a batch is {@link dev.pare.nn.train.ResumableBatches}.
 *
 * <p>Guarantees: evaluation runs under {@code Tensor.noGrad()} with the model in eval mode, and
 * the model is put back in training mode for the next epoch; with the same seeds and thread
 * count a run gives bit-identical parameters (the loop adds no randomness of its own), and so
 * does a run killed and resumed from a checkpoint (tested with SIGKILL); progress
 * goes to a terminal bar only when there is a terminal, and otherwise to a few SLF4J lines per
 * epoch, so CI logs stay readable.
 */
package dev.pare.nn.train;
