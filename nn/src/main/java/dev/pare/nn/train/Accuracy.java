package dev.pare.nn.train;

import dev.pare.tensor.Tensor;
import java.util.Arrays;

/**
 * Running top-1 accuracy: the fraction of samples whose highest score is the true class.
 *
 * <p>Ties go to the lowest class index (the first maximum), as {@code argmax} does in PyTorch; a
 * row containing NaN never counts as correct, so a diverged model does not score by accident.
 */
public final class Accuracy {
    private long correct;
    private long total;

    /** Adds a batch of scores [B, C] (logits or probabilities) and labels [B]. */
    public void update(Tensor scores, Tensor labels) {
        correct += countCorrect(scores, labels);
        total += labels.size(0);
    }

    /** correct / total, or NaN before any sample. */
    public double value() {
        return total == 0 ? Double.NaN : (double) correct / total;
    }

    public long correct() {
        return correct;
    }

    public long total() {
        return total;
    }

    public void reset() {
        correct = 0;
        total = 0;
    }

    /** How many rows of {@code scores} [B, C] have their first maximum at the label [B]. */
    public static int countCorrect(Tensor scores, Tensor labels) {
        int[] predicted = predictions(scores);
        if (labels.dim() != 1 || labels.size(0) != predicted.length) {
            throw new IllegalArgumentException("accuracy: scores " + Arrays.toString(scores.shape()) + " and labels "
                    + Arrays.toString(labels.shape()) + " do not describe the same batch");
        }
        int n = 0;
        for (int i = 0; i < predicted.length; i++) {
            if (predicted[i] == labels.get(i)) {
                n++;
            }
        }
        return n;
    }

    /** The predicted class of each row of {@code scores} [B, C]: its first maximum, or −1 if the row holds NaN. */
    public static int[] predictions(Tensor scores) {
        if (scores.dim() != 2 || scores.size(1) == 0) {
            throw new IllegalArgumentException("accuracy: scores must have shape [B, C] with C >= 1, got "
                    + Arrays.toString(scores.shape()));
        }
        Tensor s = scores.detach().contiguous();
        float[] d = s.storage();
        int o = s.offset();
        int b = s.size(0);
        int c = s.size(1);
        int[] out = new int[b];
        for (int i = 0; i < b; i++) {
            int best = -1;
            float bestValue = Float.NEGATIVE_INFINITY;
            for (int k = 0; k < c; k++) {
                float v = d[o + i * c + k];
                if (Float.isNaN(v)) {
                    best = -1;
                    break;
                }
                if (best < 0 || v > bestValue) {
                    best = k;
                    bestValue = v;
                }
            }
            out[i] = best;
        }
        return out;
    }
}
