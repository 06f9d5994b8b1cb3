package dev.pare.compress.distill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.nn.Linear;
import dev.pare.nn.ReLU;
import dev.pare.nn.Sequential;
import dev.pare.nn.data.DataLoader;
import dev.pare.nn.data.TensorDataset;
import dev.pare.nn.optim.SGD;
import dev.pare.nn.train.FitResult;
import dev.pare.nn.train.ProgressMode;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class HintLossTest {

    @Test
    void hintIsBetaTimesTheMeanSquaredErrorOfTheProjection() {
        // Projection y = 2x (a 1×1 linear map, no bias): r(f_s) − f_t = [2·1 − 1, 2·2 − 0] = [1, 4].
        Linear r = new Linear(1, 1, false, new Rng(0));
        try (var ignored = Tensor.noGrad()) {
            r.weight().fill(2f);
        }
        HintLoss hint = new HintLoss(0, 0, r, 0.5f);
        float l = hint.apply(Tensor.fromArray(new float[] {1f, 2f}, 2, 1), Tensor.fromArray(new float[] {1f, 0f}, 2, 1)).item();
        assertEquals(0.5 * (1 + 16) / 2.0, l, 1e-6);
    }

    @Test
    void tapReturnsTheNetworksOutputAndKeepsTheLayersOutput() {
        Rng rng = new Rng(1);
        Sequential net = new Sequential(new Linear(4, 6, rng), new ReLU(), new Linear(6, 2, rng));
        SequentialTap tap = new SequentialTap(net, 1);
        Tensor x = Tensor.randn(new Rng(2), 3, 4);
        assertEquals(net.forward(x).toArray().length, tap.forward(x).toArray().length);
        org.junit.jupiter.api.Assertions.assertArrayEquals(net.forward(x).toArray(), tap.forward(x).toArray(), 0f);
        org.junit.jupiter.api.Assertions.assertArrayEquals(net.get(0).forward(x).relu().toArray(), tap.feature().toArray(), 0f);
        assertThrows(IllegalArgumentException.class, () -> new SequentialTap(net, 3));
    }

    @Test
    void mismatchedProjectionNamesTheShapes() {
        HintLoss hint = new HintLoss(0, 0, HintLoss.linearProjection(4, 5, new Rng(0)), 1f);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> hint.apply(Tensor.zeros(2, 4), Tensor.zeros(2, 6)));
        assertTrue(e.getMessage().contains("[2, 5]") && e.getMessage().contains("[2, 6]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new HintLoss(0, 0, HintLoss.linearProjection(1, 1, new Rng(0)), -1f));
    }

    @Test
    void hintTrainingMovesTheProjectionAndTheStudentsLowerLayer() {
        Rng rng = new Rng(3);
        Sequential teacher = new Sequential(new Linear(6, 16, rng), new ReLU(), new Linear(16, 3, rng));
        Sequential student = new Sequential(new Linear(6, 4, rng), new ReLU(), new Linear(4, 3, rng));
        Linear projection = HintLoss.linearProjection(4, 16, rng);
        List<Tensor> params = new ArrayList<>(student.parameters());
        params.addAll(projection.parameters());
        SGD sgd = new SGD(params, 0.05, 0.9);

        Tensor x = Tensor.randn(new Rng(4), 120, 6);
        int[] y = new int[120];
        for (int i = 0; i < y.length; i++) {
            y[i] = i % 3;
        }
        DataLoader train = DataLoader.builder(new TensorDataset(x, y)).batchSize(20).shuffle(5).build();

        HintLoss hint = new HintLoss(1, 1, projection, 1f); // teacher's 16 ReLU features ← student's 4
        float[] projBefore = projection.weight().toArray();
        float[] firstBefore = student.get(0).parameters().get(0).toArray();
        float[] teacherBefore = teacher.get(0).parameters().get(0).toArray();
        // α = 0: the logit loss is plain cross-entropy, so any change to r can only come from the hint.
        FitResult r = Distiller.builder(teacher, student, new DistillationLoss(2f, 0f), sgd)
                .hint(hint).epochs(2).progress(ProgressMode.NONE).build().fit(train, null);
        assertNotNull(r.last());
        assertTrue(!java.util.Arrays.equals(projBefore, projection.weight().toArray()), "projection unchanged");
        assertTrue(!java.util.Arrays.equals(firstBefore, student.get(0).parameters().get(0).toArray()));
        org.junit.jupiter.api.Assertions.assertArrayEquals(teacherBefore, teacher.get(0).parameters().get(0).toArray(), 0f);
    }

    @Test
    void aProjectionOutsideTheOptimizerOrAHintWithCachingIsRefused() {
        Rng rng = new Rng(3);
        Sequential teacher = new Sequential(new Linear(6, 16, rng), new ReLU(), new Linear(16, 3, rng));
        Sequential student = new Sequential(new Linear(6, 4, rng), new ReLU(), new Linear(4, 3, rng));
        Linear projection = HintLoss.linearProjection(4, 16, rng);
        HintLoss hint = new HintLoss(1, 1, projection, 1f);
        Distiller.Builder b = Distiller.builder(teacher, student, new DistillationLoss(2f, 0.5f),
                new SGD(student.parameters(), 0.1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.hint(hint));
        assertTrue(e.getMessage().contains("'weight'"), e.getMessage());

        List<Tensor> params = new ArrayList<>(student.parameters());
        params.addAll(projection.parameters());
        Distiller.Builder ok = Distiller.builder(teacher, student, new DistillationLoss(2f, 0.5f), new SGD(params, 0.1))
                .hint(hint).cacheTeacherLogits(true);
        assertThrows(IllegalArgumentException.class, ok::build);
    }
}
