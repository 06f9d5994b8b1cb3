package dev.pare.nn.loss;

import dev.pare.tensor.Tensor;
import dev.pare.tensor.kernels.SoftmaxKernels;
import java.util.Arrays;

/**
 * The soft-target loss of knowledge distillation: the Kullback–Leibler divergence from the
 * teacher's temperature-softened distribution to the student's.
 *
 * <p>For student logits s and teacher logits t, both [B, C], and temperature T &gt; 0, with
 * q = softmax(t/T) and p = softmax(s/T) row by row:
 * <pre>
 *   L = (1/B) · Σᵢ Σ_c qᵢ,c · (log qᵢ,c − log pᵢ,c)      = KL(q ‖ p), averaged over the batch
 * </pre>
 * exactly PyTorch's {@code F.kl_div(F.log_softmax(s/T, 1), F.softmax(t/T, 1), reduction='batchmean')}.
 * A term with qᵢ,c = 0 counts as 0 (the limit of q·log q), as PyTorch's {@code xlogy} makes it.
 *
 * <p><b>The T² factor is not applied here.</b> The gradient of L with respect to s is
 * (1/T)·(p − q)/B, so it shrinks like 1/T² for large T (p − q itself is O(1/T)). Hinton et al.
 * multiply the soft loss by T² to keep its gradient comparable with the hard loss's as T
 * changes; the caller writes that, e.g. {@code α·T²·KL + (1−α)·CE}, so that this function keeps
 * PyTorch's meaning and the weighting stays visible where it is chosen.
 *
 * <p>Gradients flow into the student only: the teacher's logits are treated as constants (in
 * distillation the teacher is frozen; a teacher tensor that requires grad gets none from here).
 */
public final class KlDivLoss implements Loss {
    private final float temperature;

    /** @param temperature T &gt; 0; T = 1 compares the plain softmax distributions */
    public KlDivLoss(float temperature) {
        checkTemperature(temperature);
        this.temperature = temperature;
    }

    public float temperature() {
        return temperature;
    }

    /** {@code output} is the student's logits, {@code target} the teacher's. */
    @Override
    public Tensor apply(Tensor studentLogits, Tensor teacherLogits) {
        return klDiv(studentLogits, teacherLogits, temperature);
    }

    private static void checkTemperature(float temperature) {
        // The negated form also rejects NaN; infinity would make both distributions uniform and the loss 0.
        if (!(temperature > 0f) || Float.isInfinite(temperature)) {
            throw new IllegalArgumentException("klDiv: temperature " + temperature + " must be finite and > 0");
        }
    }

    /** The loss in the class comment, batch-mean, without the T² factor. */
    public static Tensor klDiv(Tensor studentLogits, Tensor teacherLogits, float temperature) {
        checkTemperature(temperature);
        if (studentLogits.dim() != 2) {
            throw new IllegalArgumentException("klDiv: student logits must have shape [B, C], got "
                    + Arrays.toString(studentLogits.shape()));
        }
        if (!Arrays.equals(studentLogits.shape(), teacherLogits.shape())) {
            throw new IllegalArgumentException("klDiv: student logits " + Arrays.toString(studentLogits.shape())
                    + " and teacher logits " + Arrays.toString(teacherLogits.shape()) + " differ in shape");
        }
        int b = studentLogits.size(0);
        int c = studentLogits.size(1);
        float[] s = scaledRows(studentLogits, temperature);
        float[] t = scaledRows(teacherLogits, temperature);
        float[] logP = new float[b * c];
        float[] logQ = new float[b * c];
        double total = 0;
        for (int i = 0; i < b; i++) {
            int row = i * c;
            SoftmaxKernels.logSoftmax(s, row, logP, row, c);
            SoftmaxKernels.logSoftmax(t, row, logQ, row, c);
            for (int k = 0; k < c; k++) {
                float q = (float) Math.exp(logQ[row + k]);
                if (q != 0f) {
                    total += q * (logQ[row + k] - logP[row + k]);
                }
            }
        }
        Tensor out = Tensor.scalar((float) (total / b));
        return Tensor.recordOp("klDiv", out, g -> {
            float scale = g.item() / (b * temperature);
            float[] ds = new float[b * c];
            for (int j = 0; j < ds.length; j++) {
                ds[j] = scale * ((float) Math.exp(logP[j]) - (float) Math.exp(logQ[j]));
            }
            return new Tensor[] {Tensor.fromArray(ds, b, c), null};
        }, studentLogits, teacherLogits);
    }

    /** The logits divided by T, as a fresh row-major array (detached: the graph edge is recorded by the caller). */
    private static float[] scaledRows(Tensor logits, float temperature) {
        float[] x = logits.detach().contiguous().toArray();
        // Divide, not multiply by 1/T: that is what s/T does in PyTorch, and it keeps T = 1 exact.
        for (int j = 0; j < x.length; j++) {
            x[j] /= temperature;
        }
        return x;
    }

    @Override
    public String toString() {
        return "KlDivLoss(temperature=" + temperature + ")";
    }
}
