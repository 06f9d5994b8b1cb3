package dev.pare.nn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.Test;

class DataLoaderTest {
    /** Ten examples of shape [2]: example i is [i, 100 + i], label i % 3. */
    private static TensorDataset tenExamples() {
        float[] x = new float[20];
        int[] y = new int[10];
        for (int i = 0; i < 10; i++) {
            x[2 * i] = i;
            x[2 * i + 1] = 100 + i;
            y[i] = i % 3;
        }
        return new TensorDataset(Tensor.fromArray(x, 10, 2), y);
    }

    private static List<Batch> all(Iterable<Batch> epoch) {
        List<Batch> out = new ArrayList<>();
        epoch.forEach(out::add);
        return out;
    }

    @Test
    void unshuffledEpochVisitsExamplesInOrderWithASmallerLastBatch() {
        DataLoader loader = DataLoader.builder(tenExamples()).batchSize(4).build();
        List<Batch> batches = all(loader.epoch(0));
        assertEquals(3, loader.numBatches());
        assertEquals(3, batches.size());
        assertArrayEquals(new int[] {4, 2}, batches.get(0).inputs().shape());
        assertArrayEquals(new int[] {2, 2}, batches.get(2).inputs().shape());
        assertArrayEquals(new float[] {8, 108, 9, 109}, batches.get(2).inputs().toArray());
        assertArrayEquals(new int[] {8, 9}, batches.get(2).indices());
        assertArrayEquals(new int[] {2, 0}, batches.get(2).labelIndices());
        assertArrayEquals(new float[] {2f, 0f}, batches.get(2).labels().toArray());
        assertArrayEquals(new int[] {2}, batches.get(2).labels().shape());
    }

    @Test
    void dropLastSkipsTheIncompleteBatch() {
        DataLoader loader = DataLoader.builder(tenExamples()).batchSize(4).dropLast(true).build();
        assertEquals(2, loader.numBatches());
        List<Batch> batches = all(loader.epoch(0));
        assertEquals(2, batches.size());
        for (Batch b : batches) {
            assertEquals(4, b.size());
        }
    }

    @Test
    void batchSizeLargerThanTheDatasetGivesOneBatchOrNoneWithDropLast() {
        assertEquals(1, all(DataLoader.builder(tenExamples()).batchSize(64).build().epoch(0)).size());
        assertEquals(0, all(DataLoader.builder(tenExamples()).batchSize(64).dropLast(true).build().epoch(0)).size());
    }

    @Test
    void rowsOfABatchAreTheExamplesItNames() {
        TensorDataset d = tenExamples();
        for (Batch b : DataLoader.builder(d).batchSize(3).shuffle(5).build().epoch(2)) {
            int[] idx = b.indices();
            for (int r = 0; r < idx.length; r++) {
                assertArrayEquals(d.get(idx[r]).input().toArray(), b.inputs().select(0, r).toArray());
                assertEquals(d.label(idx[r]), b.labelIndices()[r]);
            }
        }
    }

    @Test
    void sameSeedAndEpochGiveTheSameOrderWhateverRanBefore() {
        DataLoader a = DataLoader.builder(tenExamples()).batchSize(3).shuffle(42).build();
        DataLoader b = DataLoader.builder(tenExamples()).batchSize(3).shuffle(42).build();
        for (int e = 0; e < 3; e++) {
            all(a.epoch(e));
        }
        assertArrayEquals(a.order(3), b.order(3));
        assertArrayEquals(flatIndices(a.epoch(3)), flatIndices(b.epoch(3)));
    }

    @Test
    void epochsAndSeedsChangeTheOrder() {
        DataLoader a = DataLoader.builder(tenExamples()).shuffle(42).build();
        DataLoader b = DataLoader.builder(tenExamples()).shuffle(43).build();
        // 10! orders: a collision among these three would be a bug, not bad luck.
        assertFalse(Arrays.equals(a.order(0), a.order(1)));
        assertFalse(Arrays.equals(a.order(0), b.order(0)));
    }

    @Test
    void unshuffledOrderIsTheSameEveryEpoch() {
        DataLoader loader = DataLoader.builder(tenExamples()).build();
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, loader.order(0));
        assertArrayEquals(loader.order(0), loader.order(5));
    }

    @Test
    void prefetchedBatchesAreBitIdenticalToDirectOnes() {
        DataLoader plain = DataLoader.builder(tenExamples()).batchSize(3).shuffle(9).build();
        DataLoader ahead = DataLoader.builder(tenExamples()).batchSize(3).shuffle(9).prefetch(true).build();
        try {
            for (int e = 0; e < 3; e++) {
                List<Batch> p = all(plain.epoch(e));
                List<Batch> q = all(ahead.epoch(e));
                assertEquals(p.size(), q.size());
                for (int i = 0; i < p.size(); i++) {
                    assertArrayEquals(p.get(i).inputs().toArray(), q.get(i).inputs().toArray());
                    assertArrayEquals(p.get(i).labelIndices(), q.get(i).labelIndices());
                }
            }
        } finally {
            ahead.close();
        }
    }

    @Test
    void closingMidEpochStillDeliversTheRestOfTheEpoch() {
        DataLoader loader = DataLoader.builder(tenExamples()).batchSize(2).shuffle(1).prefetch(true).build();
        Iterator<Batch> it = loader.epoch(0).iterator();
        List<Integer> seen = new ArrayList<>();
        for (int i : it.next().indices()) {
            seen.add(i);
        }
        loader.close();
        while (it.hasNext()) {
            for (int i : it.next().indices()) {
                seen.add(i);
            }
        }
        assertEquals(Arrays.stream(loader.order(0)).boxed().collect(java.util.stream.Collectors.toList()), seen);
        loader.close();
    }

    @Test
    void errorInTheDatasetReachesTheCallerEvenWhenPrefetching() {
        Dataset broken = new Dataset() {
            @Override public int size() { return 4; }
            @Override public int[] inputShape() { return new int[] {1}; }
            @Override public void copyInput(int index, float[] dst, int offset) {
                if (index == 3) {
                    throw new IllegalStateException("example 3 is unreadable");
                }
            }
            @Override public int label(int index) { return 0; }
        };
        DataLoader loader = DataLoader.builder(broken).batchSize(2).prefetch(true).build();
        Iterator<Batch> it = loader.epoch(0).iterator();
        it.next();
        IllegalStateException e = assertThrows(IllegalStateException.class, it::next);
        assertEquals("example 3 is unreadable", e.getMessage());
        loader.close();
    }

    @Test
    void eachExampleIsCopiedExactlyOncePerEpoch() {
        int[] copies = new int[10];
        TensorDataset d = tenExamples();
        Dataset counting = new Dataset() {
            @Override public int size() { return d.size(); }
            @Override public int[] inputShape() { return d.inputShape(); }
            @Override public void copyInput(int index, float[] dst, int offset) {
                copies[index]++;
                d.copyInput(index, dst, offset);
            }
            @Override public int label(int index) { return d.label(index); }
        };
        all(DataLoader.builder(counting).batchSize(3).shuffle(4).build().epoch(0));
        int[] once = new int[10];
        Arrays.fill(once, 1);
        assertArrayEquals(once, copies);
    }

    @Test
    void batchesDoNotShareStorageWithTheDatasetOrEachOther() {
        TensorDataset d = tenExamples();
        List<Batch> batches = all(DataLoader.builder(d).batchSize(5).build().epoch(0));
        batches.get(0).inputs().fill(-1f);
        assertEquals(0f, d.get(0).input().get(0));
        assertNotEquals(-1f, batches.get(1).inputs().get(0, 0));
    }

    @Test
    void iteratorPastTheEndSaysSo() {
        Iterator<Batch> it = DataLoader.builder(tenExamples()).batchSize(10).build().epoch(0).iterator();
        it.next();
        NoSuchElementException e = assertThrows(NoSuchElementException.class, it::next);
        assertEquals("DataLoader: the epoch has 1 batches and all were returned", e.getMessage());
    }

    @Test
    void batchSizeBelowOneIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DataLoader.builder(tenExamples()).batchSize(0));
        assertEquals("DataLoader: batch size must be at least 1, got 0", e.getMessage());
    }

    @Test
    void negativeEpochIsRefused() {
        DataLoader loader = DataLoader.builder(tenExamples()).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> loader.epoch(-1));
        assertEquals("DataLoader: epoch must be >= 0, got -1", e.getMessage());
    }

    @Test
    void nullDatasetIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> DataLoader.builder(null));
    }

    @Test
    void emptyDatasetHasNoBatches() {
        TensorDataset empty = new TensorDataset(Tensor.zeros(0, 3), new int[0]);
        assertEquals(0, all(DataLoader.builder(empty).batchSize(4).shuffle(1).build().epoch(0)).size());
    }

    private static int[] flatIndices(Iterable<Batch> epoch) {
        return all(epoch).stream().flatMapToInt(b -> Arrays.stream(b.indices())).toArray();
    }

    @Test
    void iteratingTheLoaderItselfWalksEpochZeroThenOneThenTwo() {
        DataLoader loader = DataLoader.builder(tenExamples()).batchSize(4).shuffle(11).build();
        for (int epoch = 0; epoch < 3; epoch++) {
            List<Batch> viaIterator = new ArrayList<>();
            loader.forEach(viaIterator::add);
            List<Batch> explicit = all(loader.epoch(epoch));
            assertEquals(explicit.size(), viaIterator.size());
            for (int b = 0; b < explicit.size(); b++) {
                assertArrayEquals(explicit.get(b).indices(), viaIterator.get(b).indices(), "epoch " + epoch + " batch " + b);
            }
        }
    }

    @Test
    void aBatchTooLargeForAJavaArrayIsRefusedWhenTheLoaderIsBuilt() {
        Dataset huge = new Dataset() {
            @Override
            public int size() {
                return 3000;
            }

            @Override
            public int[] inputShape() {
                return new int[] {1 << 20};
            }

            @Override
            public void copyInput(int index, float[] dst, int offset) {
                throw new AssertionError("no batch should be assembled");
            }

            @Override
            public int label(int index) {
                return 0;
            }
        };
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DataLoader.builder(huge).batchSize(3000).build());
        assertTrue(e.getMessage().contains("smaller batch size"), e.getMessage());
    }

    @Test
    void resumeContinuesAnEpochAtTheGivenBatchAndThenTheNextEpoch() {
        for (boolean prefetch : new boolean[] {false, true}) {
            DataLoader loader = DataLoader.builder(tenExamples()).batchSize(3).shuffle(9).prefetch(prefetch).build();
            List<Batch> epoch2 = all(loader.epoch(2));
            List<Batch> rest = new ArrayList<>();
            loader.resume(2, 1).forEachRemaining(rest::add);
            assertEquals(epoch2.size() - 1, rest.size());
            for (int b = 0; b < rest.size(); b++) {
                assertArrayEquals(epoch2.get(b + 1).indices(), rest.get(b).indices(), "batch " + (b + 1));
            }
            assertEquals(3, loader.nextPass());
            assertArrayEquals(loader.order(3), all(loader).stream().flatMapToInt(b -> Arrays.stream(b.indices())).toArray());
            assertFalse(loader.resume(0, loader.numBatches()).hasNext(), "resuming after the last batch");
            loader.close();
        }
    }

    @Test
    void resumeOutsideTheEpochIsRefused() {
        DataLoader loader = DataLoader.builder(tenExamples()).batchSize(3).build();
        var e = assertThrows(IllegalArgumentException.class, () -> loader.resume(0, 5));
        assertTrue(e.getMessage().contains("batch 5 of epoch 0 is outside [0, 4]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> loader.resume(-1, 0));
        assertEquals(0, loader.nextPass());
    }
}
