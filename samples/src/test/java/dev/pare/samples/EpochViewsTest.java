package dev.pare.samples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.compress.distill.TeacherBatch;
import dev.pare.nn.Flatten;
import dev.pare.nn.Linear;
import dev.pare.nn.Sequential;
import dev.pare.nn.data.AugmentedDataset;
import dev.pare.nn.data.RandomHorizontalFlip;
import dev.pare.nn.data.RandomShift;
import dev.pare.nn.data.TensorDataset;
import dev.pare.nn.train.LabeledBatch;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link EpochViews} resumed at a batch gives exactly the batches (and cached teacher logits) that
 * iterating pass by pass gives, which is what a resumed augmented distillation run relies on.
 */
class EpochViewsTest {
    private static AugmentedDataset firstView() {
        Rng r = new Rng(4);
        int n = 23;
        Tensor x = Tensor.randn(r, n, 1, 5, 5);
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % 3;
        }
        return new AugmentedDataset(new TensorDataset(x, y), List.of(new RandomShift(1, 0f), new RandomHorizontalFlip()),
                9, 0);
    }

    private static List<LabeledBatch> drain(Iterator<? extends LabeledBatch> it) {
        List<LabeledBatch> out = new ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }

    private static void resumedEqualsIterated(EpochViews.ViewCaches caches, EpochViews.ViewCaches caches2) {
        AugmentedDataset first = firstView();
        EpochViews walked = new EpochViews(first, 2, 5, 11, caches);
        List<LabeledBatch> pass2 = null;
        for (int pass = 0; pass <= 2; pass++) {
            pass2 = drain(walked.iterator());
        }
        EpochViews resumed = new EpochViews(first, 2, 5, 11, caches2);
        List<LabeledBatch> rest = drain(resumed.resume(2, 2));
        assertEquals(5, resumed.numBatches());
        assertEquals(pass2.size() - 2, rest.size());
        for (int b = 0; b < rest.size(); b++) {
            LabeledBatch want = pass2.get(b + 2);
            LabeledBatch got = rest.get(b);
            assertArrayEquals(want.inputs().toArray(), got.inputs().toArray(), "inputs of batch " + (b + 2));
            assertArrayEquals(want.labels().toArray(), got.labels().toArray(), "labels of batch " + (b + 2));
            if (caches != null) {
                assertTrue(got instanceof TeacherBatch);
                assertArrayEquals(((TeacherBatch) want).teacherLogits().toArray(),
                        ((TeacherBatch) got).teacherLogits().toArray(), "teacher logits of batch " + (b + 2));
            }
        }
        assertEquals(3, resumed.nextPass());
        // The pass after the resumed one is the walked run's pass 3.
        List<LabeledBatch> walked3 = drain(walked.iterator());
        List<LabeledBatch> resumed3 = drain(resumed.iterator());
        assertArrayEquals(walked3.get(0).inputs().toArray(), resumed3.get(0).inputs().toArray());
    }

    @Test
    void plainViewsResumeAtTheBatchTheWalkWouldReach() {
        resumedEqualsIterated(null, null);
    }

    @Test
    void viewsWithCachedTeacherLogitsResumeAtTheBatchTheWalkWouldReach() {
        Sequential teacher = new Sequential(new Flatten(), new Linear(25, 3, new Rng(5)));
        resumedEqualsIterated(new EpochViews.ViewCaches(teacher, firstView(), null, "k"),
                new EpochViews.ViewCaches(teacher, firstView(), null, "k"));
    }
}
