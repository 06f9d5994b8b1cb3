package dev.pare.nn.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.tensor.Tensor;
import org.junit.jupiter.api.Test;

class AccuracyTest {

    @Test
    void countsRowsWhoseMaximumIsTheLabel() {
        Tensor scores = Tensor.fromArray(new float[] {0.1f, 0.9f, 0.8f, 0.2f, 0.3f, 0.7f}, 3, 2);
        Accuracy acc = new Accuracy();
        acc.update(scores, Tensor.fromArray(1f, 0f, 0f));
        assertEquals(2, acc.correct());
        assertEquals(3, acc.total());
        assertEquals(2.0 / 3, acc.value(), 1e-15);
        acc.update(scores, Tensor.fromArray(1f, 0f, 1f));
        assertEquals(5.0 / 6, acc.value(), 1e-15);
        acc.reset();
        assertTrue(Double.isNaN(acc.value()));
    }

    @Test
    void tiesGoToTheFirstMaximumAndNaNRowsHaveNoPrediction() {
        Tensor scores = Tensor.fromArray(new float[] {1f, 1f, 0f, 0f, Float.NaN, 5f}, 2, 3);
        assertArrayEquals(new int[] {0, -1}, Accuracy.predictions(scores));
        assertEquals(1, Accuracy.countCorrect(scores, Tensor.fromArray(0f, 2f)));
    }

    @Test
    void readsNonContiguousScores() {
        // rows of the transpose: [0, 3], [1, 0], [5, 4]
        Tensor scores = Tensor.fromArray(new float[] {0f, 1f, 5f, 3f, 0f, 4f}, 2, 3).t();
        assertArrayEquals(new int[] {1, 0, 0}, Accuracy.predictions(scores));
    }

    @Test
    void mismatchedBatchIsRejected() {
        assertThrows(IllegalArgumentException.class,
                () -> Accuracy.countCorrect(Tensor.zeros(3, 2), Tensor.zeros(2)));
        assertThrows(IllegalArgumentException.class, () -> Accuracy.predictions(Tensor.zeros(3)));
    }
}
