package dev.pare.compress.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.nn.Linear;
import dev.pare.nn.ReLU;
import dev.pare.nn.Sequential;
import dev.pare.nn.data.Batch;
import dev.pare.nn.data.DataLoader;
import dev.pare.nn.data.TensorDataset;
import dev.pare.nn.loss.CrossEntropyLoss;
import dev.pare.nn.optim.SGD;
import dev.pare.nn.train.ProgressMode;
import dev.pare.nn.train.Trainer;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

class GradualScheduleTest {

    @Test
    void followsTheCubicFormulaAtThePruningSteps() {
        GradualSchedule s = new GradualSchedule(0, 0.9, 10, 4, 5);
        assertEquals(0, s.sparsityAt(0));
        assertEquals(0, s.sparsityAt(10));
        // Hand-computed: 0.9 · (1 − (1 − k/4)³) for k = 1, 2, 3, 4.
        assertEquals(0.9 * (1 - 27.0 / 64), s.sparsityAt(15), 1e-12);
        assertEquals(0.9 * (1 - 27.0 / 64), s.sparsityAt(19), 1e-12, "holds between prunings");
        assertEquals(0.9 * (1 - 1.0 / 8), s.sparsityAt(20), 1e-12);
        assertEquals(0.9 * (1 - 1.0 / 64), s.sparsityAt(25), 1e-12);
        assertEquals(0.9, s.sparsityAt(30), 1e-12);
        assertEquals(0.9, s.sparsityAt(1000), 1e-12);
        assertTrue(s.prunesAt(25) && !s.prunesAt(26) && !s.prunesAt(35));
    }

    @Test
    void badSchedulesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new GradualSchedule(0, 1.0, 0, 4, 5));
        assertThrows(IllegalArgumentException.class, () -> new GradualSchedule(0.5, 0.2, 0, 4, 5));
        assertThrows(IllegalArgumentException.class, () -> new GradualSchedule(0, 0.5, 0, 0, 5));
    }

    @Test
    void theGradualPrunerReachesTheTargetWhileATrainerRuns() {
        Rng rng = new Rng(1);
        Tensor x = Tensor.randn(rng, 64, 8);
        float[] y = new float[64];
        for (int i = 0; i < 64; i++) {
            y[i] = x.get(i, 0) > 0 ? 1 : 0;
        }
        DataLoader train = DataLoader.builder(new TensorDataset(x, Tensor.fromArray(y))).batchSize(8).shuffle(2).build();
        Sequential m = new Sequential(new Linear(8, 16, rng), new ReLU(), new Linear(16, 2, rng));
        SGD sgd = new SGD(m.parameters(), 0.1, 0.9, 0, false, 0);
        // 8 batches per epoch, 3 epochs = 24 steps; prune at steps 0, 4, …, 16.
        GradualPruner pruner = new GradualPruner(m, List.of("0.weight", "2.weight"), true,
                new GradualSchedule(0, 0.75, 0, 4, 4));
        Trainer t = Trainer.builder(m, new CrossEntropyLoss(), sgd).epochs(3).progress(ProgressMode.NONE).build();
        Iterable<Batch> wrapped = pruner.wrap(train);
        t.fit(wrapped, train);
        assertEquals(24, pruner.steps());
        SparsityReport.Row total = SparsityReport.of(m).total();
        assertEquals(3 * 160 / 4, total.parameters() - total.nonZeros(), "⌊0.75·160⌋ weights masked");
    }
}
