package dev.pare.nn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pare.tensor.Tensor;
import java.util.Arrays;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

class DataLoaderProperties {
    private static TensorDataset dataset(int n) {
        float[] x = new float[n];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            x[i] = i;
            y[i] = i % 10;
        }
        return new TensorDataset(Tensor.fromArray(x, n, 1), y);
    }

    @Property(tries = 300)
    void anEpochVisitsEveryExampleOnceInBatchesOfTheRequestedSize(
            @ForAll @IntRange(min = 0, max = 200) int n, @ForAll @IntRange(min = 1, max = 50) int batchSize,
            @ForAll boolean shuffle, @ForAll boolean dropLast, @ForAll long seed, @ForAll @IntRange(max = 1000) int epoch) {
        DataLoader.Builder b = DataLoader.builder(dataset(n)).batchSize(batchSize).dropLast(dropLast);
        if (shuffle) {
            b.shuffle(seed);
        }
        DataLoader loader = b.build();
        int[] order = loader.order(epoch);
        int[] sorted = order.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < n; i++) {
            assertEquals(i, sorted[i], "order is a permutation of 0..N-1");
        }
        int expectedCount = dropLast ? n / batchSize * batchSize : n;
        int pos = 0;
        int batches = 0;
        for (Batch batch : loader.epoch(epoch)) {
            boolean last = pos + batch.size() == expectedCount;
            if (!last || dropLast) {
                assertEquals(batchSize, batch.size());
            }
            // The inputs hold the example numbers themselves, so they must follow the order.
            float[] x = batch.inputs().toArray();
            for (int r = 0; r < batch.size(); r++) {
                assertEquals(order[pos + r], (int) x[r]);
            }
            pos += batch.size();
            batches++;
        }
        assertEquals(expectedCount, pos);
        assertEquals(loader.numBatches(), batches);
    }

    @Property(tries = 100)
    void orderDependsOnlyOnSeedAndEpoch(@ForAll long seed, @ForAll @IntRange(max = 10_000) int epoch,
            @ForAll @IntRange(min = 1, max = 100) int n) {
        DataLoader a = DataLoader.builder(dataset(n)).shuffle(seed).build();
        DataLoader b = DataLoader.builder(dataset(n)).batchSize(7).shuffle(seed).build();
        a.order(epoch + 1); // unrelated calls in between change nothing
        assertArrayEquals(a.order(epoch), b.order(epoch));
    }
}
