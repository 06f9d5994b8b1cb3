package dev.pare.nn.data;

import dev.pare.nn.train.LabeledBatch;
import dev.pare.tensor.Tensor;

/**
 * A group of B examples, ready for a model and a loss.
 *
 * <ul>
 *   <li>{@link #inputs()}: shape {@code [B, …inputShape]}, row {@code r} is example
 *       {@code indices()[r]} of the dataset;</li>
 *   <li>{@link #labels()}: shape {@code [B]}, the class indices as floats (0f, 1f, …), the form a
 *       cross-entropy loss takes;</li>
 *   <li>{@link #labelIndices()}: the same labels as ints, for counting correct predictions.</li>
 * </ul>
 * Each batch owns fresh arrays: keeping it, or changing it in place, does not affect the dataset
 * or other batches.
 */
public final class Batch implements LabeledBatch {
    private final Tensor inputs;
    private final Tensor labels;
    private final int[] labelIndices;
    private final int[] indices;

    Batch(Tensor inputs, Tensor labels, int[] labelIndices, int[] indices) {
        this.inputs = inputs;
        this.labels = labels;
        this.labelIndices = labelIndices;
        this.indices = indices;
    }

    /** The inputs, {@code [B, …]}. */
    @Override
    public Tensor inputs() {
        return inputs;
    }

    /** The class indices as a float tensor {@code [B]}. */
    @Override
    public Tensor labels() {
        return labels;
    }

    /** The class indices as ints (a copy). */
    public int[] labelIndices() {
        return labelIndices.clone();
    }

    /** The dataset index of each row (a copy). */
    public int[] indices() {
        return indices.clone();
    }

    /** B, the number of examples. */
    public int size() {
        return indices.length;
    }

    @Override
    public String toString() {
        return "Batch[" + size() + " examples, inputs " + java.util.Arrays.toString(inputs.shape()) + "]";
    }
}
