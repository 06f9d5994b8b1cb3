package dev.pare.nn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.pare.tensor.Tensor;
import org.junit.jupiter.api.Test;

class TensorDatasetTest {
    private static final Tensor INPUTS = Tensor.arange(12).view(3, 2, 2);

    @Test
    void exampleIsTheRowOfTheInputsAndItsLabel() {
        TensorDataset d = new TensorDataset(INPUTS, new int[] {2, 0, 1});
        assertEquals(3, d.size());
        assertArrayEquals(new int[] {2, 2}, d.inputShape());
        Example e = d.get(1);
        assertArrayEquals(new float[] {4, 5, 6, 7}, e.input().toArray());
        assertArrayEquals(new int[] {2, 2}, e.input().shape());
        assertEquals(0, e.label());
    }

    @Test
    void copyInputWritesOneRowAtTheOffset() {
        TensorDataset d = new TensorDataset(INPUTS, new int[] {0, 0, 0});
        float[] dst = new float[6];
        d.copyInput(2, dst, 1);
        assertArrayEquals(new float[] {0, 8, 9, 10, 11, 0}, dst);
    }

    @Test
    void stridedInputsAreReadInLogicalOrder() {
        Tensor t = Tensor.arange(6).view(2, 3).t(); // rows [0,3], [1,4], [2,5]
        TensorDataset d = new TensorDataset(t, new int[] {0, 1, 2});
        float[] dst = new float[2];
        d.copyInput(1, dst, 0);
        assertArrayEquals(new float[] {1, 4}, dst);
    }

    @Test
    void oneDimensionalInputsGiveScalarExamples() {
        TensorDataset d = new TensorDataset(Tensor.fromArray(5f, 6f), new int[] {1, 0});
        assertArrayEquals(new int[0], d.inputShape());
        assertEquals(6f, d.get(1).input().item());
    }

    @Test
    void floatLabelsAreAcceptedAsClassIndices() {
        TensorDataset d = new TensorDataset(INPUTS, Tensor.fromArray(2f, 0f, 9f));
        assertArrayEquals(new int[] {2, 0, 9}, d.labels());
    }

    @Test
    void fractionalLabelIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new TensorDataset(INPUTS, Tensor.fromArray(2f, 0.5f, 1f)));
        assertEquals("TensorDataset: label 0.5 of example 1 is not a class index (a whole number >= 0)", e.getMessage());
    }

    @Test
    void negativeLabelIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new TensorDataset(INPUTS, new int[] {0, -1, 0}));
        assertEquals("TensorDataset: label -1 of example 1 is negative; labels are class indices 0, 1, 2, ...", e.getMessage());
    }

    @Test
    void labelCountMustMatchTheExamples() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new TensorDataset(INPUTS, new int[] {0, 1}));
        assertEquals("TensorDataset: inputs of shape [3, 2, 2] hold 3 examples but there are 2 labels", e.getMessage());
    }

    @Test
    void scalarInputsAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new TensorDataset(Tensor.scalar(1f), new int[0]));
        assertEquals("TensorDataset: inputs must have a leading example dimension [N, ...], got shape []", e.getMessage());
    }

    @Test
    void indexOutOfRangeIsNamed() {
        TensorDataset d = new TensorDataset(INPUTS, new int[] {0, 0, 0});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> d.copyInput(3, new float[4], 0));
        assertEquals("TensorDataset: index 3 is out of range for 3 examples", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> d.label(-1));
    }

    @Test
    void labelsAreCopiedSoTheCallerCannotChangeThem() {
        int[] labels = {1, 2, 3};
        TensorDataset d = new TensorDataset(INPUTS, labels);
        labels[0] = 7;
        assertEquals(1, d.label(0));
    }
}
