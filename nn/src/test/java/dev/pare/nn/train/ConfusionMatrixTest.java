package dev.pare.nn.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.tensor.Tensor;
import org.junit.jupiter.api.Test;

class ConfusionMatrixTest {

    /** Class 0: 3 samples, 2 right, 1 taken for 1. Class 1: 2 samples, both right. Class 2: 1 sample, taken for 1. */
    private static ConfusionMatrix example() {
        ConfusionMatrix m = new ConfusionMatrix(3);
        m.add(0, 0);
        m.add(0, 0);
        m.add(0, 1);
        m.add(1, 1);
        m.add(1, 1);
        m.add(2, 1);
        return m;
    }

    @Test
    void precisionAndRecallMatchHandCounts() {
        ConfusionMatrix m = example();
        assertEquals(1.0, m.precision(0));
        assertEquals(2.0 / 3, m.recall(0), 1e-15);
        assertEquals(2.0 / 4, m.precision(1), 1e-15);
        assertEquals(1.0, m.recall(1));
        assertTrue(Double.isNaN(m.precision(2)), "nothing was predicted as class 2");
        assertEquals(0.0, m.recall(2));
        assertEquals(4.0 / 6, m.accuracy(), 1e-15);
        assertEquals(6, m.total());
        assertEquals(1, m.count(2, 1));
    }

    @Test
    void updateFromScoresCountsPredictions() {
        ConfusionMatrix m = new ConfusionMatrix(2);
        m.update(Tensor.fromArray(new float[] {2f, 1f, 0f, 3f, 1f, 0f, Float.NaN, 0f}, 4, 2),
                Tensor.fromArray(0f, 1f, 1f, 1f));
        assertEquals(1, m.count(0, 0));
        assertEquals(1, m.count(1, 1));
        assertEquals(1, m.count(1, 0));
        assertEquals(1.0 / 3, m.recall(1), 1e-15); // the NaN row counts against recall
        assertEquals(4, m.total());
    }

    @Test
    void tableShowsCountsRecallAndPrecision() {
        String table = example().toTable(new String[] {"cat", "dog", "bird"});
        String[] lines = table.split("\n");
        assertTrue(lines[0].startsWith("true\\pred") && lines[0].contains("cat") && lines[0].contains("recall")
                && lines[0].contains("precision"), table);
        assertTrue(lines[1].matches("cat\\s+2\\s+1\\s+0\\s+66\\.7%\\s+100\\.0%"), lines[1]);
        assertTrue(lines[3].matches("bird\\s+0\\s+1\\s+0\\s+0\\.0%\\s+-"), lines[3]);
        assertTrue(lines[4].startsWith("accuracy 66.7% over 6 samples"), lines[4]);
    }

    @Test
    void badInputIsRejected() {
        ConfusionMatrix m = new ConfusionMatrix(2);
        assertThrows(IllegalArgumentException.class, () -> new ConfusionMatrix(0));
        assertThrows(IllegalArgumentException.class, () -> m.add(2, 0));
        var e = assertThrows(IllegalArgumentException.class,
                () -> m.update(Tensor.zeros(2, 2), Tensor.fromArray(0f, 5f)));
        assertTrue(e.getMessage().contains("label 5.0 at batch index 1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> m.update(Tensor.zeros(2, 3), Tensor.zeros(2)));
        assertThrows(IllegalArgumentException.class, () -> m.toTable(new String[] {"one"}));
    }
}
