package dev.pare.compress.distill;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.nn.BatchNorm1d;
import dev.pare.nn.BatchNorm2d;
import dev.pare.nn.Conv2d;
import dev.pare.nn.Dropout;
import dev.pare.nn.Flatten;
import dev.pare.nn.Linear;
import dev.pare.nn.MaxPool2d;
import dev.pare.nn.Module;
import dev.pare.nn.ReLU;
import dev.pare.nn.Sequential;
import dev.pare.nn.data.AugmentedDataset;
import dev.pare.nn.data.Batch;
import dev.pare.nn.data.DataLoader;
import dev.pare.nn.data.RandomHorizontalFlip;
import dev.pare.nn.data.RandomShift;
import dev.pare.nn.data.TensorDataset;
import dev.pare.nn.optim.SGD;
import dev.pare.nn.train.FitResult;
import dev.pare.nn.train.LabeledBatch;
import dev.pare.nn.train.ProgressMode;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DistillerTest {
    private static final int FEATURES = 8;
    private static final int CLASSES = 3;

    /** 240 points in 8-D, labelled by the argmax of a fixed random linear map. */
    private static TensorDataset dataset(long seed, int n) {
        Rng rng = new Rng(seed);
        Tensor x = Tensor.randn(rng, n, FEATURES);
        Tensor w = Tensor.randn(new Rng(99), FEATURES, CLASSES);
        float[] scores = x.matmul(w).toArray();
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            int best = 0;
            for (int k = 1; k < CLASSES; k++) {
                if (scores[i * CLASSES + k] > scores[i * CLASSES + best]) {
                    best = k;
                }
            }
            y[i] = best;
        }
        return new TensorDataset(x, y);
    }

    /** A teacher with the two layers whose mode matters, batch norm and dropout. */
    private static Sequential teacher(long seed) {
        Rng rng = new Rng(seed);
        Sequential t = new Sequential(new Linear(FEATURES, 32, rng), new BatchNorm1d(32), new ReLU(),
                new Dropout(0.5, rng.fork()), new Linear(32, CLASSES, rng));
        // Non-trivial running statistics, so that evaluation mode differs from training mode.
        t.train();
        try (var ignored = Tensor.noGrad()) {
            t.forward(Tensor.randn(new Rng(seed + 1), 64, FEATURES).mul(2f).add(0.5f));
        }
        return t;
    }

    private static Sequential student(long seed) {
        Rng rng = new Rng(seed);
        return new Sequential(new Linear(FEATURES, 4, rng), new ReLU(), new Linear(4, CLASSES, rng));
    }

    private static DataLoader loader(TensorDataset d, long seed) {
        return DataLoader.builder(d).batchSize(24).shuffle(seed).build();
    }

    private static Distiller distiller(Module teacher, Module student, boolean cache) {
        SGD sgd = new SGD(student.parameters(), 0.1, 0.9);
        return Distiller.builder(teacher, student, new DistillationLoss(3f, 0.7f), sgd)
                .epochs(3).cacheTeacherLogits(cache).progress(ProgressMode.NONE).build();
    }

    private static Map<String, float[]> snapshot(Module m) {
        Map<String, float[]> out = new java.util.LinkedHashMap<>();
        m.stateDict().forEach((k, v) -> out.put(k, v.toArray()));
        return out;
    }

    private static void assertSameBits(Map<String, float[]> expected, Map<String, float[]> actual) {
        assertEquals(expected.keySet(), actual.keySet());
        for (String k : expected.keySet()) {
            float[] a = expected.get(k);
            float[] b = actual.get(k);
            assertEquals(a.length, b.length, k);
            for (int i = 0; i < a.length; i++) {
                assertEquals(Float.floatToIntBits(a[i]), Float.floatToIntBits(b[i]), k + "[" + i + "]");
            }
        }
    }

    @Test
    void teacherStaysFrozenInEvaluationModeWithoutGradients() {
        for (boolean cache : new boolean[] {false, true}) {
            Sequential t = teacher(1);
            Map<String, float[]> before = snapshot(t); // includes the running statistics
            Sequential s = student(2);
            Map<String, float[]> studentBefore = snapshot(s);
            distiller(t, s, cache).fit(loader(dataset(3, 240), 4), loader(dataset(5, 60), 6));
            assertSameBits(before, snapshot(t));
            for (Tensor p : t.parameters()) {
                assertNull(p.grad(), "cache " + cache);
            }
            assertFalse(t.isTraining());
            assertFalse(java.util.Arrays.equals(studentBefore.get("0.weight"), snapshot(s).get("0.weight")),
                    "the student must have trained");
        }
    }

    @Test
    void cachedLogitsEqualOnTheFlyLogitsBitForBit() {
        Sequential t = teacher(1);
        TensorDataset d = dataset(3, 240);
        // Cached in dataset order, 500 at a time; compared on shuffled batches of 24 and a last one of 0.
        TeacherLogitCache cache = TeacherLogitCache.compute(t, d, 500);
        DataLoader shuffled = DataLoader.builder(d).batchSize(23).shuffle(8).build();
        int rows = 0;
        for (int epoch = 0; epoch < 2; epoch++) {
            for (Batch b : shuffled.epoch(epoch)) {
                float[] onTheFly;
                try (var ignored = Tensor.noGrad()) {
                    onTheFly = t.forward(b.inputs()).toArray();
                }
                float[] cached = cache.rows(b.indices()).toArray();
                assertEquals(onTheFly.length, cached.length);
                for (int i = 0; i < cached.length; i++) {
                    assertEquals(Float.floatToIntBits(onTheFly[i]), Float.floatToIntBits(cached[i]), "row element " + i);
                }
                rows += b.size();
            }
        }
        assertEquals(480, rows);
    }

    @Test
    void cachedLogitsOfAConvolutionalTeacherEqualOnTheFlyLogitsBitForBit() {
        // im2col turns a batch of B images into B·OH·OW rows of one GEMM: the row count, and so
        // the GEMM's blocking, depends on the batch size. The cache is only exact if no row's
        // result depends on that.
        Rng rng = new Rng(11);
        Sequential cnn = new Sequential(new Conv2d(1, 4, 3, 1, 1, rng), new BatchNorm2d(4), new ReLU(), new MaxPool2d(2),
                new Flatten(), new Linear(4 * 5 * 5, CLASSES, rng));
        int[] labels = new int[70];
        TensorDataset images = new TensorDataset(Tensor.randn(new Rng(12), 70, 1, 10, 10), labels);
        TeacherLogitCache cache = TeacherLogitCache.compute(cnn, images, 64);
        for (Batch b : DataLoader.builder(images).batchSize(9).shuffle(13).build().epoch(0)) {
            float[] onTheFly;
            try (var ignored = Tensor.noGrad()) {
                onTheFly = cnn.forward(b.inputs()).toArray();
            }
            float[] cached = cache.rows(b.indices()).toArray();
            for (int i = 0; i < cached.length; i++) {
                assertEquals(Float.floatToIntBits(onTheFly[i]), Float.floatToIntBits(cached[i]), "element " + i);
            }
        }
    }

    @Test
    void trainingWithCachedLogitsGivesTheSameStudentAsOnTheFly() {
        TensorDataset train = dataset(3, 240);
        TensorDataset test = dataset(5, 60);
        Sequential s1 = student(2);
        FitResult r1 = distiller(teacher(1), s1, false).fit(loader(train, 4), loader(test, 6));
        Sequential s2 = student(2);
        Distiller cached = distiller(teacher(1), s2, true);
        FitResult r2 = cached.fit(loader(train, 4), loader(test, 6));
        assertSameBits(snapshot(s1), snapshot(s2));
        assertEquals(r1.finalEvaluation().accuracy(), r2.finalEvaluation().accuracy());
        assertEquals(r1.last().trainLoss(), r2.last().trainLoss());
        assertTrue(cached.cacheSeconds() > 0);

        // A cache computed once and attached to a fresh run's loaders gives the same student again.
        Sequential t3 = teacher(1);
        TeacherLogitCache trainCache = TeacherLogitCache.compute(t3, train, 100);
        TeacherLogitCache testCache = TeacherLogitCache.compute(t3, test, 100);
        Sequential s3 = student(2);
        distiller(t3, s3, false).fitBatches(trainCache.attach(loader(train, 4)), testCache.attach(loader(test, 6)));
        assertSameBits(snapshot(s1), snapshot(s3));
    }

    @Test
    void distillationIsDeterministicAndLowersTheTrainingLoss() {
        Sequential s1 = student(2);
        FitResult r1 = distiller(teacher(1), s1, false).fit(loader(dataset(3, 240), 4), null);
        Sequential s2 = student(2);
        distiller(teacher(1), s2, false).fit(loader(dataset(3, 240), 4), null);
        assertSameBits(snapshot(s1), snapshot(s2));
        assertTrue(r1.last().trainLoss() < r1.epochs().get(0).trainLoss(),
                "loss per epoch: " + r1.epochs());
    }

    @Test
    void aStudentOfATrainedTeacherLearnsTheTask() {
        // The teacher first learns the labels, then a student distils from it with α = 1 (it never
        // sees a label): it can only learn the task through the teacher's soft outputs.
        TensorDataset train = dataset(3, 240);
        Sequential t = teacher(1);
        SGD tOpt = new SGD(t.parameters(), 0.1, 0.9);
        dev.pare.nn.train.Trainer.builder(t, new dev.pare.nn.loss.CrossEntropyLoss(), tOpt)
                .epochs(10).progress(ProgressMode.NONE).build().fit(loader(train, 4));
        Sequential s = student(2);
        SGD sgd = new SGD(s.parameters(), 0.1, 0.9);
        FitResult r = Distiller.builder(t, s, new DistillationLoss(2f, 1f), sgd)
                .epochs(10).progress(ProgressMode.NONE).build()
                .fit(loader(train, 4), DataLoader.builder(dataset(5, 120)).batchSize(60).build());
        // Three classes: chance is 1/3; the data are linearly separable.
        assertTrue(r.finalEvaluation().accuracy() > 0.8, "student accuracy " + r.finalEvaluation().accuracy());
    }

    @Test
    void anOptimizerHoldingTheTeachersWeightsIsRefused() {
        Sequential t = teacher(1);
        Sequential s = student(2);
        List<Tensor> both = new ArrayList<>(s.parameters());
        both.addAll(t.parameters());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Distiller.builder(t, s, new DistillationLoss(2f, 0.5f), new SGD(both, 0.1)));
        assertTrue(e.getMessage().contains("teacher's parameter '0.weight'"), e.getMessage());
    }

    @Test
    void teacherAndStudentWithDifferentOutputSizesFailWithBothSizes() {
        Sequential t = teacher(1);
        Sequential s = new Sequential(new Linear(FEATURES, 5, new Rng(2)));
        Distiller d = distiller(t, s, false);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> d.fit(loader(dataset(3, 48), 4), null));
        assertTrue(e.getMessage().contains("student outputs 5 classes but the teacher outputs 3"), e.getMessage());
    }

    @Test
    void aCacheRefusesALoaderOverAnotherDataset() {
        TeacherLogitCache cache = TeacherLogitCache.compute(teacher(1), dataset(3, 48), 16);
        assertThrows(IllegalArgumentException.class, () -> cache.attach(loader(dataset(3, 48), 4)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> cache.rows(new int[] {48}));
        assertTrue(e.getMessage().contains("index 48"), e.getMessage());
    }

    @Test
    void cachedBatchesCarryTheirRowsAndWalkTheLoadersEpochs() {
        TensorDataset d = dataset(3, 48);
        TeacherLogitCache cache = TeacherLogitCache.compute(teacher(1), d, 16);
        DataLoader l = loader(d, 4);
        Iterable<LabeledBatch> batches = cache.attach(l);
        List<Integer> first = new ArrayList<>();
        for (LabeledBatch b : batches) {
            TeacherBatch tb = (TeacherBatch) b;
            assertArrayEquals(cache.rows(tb.indices()).toArray(), tb.teacherLogits().toArray(), 0f);
            first.add(tb.indices()[0]);
        }
        List<Integer> second = new ArrayList<>();
        for (LabeledBatch b : batches) {
            second.add(((TeacherBatch) b).indices()[0]);
        }
        assertEquals(l.order(0)[0], first.get(0));
        assertEquals(l.order(1)[0], second.get(0));
    }

    @Test
    void aCacheOfAnAugmentedViewGivesTheTeachersOutputOnThatViewInTheOrderOfTheChosenEpoch() {
        // 60 images [1, 5, 5]; the teacher is a small conv net, run on the fly for comparison.
        Rng rng = new Rng(12);
        TensorDataset images = new TensorDataset(Tensor.randn(rng, 60, 1, 5, 5), new int[60]);
        AugmentedDataset view = new AugmentedDataset(images,
                List.of(new RandomShift(1, -0.5f), new RandomHorizontalFlip()), 5, 3);
        Sequential t = new Sequential(new Conv2d(1, 4, 3, 1, 1, rng), new ReLU(), new Flatten(), new Linear(100, CLASSES, rng));
        TeacherLogitCache cache = TeacherLogitCache.compute(t, view, 500);
        DataLoader l = DataLoader.builder(view).batchSize(16).shuffle(2).build();
        int pos = 0;
        int[] order = l.order(3);
        for (LabeledBatch b : cache.attach(l, 3)) {
            TeacherBatch tb = (TeacherBatch) b;
            float[] onTheFly;
            try (var ignored = Tensor.noGrad()) {
                onTheFly = t.forward(tb.inputs()).toArray();
            }
            float[] cached = tb.teacherLogits().toArray();
            for (int i = 0; i < cached.length; i++) {
                assertEquals(Float.floatToIntBits(onTheFly[i]), Float.floatToIntBits(cached[i]), "row element " + i);
            }
            for (int idx : tb.indices()) {
                assertEquals(order[pos++], idx);
            }
        }
        assertEquals(60, pos);
        assertThrows(IllegalArgumentException.class, () -> cache.attach(DataLoader.builder(view.forEpoch(4)).build(), 4));
    }

    @Test
    void aCacheRebuiltFromSavedLogitsGivesTheSameRowsAndRefusesAWrongShape() {
        TensorDataset d = dataset(3, 48);
        TeacherLogitCache computed = TeacherLogitCache.compute(teacher(1), d, 16);
        TeacherLogitCache restored = TeacherLogitCache.of(d, Tensor.fromArray(computed.logits().toArray(), 48, CLASSES));
        int[] some = {0, 47, 5, 5};
        assertArrayEquals(computed.rows(some).toArray(), restored.rows(some).toArray(), 0f);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TeacherLogitCache.of(d, Tensor.zeros(47, CLASSES)));
        assertTrue(e.getMessage().contains("[47, 3]") && e.getMessage().contains("48"), e.getMessage());
    }
}
