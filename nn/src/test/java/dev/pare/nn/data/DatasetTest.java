package dev.pare.nn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The default methods a Dataset gets for free from size, inputShape, copyInput and label. */
class DatasetTest {
    /** Example i is the 2×2 image filled with i, labelled 7 − i. */
    private static final Dataset SQUARES = new Dataset() {
        @Override public int size() { return 3; }
        @Override public int[] inputShape() { return new int[] {2, 2}; }
        @Override public void copyInput(int index, float[] dst, int offset) {
            java.util.Arrays.fill(dst, offset, offset + 4, index);
        }
        @Override public int label(int index) { return 7 - index; }
    };

    @Test
    void getBuildsTheExampleFromCopyInputAndLabel() {
        Example e = SQUARES.get(2);
        assertArrayEquals(new int[] {2, 2}, e.input().shape());
        assertArrayEquals(new float[] {2, 2, 2, 2}, e.input().toArray());
        assertEquals(5, e.label());
        assertEquals(4, SQUARES.inputNumel());
    }

    @Test
    void getOutOfRangeNamesTheIndexAndTheSize() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SQUARES.get(3));
        assertEquals(": index 3 is out of range for 3 examples", e.getMessage().substring(e.getMessage().indexOf(':')));
    }

    @Test
    void loaderWorksOnAnyDataset() {
        int batches = 0;
        for (Batch b : DataLoader.builder(SQUARES).batchSize(2).build().epoch(0)) {
            assertArrayEquals(new int[] {b.size(), 2, 2}, b.inputs().shape());
            batches++;
        }
        assertEquals(2, batches);
    }
}
