package dev.pare.samples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.nn.Module;
import dev.pare.nn.data.DataLoader;
import dev.pare.nn.data.TensorDataset;
import dev.pare.nn.datasets.FashionMnist;
import dev.pare.nn.loss.CrossEntropyLoss;
import dev.pare.nn.optim.SGD;
import dev.pare.nn.train.FitResult;
import dev.pare.nn.train.ProgressMode;
import dev.pare.nn.train.Trainer;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import dev.pare.tensor.parallel.Parallel;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * End-to-end runs of the samples' recipe on the bundled Fashion-MNIST subset (always present):
 * learning works, and it is reproducible to the bit.
 */
class TrainingRunTest {
    private static TensorDataset train;
    private static TensorDataset test;
    private final int threadsBefore = Parallel.threads();

    @BeforeAll
    static void loadSubset() throws Exception {
        FashionMnist data = FashionMnist.bundledSubset();
        train = data.train(true);
        test = data.test(true);
    }

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(threadsBefore);
    }

    private static FitResult trainMlp(long seed, int epochs, Module model) {
        DataLoader loader = DataLoader.builder(train).batchSize(128).shuffle(seed).build();
        DataLoader eval = DataLoader.builder(test).batchSize(500).build();
        SGD sgd = new SGD(model.parameters(), 0.05, 0.9, 0, true, 5e-4);
        return Trainer.builder(model, new CrossEntropyLoss(), sgd).epochs(epochs).progress(ProgressMode.NONE)
                .build().fit(loader, eval);
    }

    @Test
    void oneEpochOfTheMlpOnTheSubsetLearnsFarBetterThanChance() {
        FitResult result = trainMlp(1, 1, FashionModels.mlp(new Rng(1)));
        // Chance is 10%; one epoch over 10,000 images reaches about 78% (measured: see README).
        assertTrue(result.finalEvaluation().accuracy() > 0.70,
                "test accuracy after one epoch: " + result.finalEvaluation().accuracy());
    }

    @Test
    void sameSeedAndThreadCountGiveBitIdenticalWeightsAfterAnEpoch() {
        for (int threads : new int[] {1, 2}) {
            Parallel.setThreads(threads);
            Module a = FashionModels.mlp(new Rng(7));
            Module b = FashionModels.mlp(new Rng(7));
            trainMlp(7, 1, a);
            trainMlp(7, 1, b);
            Map<String, Tensor> sa = a.stateDict();
            Map<String, Tensor> sb = b.stateDict();
            assertEquals(sa.keySet(), sb.keySet());
            for (String key : sa.keySet()) {
                assertArrayEquals(sa.get(key).toArray(), sb.get(key).toArray(), 0f,
                        key + " differs between two runs with seed 7 at " + threads + " thread(s)");
            }
        }
    }
}
