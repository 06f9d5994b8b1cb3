package dev.pare.compress.distill;

import dev.pare.nn.loss.CrossEntropyLoss;
import dev.pare.nn.loss.KlDivLoss;
import dev.pare.tensor.Tensor;
import java.util.Arrays;

/**
 * The loss of knowledge distillation (Hinton, Vinyals and Dean, 2015): a student learns from
 * the teacher's softened class distribution and from the true labels at once.
 *
 * <p>For student logits s and teacher logits t, both [B, C], labels y [B], temperature T &gt; 0
 * and weight α ∈ [0, 1]:
 * <pre>
 *   L = α · T² · KL(softmax(t/T) ‖ softmax(s/T))  +  (1 − α) · CE(s, y)
 * </pre>
 * with both terms averaged over the batch ({@link KlDivLoss#klDiv}, {@link CrossEntropyLoss#crossEntropy}).
 *
 * <h2>Why the temperature</h2>
 * A well-trained teacher puts almost all its probability on one class; the rest (which wrong
 * classes it finds plausible: a shirt looks more like a T-shirt than a boot) is in probabilities
 * of 1e-4 that barely move a cross-entropy. Dividing the logits by T &gt; 1 flattens the
 * distribution, so those ratios become targets of a useful size ("dark knowledge").
 *
 * <h2>Why T²</h2>
 * With p = softmax(s/T) and q = softmax(t/T), the gradient of the KL term with respect to the
 * student's logits is
 * <pre>
 *   ∂KL/∂s_c = (1/T) · (p_c − q_c) / B
 * </pre>
 * (the chain rule through s/T gives the 1/T; the softmax–log-likelihood pair gives p − q, as for
 * cross-entropy). For large T, softmax(z/T) ≈ (1 + (z_c − z̄)/T)/C, so p_c − q_c ≈ ((s_c − t_c) −
 * mean(s − t)) / (C·T), itself O(1/T). The gradient therefore shrinks like 1/T². Multiplying by T²
 * makes it tend to ((s_c − t_c) − mean(s − t)) / (C·B), independent of T: changing the
 * temperature then changes <em>what</em> the student matches, not how hard it is pushed relative
 * to the hard-label term, so α keeps its meaning across temperatures. (In that limit the soft
 * term is logit matching, Σ (s − t)² up to a constant and the mean shift, which is the paper's
 * other observation.) {@code DistillationLossProperties} checks this law.
 *
 * <p>A term whose weight is 0 (α = 0 or α = 1) is not computed: α = 0 is exactly the
 * cross-entropy, α = 1 exactly the soft term. Gradients reach the student only; the teacher's
 * logits are constants.
 */
public final class DistillationLoss {
    private final float temperature;
    private final float alpha;

    /**
     * @param temperature T, finite and &gt; 0 (T = 1 compares the plain softmax outputs; Hinton et
     *     al. used values from 2 to 20)
     * @param alpha       α ∈ [0, 1], the weight of the soft term (0: ordinary training on labels)
     */
    public DistillationLoss(float temperature, float alpha) {
        // Negated comparisons so that NaN is rejected too.
        if (!(temperature > 0f) || Float.isInfinite(temperature)) {
            throw new IllegalArgumentException("DistillationLoss: temperature T = " + temperature
                    + " must be finite and > 0");
        }
        if (!(alpha >= 0f && alpha <= 1f)) {
            throw new IllegalArgumentException("DistillationLoss: alpha = " + alpha + " must be in [0, 1]");
        }
        this.temperature = temperature;
        this.alpha = alpha;
    }

    public float temperature() {
        return temperature;
    }

    public float alpha() {
        return alpha;
    }

    /**
     * The loss in the class comment.
     *
     * @param studentLogits [B, C], usually requiring grad
     * @param teacherLogits [B, C], the frozen teacher's outputs on the same inputs
     * @param labels        [B], class indices held as floats
     * @return a scalar tensor
     */
    public Tensor apply(Tensor studentLogits, Tensor teacherLogits, Tensor labels) {
        checkShapes(studentLogits, teacherLogits);
        if (alpha == 0f) {
            return CrossEntropyLoss.crossEntropy(studentLogits, labels);
        }
        Tensor soft = soft(studentLogits, teacherLogits);
        if (alpha == 1f) {
            return soft;
        }
        return soft.add(CrossEntropyLoss.crossEntropy(studentLogits, labels).mul(1f - alpha));
    }

    /** The soft term alone, α·T²·KL(softmax(t/T) ‖ softmax(s/T)). */
    public Tensor soft(Tensor studentLogits, Tensor teacherLogits) {
        checkShapes(studentLogits, teacherLogits);
        Tensor kl = KlDivLoss.klDiv(studentLogits, teacherLogits, temperature);
        // One multiply by α·T², not two: with α = 1 and T = 1 this is exactly KL.
        return kl.mul(alpha * temperature * temperature);
    }

    /** Names both shapes when the teacher and the student disagree on the number of classes. */
    static void checkShapes(Tensor studentLogits, Tensor teacherLogits) {
        if (studentLogits.dim() != 2 || teacherLogits.dim() != 2) {
            throw new IllegalArgumentException("DistillationLoss: student logits " + Arrays.toString(studentLogits.shape())
                    + " and teacher logits " + Arrays.toString(teacherLogits.shape()) + " must both be [B, C]");
        }
        if (studentLogits.size(1) != teacherLogits.size(1)) {
            throw new IllegalArgumentException("DistillationLoss: the student outputs " + studentLogits.size(1)
                    + " classes but the teacher outputs " + teacherLogits.size(1)
                    + "; distillation needs the same classes in the same order");
        }
        if (studentLogits.size(0) != teacherLogits.size(0)) {
            throw new IllegalArgumentException("DistillationLoss: student logits " + Arrays.toString(studentLogits.shape())
                    + " and teacher logits " + Arrays.toString(teacherLogits.shape()) + " hold different batch sizes");
        }
    }

    @Override
    public String toString() {
        return "DistillationLoss(T=" + temperature + ", alpha=" + alpha + ")";
    }
}
