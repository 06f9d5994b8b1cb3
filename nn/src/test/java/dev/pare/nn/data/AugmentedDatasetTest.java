package dev.pare.nn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.tensor.Tensor;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class AugmentedDatasetTest {
    /** 50 images [1, 6, 6] with distinct, asymmetric contents. */
    private static TensorDataset images() {
        int n = 50;
        float[] x = new float[n * 36];
        int[] y = new int[n];
        for (int i = 0; i < x.length; i++) {
            x[i] = (i * 37 % 101) + 1;
        }
        for (int i = 0; i < n; i++) {
            y[i] = i % 10;
        }
        return new TensorDataset(Tensor.fromArray(x, n, 1, 6, 6), y);
    }

    private static final List<ImageTransform> SHIFT_FLIP = List.of(new RandomShift(2, 0), new RandomHorizontalFlip());

    private static float[] input(Dataset d, int i) {
        return d.get(i).input().toArray();
    }

    @Test
    void theSameSeedEpochAndIndexGiveTheSameImageInAnyOrderOfReads() {
        AugmentedDataset a = new AugmentedDataset(images(), SHIFT_FLIP, 7, 3);
        AugmentedDataset b = new AugmentedDataset(images(), SHIFT_FLIP, 7, 0).forEpoch(3);
        float[] first = input(a, 17);
        input(a, 4); // reading other examples in between changes nothing
        assertArrayEquals(first, input(a, 17));
        assertArrayEquals(first, input(b, 17));
    }

    @Test
    void epochsAndSeedsGiveDifferentViewsWithTheBaseLabels() {
        TensorDataset base = images();
        AugmentedDataset e0 = new AugmentedDataset(base, SHIFT_FLIP, 7, 0);
        AugmentedDataset e1 = e0.forEpoch(1);
        AugmentedDataset other = new AugmentedDataset(base, SHIFT_FLIP, 8, 0);
        int differentEpoch = 0;
        int differentSeed = 0;
        int changed = 0;
        for (int i = 0; i < base.size(); i++) {
            differentEpoch += Arrays.equals(input(e0, i), input(e1, i)) ? 0 : 1;
            differentSeed += Arrays.equals(input(e0, i), input(other, i)) ? 0 : 1;
            changed += Arrays.equals(input(e0, i), input(base, i)) ? 0 : 1;
            assertEquals(base.label(i), e0.label(i));
        }
        // An image is unchanged with probability 1/25 · 1/2 (no shift, no flip); two views agree
        // with about the same probability, so nearly all of 50 must differ.
        assertTrue(differentEpoch >= 40, differentEpoch + " of 50 differ between epochs");
        assertTrue(differentSeed >= 40, differentSeed + " of 50 differ between seeds");
        assertTrue(changed >= 40, changed + " of 50 differ from the base");
    }

    @Test
    void aLoaderOverAViewGivesTheViewsImagesWhetherOrNotItPrefetches() {
        AugmentedDataset view = new AugmentedDataset(images(), SHIFT_FLIP, 1, 2);
        DataLoader plain = DataLoader.builder(view).batchSize(16).shuffle(5).build();
        DataLoader prefetching = DataLoader.builder(view).batchSize(16).shuffle(5).prefetch(true).build();
        var a = plain.epoch(2).iterator();
        var b = prefetching.epoch(2).iterator();
        while (a.hasNext()) {
            Batch x = a.next();
            Batch y = b.next();
            assertArrayEquals(x.inputs().toArray(), y.inputs().toArray());
            int[] idx = x.indices();
            float[] rows = x.inputs().toArray();
            for (int r = 0; r < idx.length; r++) {
                assertArrayEquals(input(view, idx[r]), Arrays.copyOfRange(rows, r * 36, (r + 1) * 36));
            }
        }
        assertFalse(b.hasNext());
        prefetching.close();
    }

    @Test
    void withoutTransformsTheViewIsTheBase() {
        TensorDataset base = images();
        AugmentedDataset view = new AugmentedDataset(base, List.of(), 3, 4);
        for (int i = 0; i < base.size(); i++) {
            assertArrayEquals(input(base, i), input(view, i));
        }
    }

    @Test
    void badArgumentsAreRefusedNamingThem() {
        TensorDataset flat = new TensorDataset(Tensor.zeros(4, 6), new int[4]);
        String msg = assertThrows(IllegalArgumentException.class, () -> new AugmentedDataset(flat, SHIFT_FLIP, 0, 0))
                .getMessage();
        assertTrue(msg.contains("[4, 6]") || msg.contains("[6]"), msg);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new AugmentedDataset(images(), SHIFT_FLIP, 0, -1))
                .getMessage().contains("-1"));
        assertThrows(IllegalArgumentException.class, () -> new AugmentedDataset(images(), SHIFT_FLIP, 0, 0).get(50));
    }
}
