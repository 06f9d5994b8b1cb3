package dev.pare.compress.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.nn.data.TensorDataset;
import dev.pare.nn.datasets.FashionMnist;
import java.io.IOException;
import org.junit.jupiter.api.Test;

class TrainingEvaluatorTest {

    @Test
    void aShortRunLearnsAndTheSameSeedGivesTheSameAccuracy() throws IOException {
        TensorDataset all = FashionMnist.bundledSubset().train(true);
        TrainingEvaluator e = new TrainingEvaluator(TrainingEvaluator.slice(all, 0, 600),
                TrainingEvaluator.slice(all, 9_000, 400), 1, 64, 0.05);
        MlpArchitecture a = new MlpSpace().decode("mlp:32");
        double first = e.accuracy(a, 1, 42);
        assertEquals(first, e.accuracy(a, 1, 42));
        assertTrue(first > 0.5, "one epoch on 600 images: " + first); // ten classes: chance is 0.1
        assertTrue(e.describe().contains("train 600 images, validate 400"), e.describe());
    }

    @Test
    void aSliceOutsideTheDataSetIsRefusedWithItsRange() throws IOException {
        TensorDataset all = FashionMnist.bundledSubset().test(true);
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class,
                () -> TrainingEvaluator.slice(all, 1_900, 200));
        assertTrue(x.getMessage().contains("examples 1900 to 2099 of a data set of 2000"), x.getMessage());
    }
}
