package dev.pare.compress.distill;

import dev.pare.nn.loss.CrossEntropyLoss;
import dev.pare.nn.loss.KlDivLoss;
import dev.pare.nn.loss.Reduction;
import dev.pare.tensor.Tensor;
import java.util.List;
import java.util.Locale;

/**
 * DistilBERT's triple loss (Sanh et al., 2019), for a student whose layers stand in for groups of
 * the teacher's:
 * <pre>
 *   L = α · T² · KL(softmax(t/T) ‖ softmax(s/T))      soft targets, as {@link DistillationLoss}
 *     + β · CE(s, y)                                  hard labels (optionally label-smoothed)
 *     + γ · (1/L_s) Σ_i mean(1 − cos(h_s,i, h_t,(i+1)k−1))   hidden states, {@link HiddenStateCosineLoss}
 * </pre>
 * for student logits s and teacher logits t [B, C], labels y [B], and the two networks' hidden
 * states (each layer's output, [B, T, E]).
 *
 * <h2>The three parts</h2>
 * <ul>
 *   <li><b>Soft targets</b> carry what the teacher knows about which wrong classes are close; the
 *       T² keeps their gradient comparable across temperatures (see {@link DistillationLoss}).</li>
 *   <li><b>Hard labels</b> keep the student honest where the teacher is wrong.</li>
 *   <li><b>The cosine</b> constrains the inside of the network: each student layer must leave its
 *       hidden states pointing where the teacher's do after the layers it replaces. A student
 *       initialised from the teacher's layers starts close to that; the cosine keeps it there
 *       while the soft and hard terms pull at the output.</li>
 * </ul>
 *
 * <h2>Why three independent weights</h2>
 * {@link DistillationLoss} splits one unit between its two terms, α and 1 − α. DistilBERT weighs
 * three terms independently (5, 2, 1 in its released training script, with T = 2). With Adam or
 * AdamW, which divide each step by a running scale of the gradient, multiplying all three weights
 * by one constant changes almost nothing; only their ratios matter.
 *
 * <p>A term whose weight is 0 is not computed: with γ = 0 the hidden states are not needed (and
 * may be null), with α = 0 the teacher's logits are not read. Gradients reach the student only.
 */
public final class DistilBertLoss {
    private final float temperature;
    private final float alpha;
    private final float beta;
    private final float gamma;
    private final float labelSmoothing;
    private final HiddenStateCosineLoss cosine;

    /**
     * @param temperature    T, finite and &gt; 0
     * @param alpha          α ≥ 0, weight of the soft-target term
     * @param beta           β ≥ 0, weight of the hard-label cross-entropy
     * @param gamma          γ ≥ 0, weight of the hidden-state cosine term
     * @param labelSmoothing ε ∈ [0, 1) of the hard-label term (0: plain cross-entropy)
     * @param pooling        which vectors of each hidden state the cosine compares
     */
    public DistilBertLoss(float temperature, float alpha, float beta, float gamma, float labelSmoothing,
                          HiddenStatePooling pooling) {
        if (!(temperature > 0f) || Float.isInfinite(temperature)) {
            throw new IllegalArgumentException("DistilBertLoss: temperature T = " + temperature + " must be finite and > 0");
        }
        checkWeight("alpha", alpha);
        checkWeight("beta", beta);
        checkWeight("gamma", gamma);
        if (alpha == 0f && beta == 0f && gamma == 0f) {
            throw new IllegalArgumentException("DistilBertLoss: alpha, beta and gamma are all 0; nothing would be learned");
        }
        if (!(labelSmoothing >= 0f && labelSmoothing < 1f)) {
            throw new IllegalArgumentException("DistilBertLoss: label smoothing " + labelSmoothing + " must be in [0, 1)");
        }
        this.temperature = temperature;
        this.alpha = alpha;
        this.beta = beta;
        this.gamma = gamma;
        this.labelSmoothing = labelSmoothing;
        this.cosine = new HiddenStateCosineLoss(pooling);
    }

    private static void checkWeight(String name, float w) {
        if (!(w >= 0f) || Float.isInfinite(w)) {
            throw new IllegalArgumentException("DistilBertLoss: " + name + " = " + w + " must be finite and >= 0");
        }
    }

    /**
     * The loss in the class comment.
     *
     * @param studentLogits [B, C], usually requiring grad
     * @param teacherLogits [B, C], the frozen teacher's on the same inputs (unused when α = 0)
     * @param labels        [B], class indices held as floats (unused when β = 0)
     * @param studentHidden the student's layer outputs (unused when γ = 0)
     * @param teacherHidden the teacher's layer outputs, k times as many (unused when γ = 0)
     * @return a scalar tensor
     */
    public Tensor apply(Tensor studentLogits, Tensor teacherLogits, Tensor labels,
                        List<Tensor> studentHidden, List<Tensor> teacherHidden) {
        Tensor total = null;
        if (alpha > 0f) {
            DistillationLoss.checkShapes(studentLogits, teacherLogits);
            total = KlDivLoss.klDiv(studentLogits, teacherLogits, temperature).mul(alpha * temperature * temperature);
        }
        if (beta > 0f) {
            Tensor ce = CrossEntropyLoss.crossEntropy(studentLogits, labels, Reduction.MEAN, labelSmoothing).mul(beta);
            total = total == null ? ce : total.add(ce);
        }
        if (gamma > 0f) {
            Tensor cos = cosine.apply(studentHidden, teacherHidden).mul(gamma);
            total = total == null ? cos : total.add(cos);
        }
        return total;
    }

    /** Whether the loss reads hidden states (γ &gt; 0). */
    public boolean needsHiddenStates() {
        return gamma > 0f;
    }

    /** Whether the loss reads the teacher's logits (α &gt; 0). */
    public boolean needsTeacherLogits() {
        return alpha > 0f;
    }

    public float temperature() {
        return temperature;
    }

    public float alpha() {
        return alpha;
    }

    public float beta() {
        return beta;
    }

    public float gamma() {
        return gamma;
    }

    public float labelSmoothing() {
        return labelSmoothing;
    }

    public HiddenStateCosineLoss cosine() {
        return cosine;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "DistilBertLoss(T=%s, alpha=%s, beta=%s, gamma=%s, label_smoothing=%s, %s)",
                temperature, alpha, beta, gamma, labelSmoothing, cosine.pooling().optionName());
    }
}
