package dev.pare.compress.prune;

import dev.pare.nn.Conv2d;
import dev.pare.nn.Linear;
import dev.pare.nn.Module;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.util.Arrays;

/**
 * Structured pruning: remove whole neurons (rows of a {@link Linear}'s weight) or output
 * channels of a {@link Conv2d}, and physically shrink the layer and its consumer, so the network
 * is really smaller and every dense kernel runs faster, with no sparse format needed.
 *
 * <pre>
 *   layer    W₁ [h, in], b₁ [h]        keep rows K ⊂ {0..h−1}   →  W₁[K, :], b₁[K]
 *   consumer W₂ [out, h]               keep columns K           →  W₂[:, K]
 * </pre>
 *
 * Neuron j's output feeds only column j of the consumer, so dropping both changes nothing else:
 * the kept neurons' outputs are exactly what they were, and the consumer loses the terms
 * W₂[:, j]·h_j of the removed ones. An element-wise activation between the two (ReLU) is fine;
 * a layer that mixes features (a BatchNorm over them, say) would need shrinking too and is
 * refused.
 *
 * <p>Neurons are ranked by the L1 or L2 norm of their weight row (the bias is not counted, as in
 * PyTorch's {@code ln_structured}); exactly ⌊s·h⌋ are removed, the smallest first, ties to the
 * lower index; the kept ones stay in their order.
 */
public final class StructuredPruner {
    /** Which norm ranks the neurons. */
    public enum Norm { L1, L2 }

    private StructuredPruner() {}

    /**
     * Removes ⌊fraction·h⌋ neurons of the {@code Linear} at {@code layerPath} and the matching
     * input columns of the {@code Linear} at {@code consumerPath}, replacing both modules.
     *
     * @return the indices of the kept neurons, ascending
     * @throws IllegalArgumentException for a fraction outside [0, 1), modules that are not
     *         Linear, a consumer whose input is not the layer's output, or a masked weight
     */
    public static int[] pruneNeurons(Module model, String layerPath, String consumerPath, double fraction, Norm norm) {
        Sparsity.check("pruneNeurons", fraction);
        Linear layer = linearAt(model, layerPath);
        Linear consumer = linearAt(model, consumerPath);
        int h = layer.outFeatures();
        if (consumer.inFeatures() != h) {
            throw new IllegalArgumentException("pruneNeurons: consumer \"" + consumerPath + "\" takes " + consumer.inFeatures()
                    + " inputs but \"" + layerPath + "\" has " + h + " outputs");
        }
        int[] keep = keptIndices(layer.weight().contiguous().toArray(), h, layer.inFeatures(), fraction, norm);
        Linear newLayer = new Linear(layer.inFeatures(), keep.length, layer.bias() != null, new Rng(0));
        Linear newConsumer = new Linear(keep.length, consumer.outFeatures(), consumer.bias() != null, new Rng(0));
        try (var ignored = Tensor.noGrad()) {
            newLayer.weight().copyFrom(layer.weight().indexSelect(0, keep));
            if (layer.bias() != null) {
                newLayer.bias().copyFrom(layer.bias().indexSelect(0, keep));
            }
            newConsumer.weight().copyFrom(consumer.weight().indexSelect(1, keep));
            if (consumer.bias() != null) {
                newConsumer.bias().copyFrom(consumer.bias());
            }
        }
        model.replaceModule(layerPath, newLayer);
        model.replaceModule(consumerPath, newConsumer);
        return keep;
    }

    /**
     * Removes ⌊fraction·C⌋ output channels of the {@code Conv2d} at {@code layerPath} and the
     * matching input channels of the {@code Conv2d} at {@code consumerPath} (both with groups = 1),
     * ranking channels by the norm of their filter [C_in, k, k].
     *
     * @return the indices of the kept channels, ascending
     */
    public static int[] pruneChannels(Module model, String layerPath, String consumerPath, double fraction, Norm norm) {
        Sparsity.check("pruneChannels", fraction);
        Conv2d layer = convAt(model, layerPath);
        Conv2d consumer = convAt(model, consumerPath);
        int c = layer.outChannels();
        if (consumer.inChannels() != c) {
            throw new IllegalArgumentException("pruneChannels: consumer \"" + consumerPath + "\" takes " + consumer.inChannels()
                    + " channels but \"" + layerPath + "\" makes " + c);
        }
        if (layer.groups() != 1 || consumer.groups() != 1) {
            throw new IllegalArgumentException("pruneChannels: grouped convolutions (groups " + layer.groups() + ", "
                    + consumer.groups() + ") tie channels together; only groups = 1 can be shrunk alone");
        }
        int fanIn = layer.weight().numel() / c;
        int[] keep = keptIndices(layer.weight().contiguous().toArray(), c, fanIn, fraction, norm);
        Conv2d newLayer = new Conv2d(layer.inChannels(), keep.length, layer.kernelSize(), layer.stride(), layer.padding(),
                layer.dilation(), 1, layer.bias() != null, new Rng(0));
        Conv2d newConsumer = new Conv2d(keep.length, consumer.outChannels(), consumer.kernelSize(), consumer.stride(),
                consumer.padding(), consumer.dilation(), 1, consumer.bias() != null, new Rng(0));
        try (var ignored = Tensor.noGrad()) {
            newLayer.weight().copyFrom(layer.weight().indexSelect(0, keep));
            if (layer.bias() != null) {
                newLayer.bias().copyFrom(layer.bias().indexSelect(0, keep));
            }
            newConsumer.weight().copyFrom(consumer.weight().indexSelect(1, keep));
            if (consumer.bias() != null) {
                newConsumer.bias().copyFrom(consumer.bias());
            }
        }
        model.replaceModule(layerPath, newLayer);
        model.replaceModule(consumerPath, newConsumer);
        return keep;
    }

    /** The rows to keep: all but the ⌊fraction·rows⌋ of smallest norm (ties: lower index removed first). */
    static int[] keptIndices(float[] w, int rows, int rowLength, double fraction, Norm norm) {
        long remove = Sparsity.count(fraction, rows);
        double[] score = new double[rows];
        for (int r = 0; r < rows; r++) {
            double s = 0;
            for (int i = r * rowLength; i < (r + 1) * rowLength; i++) {
                s += norm == Norm.L1 ? Math.abs(w[i]) : (double) w[i] * w[i];
            }
            score[r] = s;
        }
        Integer[] order = new Integer[rows];
        for (int i = 0; i < rows; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> score[a] != score[b] ? Double.compare(score[a], score[b]) : Integer.compare(a, b));
        boolean[] removed = new boolean[rows];
        for (int j = 0; j < remove; j++) {
            removed[order[j]] = true;
        }
        int[] keep = new int[rows - (int) remove];
        for (int r = 0, k = 0; r < rows; r++) {
            if (!removed[r]) {
                keep[k++] = r;
            }
        }
        return keep;
    }

    private static Linear linearAt(Module model, String path) {
        Module m = model.getModule(path);
        if (!(m instanceof Linear)) {
            throw new IllegalArgumentException("pruneNeurons: \"" + path + "\" is " + m + ", not a Linear");
        }
        if (Mask.isMasked(m, "weight")) {
            throw new IllegalArgumentException("pruneNeurons: \"" + path + "\" has a mask; Mask.remove it first");
        }
        return (Linear) m;
    }

    private static Conv2d convAt(Module model, String path) {
        Module m = model.getModule(path);
        if (!(m instanceof Conv2d)) {
            throw new IllegalArgumentException("pruneChannels: \"" + path + "\" is " + m + ", not a Conv2d");
        }
        if (Mask.isMasked(m, "weight")) {
            throw new IllegalArgumentException("pruneChannels: \"" + path + "\" has a mask; Mask.remove it first");
        }
        return (Conv2d) m;
    }
}
