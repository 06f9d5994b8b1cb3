package dev.pare.nn.train;

/**
 * A source of batches that knows how many batches one pass over it yields, without starting a
 * pass. The {@link Trainer} uses it to show a progress bar with a total ("37/469 batches")
 * instead of an open count. Asking an {@link Iterable} for its size by iterating would not do: a
 * {@code DataLoader} reshuffles on every new iterator.
 */
public interface SizedBatches {
    /** Batches in one pass. */
    int numBatches();
}
