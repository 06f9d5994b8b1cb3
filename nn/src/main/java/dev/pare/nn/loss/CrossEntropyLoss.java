package dev.pare.nn.loss;

import dev.pare.tensor.Tensor;
import dev.pare.tensor.kernels.SoftmaxKernels;

/**
 * Cross-entropy of logits against class indices, log-softmax and the pick of the true class fused
 * into one differentiable op, like PyTorch's {@code F.cross_entropy}.
 *
 * <p>For logits x of shape [B, C] and targets y of shape [B] (class indices held as floats), with
 * p = log-softmax(x) along the classes and label smoothing ε ∈ [0, 1):
 * <pre>
 *   ℓᵢ = −(1−ε)·pᵢ,yᵢ − (ε/C)·Σ_c pᵢ,c
 *   L  = (1/B)·Σᵢ ℓᵢ  (MEAN),  Σᵢ ℓᵢ  (SUM),  or the vector ℓ  (NONE)
 * </pre>
 * ε = 0 is the ordinary cross-entropy −log softmax(x)ᵢ,yᵢ. Label smoothing trains against the
 * target distribution (1−ε)·onehot(y) + ε/C instead of onehot(y), which stops the logits growing
 * without bound on separable data.
 *
 * <p>Backward, the reason to fuse: dℓᵢ/dxᵢ,c = softmax(xᵢ)_c − (1−ε)·[c = yᵢ] − ε/C, that is
 * "predicted minus target distribution", times 1/B for MEAN. Composing {@code logSoftmax},
 * {@code gather} and {@code mean} would compute the same thing through three graph nodes and three
 * temporaries; this runs every training step, so it is one node holding the log-probabilities.
 *
 * <p>Stability: log-softmax subtracts the row maximum before exponentiating and returns
 * xᵢ − m − log Σ e^(x−m) directly, never log(softmax), so logits of ±1e4 give finite losses and
 * gradients (log(softmax) would take the log of an underflowed 0 and return −∞).
 *
 * <p>Not supported (unlike PyTorch): per-class weights, {@code ignore_index}, probability targets,
 * and inputs with extra spatial dimensions.
 */
public final class CrossEntropyLoss implements Loss {
    private final Reduction reduction;
    private final float labelSmoothing;

    /** Mean cross-entropy without label smoothing: PyTorch's {@code nn.CrossEntropyLoss()}. */
    public CrossEntropyLoss() {
        this(Reduction.MEAN, 0f);
    }

    /**
     * @param reduction      how per-sample losses are combined
     * @param labelSmoothing ε in [0, 1): the share of the target mass spread evenly over all classes
     */
    public CrossEntropyLoss(Reduction reduction, float labelSmoothing) {
        if (reduction == null) {
            throw new IllegalArgumentException("crossEntropy: reduction is null");
        }
        // The negated form also rejects NaN.
        if (!(labelSmoothing >= 0f && labelSmoothing < 1f)) {
            throw new IllegalArgumentException("crossEntropy: labelSmoothing " + labelSmoothing
                    + " must be in [0, 1)");
        }
        this.reduction = reduction;
        this.labelSmoothing = labelSmoothing;
    }

    @Override
    public Tensor apply(Tensor logits, Tensor targets) {
        return crossEntropy(logits, targets, reduction, labelSmoothing);
    }

    /** Mean cross-entropy without label smoothing. */
    public static Tensor crossEntropy(Tensor logits, Tensor targets) {
        return crossEntropy(logits, targets, Reduction.MEAN, 0f);
    }

    /** The loss in the class comment; {@code logits} [B, C], {@code targets} [B]. */
    public static Tensor crossEntropy(Tensor logits, Tensor targets, Reduction reduction, float labelSmoothing) {
        if (!(labelSmoothing >= 0f && labelSmoothing < 1f)) {
            throw new IllegalArgumentException("crossEntropy: labelSmoothing " + labelSmoothing
                    + " must be in [0, 1)");
        }
        ClassTargets.checkShapes("crossEntropy", logits, targets);
        int b = logits.size(0);
        int c = logits.size(1);
        int[] y = ClassTargets.indices("crossEntropy", targets, c);

        // detach(): reading the values must not record a copy node; the graph edge is added below.
        Tensor x = logits.detach().contiguous();
        float[] xs = x.storage();
        int xo = x.offset();
        float[] logp = new float[b * c];
        float[] perSample = new float[b];
        float onTarget = 1f - labelSmoothing;
        float spread = labelSmoothing / c;
        for (int i = 0; i < b; i++) {
            int row = i * c;
            SoftmaxKernels.logSoftmax(xs, xo + row, logp, row, c);
            float loss = -onTarget * logp[row + y[i]];
            if (labelSmoothing != 0f) {
                float sum = 0f;
                for (int k = 0; k < c; k++) {
                    sum += logp[row + k];
                }
                loss -= spread * sum;
            }
            perSample[i] = loss;
        }
        Tensor out = ClassTargets.reduce(perSample, reduction);

        return Tensor.recordOp("crossEntropy", out, g -> {
            float[] w = ClassTargets.sampleWeights(g, reduction, b);
            float[] dx = new float[b * c];
            for (int i = 0; i < b; i++) {
                int row = i * c;
                for (int k = 0; k < c; k++) {
                    // softmax recovered from the stored log-probabilities: one exp, no second max/sum pass.
                    dx[row + k] = w[i] * ((float) Math.exp(logp[row + k]) - spread);
                }
                dx[row + y[i]] -= w[i] * onTarget;
            }
            return new Tensor[] {Tensor.fromArray(dx, b, c), null};
        }, logits, targets);
    }

    @Override
    public String toString() {
        return "CrossEntropyLoss(reduction=" + reduction + ", labelSmoothing=" + labelSmoothing + ")";
    }
}
