package dev.pare.nn.loss;

import dev.pare.tensor.Tensor;
import java.util.Arrays;

/**
 * Checks shared by the classification losses: scores of shape [B, C] and targets of shape [B]
 * holding class indices as floats.
 */
final class ClassTargets {
    private ClassTargets() {}

    /** Throws unless {@code scores} is [B, C] with C ≥ 1 and {@code targets} is [B]. */
    static void checkShapes(String op, Tensor scores, Tensor targets) {
        if (scores.dim() != 2) {
            throw new IllegalArgumentException(op + ": input must have shape [B, C], got "
                    + Arrays.toString(scores.shape()));
        }
        if (scores.size(1) == 0) {
            throw new IllegalArgumentException(op + ": input of shape " + Arrays.toString(scores.shape())
                    + " has no classes");
        }
        if (targets.dim() != 1) {
            throw new IllegalArgumentException(op + ": targets must be class indices of shape [B], got "
                    + Arrays.toString(targets.shape()));
        }
        if (targets.size(0) != scores.size(0)) {
            throw new IllegalArgumentException(op + ": batch size mismatch: input " + Arrays.toString(scores.shape())
                    + " has " + scores.size(0) + " rows but targets " + Arrays.toString(targets.shape()) + " has "
                    + targets.size(0));
        }
    }

    /**
     * The targets as ints, each checked to be a whole number in [0, classes). Floats hold every
     * integer up to 2^24 exactly, so the conversion loses nothing for any real class count.
     */
    static int[] indices(String op, Tensor targets, int classes) {
        int n = targets.size(0);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            float v = targets.get(i);
            int k = (int) v;
            if (k != v || k < 0 || k >= classes) {
                throw new IllegalArgumentException(op + ": target " + v + " at batch index " + i
                        + " is not a class index in [0, " + classes + ")");
            }
            out[i] = k;
        }
        return out;
    }

    /** The reduced value as a tensor: a scalar for MEAN/SUM, the per-sample values for NONE. */
    static Tensor reduce(float[] perSample, Reduction reduction) {
        int n = perSample.length;
        switch (reduction) {
            case NONE:
                return Tensor.fromArray(perSample.clone(), n);
            case SUM:
            case MEAN: {
                // Summed in double: the batch mean of a few thousand float losses would otherwise
                // depend on their order in the last bits more than it needs to.
                double s = 0;
                for (float v : perSample) {
                    s += v;
                }
                // PyTorch's mean of an empty batch is NaN (0/0); keep that rather than invent 0.
                return Tensor.scalar((float) (reduction == Reduction.SUM ? s : s / n));
            }
            default:
                throw new AssertionError(reduction);
        }
    }

    /**
     * The weight of sample i in dL/d(per-sample loss): 1/B for MEAN, 1 for SUM, the incoming
     * gradient's element i for NONE. {@code g} is the gradient of the reduced output.
     */
    static float[] sampleWeights(Tensor g, Reduction reduction, int n) {
        float[] w = new float[n];
        switch (reduction) {
            case NONE:
                for (int i = 0; i < n; i++) {
                    w[i] = g.get(i);
                }
                return w;
            case SUM:
                Arrays.fill(w, g.item());
                return w;
            case MEAN:
                Arrays.fill(w, g.item() / n);
                return w;
            default:
                throw new AssertionError(reduction);
        }
    }
}
