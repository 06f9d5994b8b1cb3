package dev.pare.nn.loss;

import dev.pare.tensor.Tensor;

/**
 * Negative log-likelihood of log-probabilities against class indices, PyTorch's
 * {@code F.nll_loss}: the second half of {@link CrossEntropyLoss}, for models whose last layer
 * already applies log-softmax.
 *
 * <p>For log-probabilities p of shape [B, C] and targets y of shape [B]:
 * ℓᵢ = −pᵢ,yᵢ, reduced by {@link Reduction}. Backward: dℓᵢ/dpᵢ,c = −[c = yᵢ] (times 1/B for MEAN):
 * only the picked entries receive a gradient. The input is not checked to be normalised
 * (neither does PyTorch): give it raw scores and the "loss" is meaningless, not an error.
 */
public final class NllLoss implements Loss {
    private final Reduction reduction;

    /** Mean NLL: PyTorch's {@code nn.NLLLoss()}. */
    public NllLoss() {
        this(Reduction.MEAN);
    }

    public NllLoss(Reduction reduction) {
        if (reduction == null) {
            throw new IllegalArgumentException("nllLoss: reduction is null");
        }
        this.reduction = reduction;
    }

    @Override
    public Tensor apply(Tensor logProbs, Tensor targets) {
        return nllLoss(logProbs, targets, reduction);
    }

    /** Mean NLL. */
    public static Tensor nllLoss(Tensor logProbs, Tensor targets) {
        return nllLoss(logProbs, targets, Reduction.MEAN);
    }

    /** The loss in the class comment; {@code logProbs} [B, C], {@code targets} [B]. */
    public static Tensor nllLoss(Tensor logProbs, Tensor targets, Reduction reduction) {
        ClassTargets.checkShapes("nllLoss", logProbs, targets);
        int b = logProbs.size(0);
        int c = logProbs.size(1);
        int[] y = ClassTargets.indices("nllLoss", targets, c);
        float[] perSample = new float[b];
        for (int i = 0; i < b; i++) {
            perSample[i] = -logProbs.get(i, y[i]);
        }
        Tensor out = ClassTargets.reduce(perSample, reduction);
        return Tensor.recordOp("nllLoss", out, g -> {
            float[] w = ClassTargets.sampleWeights(g, reduction, b);
            float[] dp = new float[b * c];
            for (int i = 0; i < b; i++) {
                dp[i * c + y[i]] = -w[i];
            }
            return new Tensor[] {Tensor.fromArray(dp, b, c), null};
        }, logProbs, targets);
    }

    @Override
    public String toString() {
        return "NllLoss(reduction=" + reduction + ")";
    }
}
