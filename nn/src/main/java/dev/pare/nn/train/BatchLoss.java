package dev.pare.nn.train;

import dev.pare.tensor.Tensor;

/**
 * A loss that sees the whole batch, not only the labels: for losses that need the inputs too,
 * such as distillation, where a frozen teacher is run on the same inputs:
 * <pre>{@code
 * BatchLoss distill = (studentLogits, batch) -> {
 *     Tensor teacherLogits;
 *     try (var s = Tensor.noGrad()) { teacherLogits = teacher.forward(batch.inputs()); }
 *     return KlDivLoss.klDiv(studentLogits, teacherLogits, T).mul(alpha * T * T)
 *             .add(CrossEntropyLoss.crossEntropy(studentLogits, batch.labels()).mul(1 - alpha));
 * };
 * }</pre>
 * An ordinary {@link dev.pare.nn.loss.Loss} is the special case that reads only {@code batch.labels()}.
 */
@FunctionalInterface
public interface BatchLoss {
    /** The scalar loss of the model's {@code output} on {@code batch}. */
    Tensor apply(Tensor output, LabeledBatch batch);
}
