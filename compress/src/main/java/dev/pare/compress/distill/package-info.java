/**
 * Knowledge distillation: training a small student to match a large, frozen teacher.
 *
 * <p>Start with {@link dev.pare.compress.distill.DistillationLoss} (the formula, and why the soft
 * term is multiplied by T²), then {@link dev.pare.compress.distill.Distiller} (the training loop:
 * the {@code nn} trainer with a loss that runs the teacher), then
 * {@link dev.pare.compress.distill.TeacherLogitCache} (running the teacher once instead of every
 * epoch, and when that is exact) and {@link dev.pare.compress.distill.HintLoss} with
 * {@link dev.pare.compress.distill.SequentialTap} (matching a hidden layer, FitNets-style).
 *
 * <p>DistilBERT's recipe for transformers comes last, in three pieces:
 * {@link dev.pare.compress.distill.TeacherLayerInit} (a half-depth student started from one teacher
 * layer of every two), {@link dev.pare.compress.distill.HiddenStateCosineLoss} with
 * {@link dev.pare.compress.distill.HiddenStatePooling} (turning each student layer's hidden states
 * towards the teacher's), and {@link dev.pare.compress.distill.DistilBertLoss} (soft targets, hard
 * labels and the cosine, with independent weights), which the {@code Distiller} also accepts.
 *
 * <p>Guarantees: the teacher is never updated (it runs in evaluation mode under {@code noGrad},
 * and an optimizer holding its weights is refused); cached logits equal on-the-fly logits bit for
 * bit; bad settings (T ≤ 0, α outside [0, 1], teacher and student with different numbers of
 * classes, a student whose depth does not divide the teacher's) are refused with an {@link java.lang.IllegalArgumentException} naming the values.
 * The chapter {@code docs/distillation.md} walks through it with measurements.
 */
package dev.pare.compress.distill;
