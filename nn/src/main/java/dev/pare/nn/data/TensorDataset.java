package dev.pare.nn.data;

import dev.pare.tensor.Shape;
import dev.pare.tensor.Tensor;
import java.util.Arrays;

/**
 * A dataset whose examples are the rows of one tensor: input {@code i} is
 * {@code inputs[i, …]}, its label is {@code labels[i]}.
 *
 * <p>The inputs are held contiguous (a strided tensor is copied once, here), so a batch is
 * assembled with one {@code System.arraycopy} per example.
 */
public final class TensorDataset implements Dataset {
    private final Tensor inputs;
    private final int[] labels;
    private final int[] exampleShape;
    private final int exampleNumel;

    /**
     * @param inputs shape {@code [N, …]}: one row per example
     * @param labels N class indices, each ≥ 0 (copied)
     */
    public TensorDataset(Tensor inputs, int[] labels) {
        if (inputs.dim() < 1) {
            throw new IllegalArgumentException("TensorDataset: inputs must have a leading example dimension [N, ...], got shape "
                    + Shape.str(inputs.shape()));
        }
        if (inputs.size(0) != labels.length) {
            throw new IllegalArgumentException("TensorDataset: inputs of shape " + Shape.str(inputs.shape()) + " hold "
                    + inputs.size(0) + " examples but there are " + labels.length + " labels");
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0) {
                throw new IllegalArgumentException("TensorDataset: label " + labels[i] + " of example " + i
                        + " is negative; labels are class indices 0, 1, 2, ...");
            }
        }
        // detach() first: the copy below then records no graph, and the data set holds no history.
        this.inputs = inputs.detach().contiguous();
        this.labels = labels.clone();
        int[] shape = inputs.shape();
        this.exampleShape = Arrays.copyOfRange(shape, 1, shape.length);
        this.exampleNumel = Shape.numel(exampleShape);
    }

    /**
     * @param inputs shape {@code [N, …]}
     * @param labels shape {@code [N]}, class indices stored as floats (0f, 1f, …), as a
     *     {@link Batch} gives them
     */
    public TensorDataset(Tensor inputs, Tensor labels) {
        this(inputs, toIndices(labels));
    }

    private static int[] toIndices(Tensor labels) {
        if (labels.dim() != 1) {
            throw new IllegalArgumentException("TensorDataset: labels must be 1-D [N], got shape " + Shape.str(labels.shape()));
        }
        float[] f = labels.toArray();
        int[] out = new int[f.length];
        for (int i = 0; i < f.length; i++) {
            if (!(f[i] >= 0 && f[i] == Math.rint(f[i]) && f[i] <= Integer.MAX_VALUE)) {
                throw new IllegalArgumentException("TensorDataset: label " + f[i] + " of example " + i
                        + " is not a class index (a whole number >= 0)");
            }
            out[i] = (int) f[i];
        }
        return out;
    }

    @Override
    public int size() {
        return labels.length;
    }

    @Override
    public int[] inputShape() {
        return exampleShape.clone();
    }

    @Override
    public int inputNumel() {
        return exampleNumel;
    }

    @Override
    public void copyInput(int index, float[] dst, int offset) {
        Dataset.checkIndex(this, index);
        System.arraycopy(inputs.storage(), inputs.offset() + index * exampleNumel, dst, offset, exampleNumel);
    }

    @Override
    public int label(int index) {
        Dataset.checkIndex(this, index);
        return labels[index];
    }

    /** Example {@code index} as a view of the inputs (no copy: do not write to it). */
    @Override
    public Example get(int index) {
        Dataset.checkIndex(this, index);
        return new Example(inputs.select(0, index), labels[index]);
    }

    /** All inputs, {@code [N, …]} (shared, not copied). */
    public Tensor inputs() {
        return inputs;
    }

    /** All labels (a copy). */
    public int[] labels() {
        return labels.clone();
    }
}
