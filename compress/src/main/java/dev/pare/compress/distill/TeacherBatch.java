package dev.pare.compress.distill;

import dev.pare.nn.train.LabeledBatch;
import dev.pare.tensor.Tensor;

/**
 * A training batch that carries the teacher's logits for its rows, looked up in a
 * {@link TeacherLogitCache}, so that the distillation loss does not run the teacher.
 *
 * @param inputs        [B, ...]
 * @param labels        [B], class indices as floats
 * @param teacherLogits [B, C], row r is the teacher's output on {@code inputs[r]}
 * @param indices       the dataset index of each row
 */
public record TeacherBatch(Tensor inputs, Tensor labels, Tensor teacherLogits, int[] indices) implements LabeledBatch {
}
