package dev.pare.compress.distill;

import dev.pare.tensor.Tensor;
import java.util.Arrays;
import java.util.List;

/**
 * The cosine loss of DistilBERT (Sanh et al., 2019): it turns the student's hidden states in the
 * same directions as the teacher's.
 *
 * <p>For a student with L_s layers and a teacher with L_t = k·L_s layers, student layer i is
 * aligned with teacher layer (i + 1)·k − 1, the last of the k teacher layers it stands in for
 * (for k = 2: 0 ↔ 1, 1 ↔ 3, 2 ↔ 5). With s and t the rows that {@link HiddenStatePooling} takes
 * from the aligned outputs ([N, E] each):
 * <pre>
 *   cos(s_n, t_n) = s_n·t_n / √((‖s_n‖² + ε)(‖t_n‖² + ε)),   ε = 1e-12
 *   L = (1/L_s) Σ_i (1/N) Σ_n (1 − cos(s_n, t_n))            ∈ [0, 2]
 * </pre>
 * the formula of PyTorch's {@code cosine_embedding_loss} with target 1, which DistilBERT uses,
 * averaged over the aligned pairs. (ε only keeps a zero vector from dividing by zero.)
 *
 * <h2>Why the direction and not the distance</h2>
 * A mean squared error (FitNets' hint) also asks the student to reproduce the length of each
 * vector. The length of a pre-norm transformer's residual stream grows from layer to layer and is
 * removed by the LayerNorm that reads it, so it carries little; its direction is what the next
 * layer and the head see. The cosine asks for that alone, needs no projection when the widths are
 * equal, and is bounded, so one badly matched layer cannot swamp the other terms.
 *
 * <h2>Why average over the pairs</h2>
 * DistilBERT aligns only the last layer. Averaging over the L_s pairs keeps the loss in [0, 2]
 * whatever the depth, so its weight γ means the same for a 3-layer student as for a 6-layer one.
 *
 * <p>Gradients reach the student's states only: the teacher's are detached.
 * {@code HiddenStateCosineLossTest} checks the gradient against central differences.
 */
public final class HiddenStateCosineLoss {
    /** PyTorch's EPSILON in {@code cosine_embedding_loss}, added to both squared norms. */
    static final float EPS = 1e-12f;

    private final HiddenStatePooling pooling;

    public HiddenStateCosineLoss(HiddenStatePooling pooling) {
        if (pooling == null) {
            throw new IllegalArgumentException("HiddenStateCosineLoss: pooling is null");
        }
        this.pooling = pooling;
    }

    public HiddenStatePooling pooling() {
        return pooling;
    }

    /**
     * The teacher layer aligned with student layer {@code i}: (i + 1)·k − 1 with
     * k = teacherLayers / studentLayers.
     *
     * @throws IllegalArgumentException if the student's depth does not divide the teacher's
     */
    public static int alignedTeacherLayer(int i, int studentLayers, int teacherLayers) {
        int k = layerRatio(studentLayers, teacherLayers);
        if (i < 0 || i >= studentLayers) {
            throw new IllegalArgumentException("HiddenStateCosineLoss: student layer " + i + " is out of range for "
                    + studentLayers + " layers");
        }
        return (i + 1) * k - 1;
    }

    /** k = teacherLayers / studentLayers, checked to be a whole number ≥ 1. */
    static int layerRatio(int studentLayers, int teacherLayers) {
        if (studentLayers < 1 || teacherLayers < studentLayers || teacherLayers % studentLayers != 0) {
            throw new IllegalArgumentException("HiddenStateCosineLoss: a student of " + studentLayers
                    + " layers cannot stand in for a teacher of " + teacherLayers
                    + " layers; the teacher's depth must be a multiple of the student's");
        }
        return teacherLayers / studentLayers;
    }

    /**
     * The loss in the class comment.
     *
     * @param studentHidden the student's hidden states, entry i the output of layer i, each [B, T, E]
     * @param teacherHidden the teacher's, k times as many, of the same shapes
     * @return a scalar tensor
     */
    public Tensor apply(List<Tensor> studentHidden, List<Tensor> teacherHidden) {
        if (studentHidden == null || teacherHidden == null) {
            throw new IllegalArgumentException("HiddenStateCosineLoss: the hidden states are null");
        }
        int ls = studentHidden.size();
        int lt = teacherHidden.size();
        layerRatio(ls, lt);
        Tensor total = null;
        for (int i = 0; i < ls; i++) {
            int j = alignedTeacherLayer(i, ls, lt);
            Tensor s = studentHidden.get(i);
            Tensor t = teacherHidden.get(j);
            if (s == null || t == null || !Arrays.equals(s.shape(), t.shape())) {
                throw new IllegalArgumentException("HiddenStateCosineLoss: student layer " + i + " "
                        + (s == null ? "null" : Arrays.toString(s.shape())) + " and teacher layer " + j + " "
                        + (t == null ? "null" : Arrays.toString(t.shape())) + " must have the same shape [B, T, E]");
            }
            Tensor pair = oneMinusCosine(pooling.rows(s), pooling.rows(t.detach()));
            total = total == null ? pair : total.add(pair);
        }
        return ls == 1 ? total : total.mul(1f / ls);
    }

    /** mean_n (1 − cos(s_n, t_n)) for rows s, t [N, E]. */
    static Tensor oneMinusCosine(Tensor s, Tensor t) {
        Tensor dot = s.mul(t).sum(1);
        Tensor ss = s.square().sum(1).add(EPS);
        Tensor tt = t.square().sum(1).add(EPS);
        Tensor cos = dot.div(ss.mul(tt).sqrt());
        return cos.neg().add(1f).mean();
    }

    @Override
    public String toString() {
        return "HiddenStateCosineLoss(" + pooling.optionName() + ")";
    }
}
