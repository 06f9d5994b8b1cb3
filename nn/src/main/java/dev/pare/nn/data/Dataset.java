package dev.pare.nn.data;

import dev.pare.tensor.Shape;
import dev.pare.tensor.Tensor;

/**
 * A finite, indexed collection of labelled examples for classification: every example has an
 * input of the same shape and an integer class index.
 *
 * <p>{@link #get} is the friendly way to look at one example. A {@link DataLoader} does not use
 * it: it asks {@link #copyInput} to write each example straight into the batch's array, so a
 * batch of 64 images costs one allocation, not 65.
 *
 * <p>Implementations must allow concurrent reads (a prefetching loader reads from a background
 * thread) and must always return the same example for the same index.
 */
public interface Dataset {
    /** Number of examples. */
    int size();

    /** Shape of one example's input, e.g. {@code [1, 28, 28]} for a greyscale image (a copy). */
    int[] inputShape();

    /**
     * Writes the input of example {@code index}, in row-major order, to
     * {@code dst[offset … offset + numel(inputShape) − 1]}.
     */
    void copyInput(int index, float[] dst, int offset);

    /** The class index of example {@code index}. */
    int label(int index);

    /** Number of floats in one input, Π inputShape. */
    default int inputNumel() {
        return Shape.numel(inputShape());
    }

    /** Example {@code index}, as a new tensor and its label. */
    default Example get(int index) {
        checkIndex(this, index);
        int[] shape = inputShape();
        float[] values = new float[Shape.numel(shape)];
        copyInput(index, values, 0);
        return new Example(Tensor.wrap(values, 0, shape), label(index));
    }

    /** Throws an IllegalArgumentException naming the index and the size unless {@code 0 ≤ index < size()}. */
    static void checkIndex(Dataset d, int index) {
        if (index < 0 || index >= d.size()) {
            throw new IllegalArgumentException(d.getClass().getSimpleName() + ": index " + index
                    + " is out of range for " + d.size() + " examples");
        }
    }
}
