package dev.pare.nn.data;

import dev.pare.nn.train.ResumableBatches;
import dev.pare.nn.train.SizedBatches;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Splits a {@link Dataset} into {@link Batch batches}, epoch by epoch.
 *
 * <pre>{@code
 * DataLoader loader = DataLoader.builder(dataset)
 *         .batchSize(64)      // examples per batch
 *         .shuffle(42)        // a new order every epoch, from this seed; omit for dataset order
 *         .dropLast(true)     // skip a final batch smaller than 64
 *         .prefetch(true)     // build the next batch on a background thread
 *         .build();
 * for (Batch b : loader.epoch(3)) { ... }
 * }</pre>
 *
 * <h2>Order</h2>
 * Without shuffling, every epoch visits examples 0, 1, …, N−1. With shuffling, epoch {@code e}
 * visits a uniformly random permutation drawn by an {@link Rng} seeded from {@code (seed, e)}
 * alone ({@link #order}), so any epoch can be reproduced on its own, and a training run stopped
 * mid-epoch can continue at the very next batch ({@link #resume}): the loader's whole state is
 * the number of the next epoch. The last batch holds the
 * remaining {@code N mod B} examples, unless {@code dropLast} discards it (useful when a layer
 * such as batch norm dislikes a tiny last batch).
 *
 * <h2>Cost</h2>
 * Each batch gets one new {@code float[B × inputNumel]} into which {@link Dataset#copyInput}
 * writes each example once, plus its two label arrays. Batches are not recycled: the caller may
 * keep one (say, for a visualisation) without it changing under them.
 */
public final class DataLoader implements Iterable<Batch>, SizedBatches, ResumableBatches {
    private final Dataset dataset;
    private final int batchSize;
    private final boolean shuffle;
    private final long seed;
    private final boolean dropLast;
    private final boolean prefetch;
    private ExecutorService worker;
    private int nextEpoch;

    private DataLoader(Builder b) {
        this.dataset = b.dataset;
        this.batchSize = b.batchSize;
        this.shuffle = b.shuffle;
        this.seed = b.seed;
        this.dropLast = b.dropLast;
        this.prefetch = b.prefetch;
    }

    /** Starts configuring a loader for {@code dataset} (batch size 1, no shuffle, keep last, no prefetch). */
    public static Builder builder(Dataset dataset) {
        if (dataset == null) {
            throw new IllegalArgumentException("DataLoader: dataset must not be null");
        }
        return new Builder(dataset);
    }

    /** Options of a {@link DataLoader}. */
    public static final class Builder {
        private final Dataset dataset;
        private int batchSize = 1;
        private boolean shuffle;
        private long seed;
        private boolean dropLast;
        private boolean prefetch;

        private Builder(Dataset dataset) {
            this.dataset = dataset;
        }

        /** Examples per batch, at least 1. */
        public Builder batchSize(int batchSize) {
            if (batchSize < 1) {
                throw new IllegalArgumentException("DataLoader: batch size must be at least 1, got " + batchSize);
            }
            this.batchSize = batchSize;
            return this;
        }

        /** Shuffle each epoch, with orders determined by {@code seed}. */
        public Builder shuffle(long seed) {
            this.shuffle = true;
            this.seed = seed;
            return this;
        }

        /** Whether to skip a last batch smaller than the batch size. */
        public Builder dropLast(boolean dropLast) {
            this.dropLast = dropLast;
            return this;
        }

        /** Whether to assemble the next batch on a background thread while the current one is used. */
        public Builder prefetch(boolean prefetch) {
            this.prefetch = prefetch;
            return this;
        }

        public DataLoader build() {
            long batchFloats = (long) Math.min(batchSize, Math.max(1, dataset.size())) * dataset.inputNumel();
            if (batchFloats > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("DataLoader: a batch of " + batchSize + " examples of "
                        + dataset.inputNumel() + " floats each would need " + batchFloats
                        + " floats, more than a Java array holds; use a smaller batch size");
            }
            return new DataLoader(this);
        }
    }

    /** The dataset this loader reads. */
    public Dataset dataset() {
        return dataset;
    }

    /** Examples per full batch. */
    public int batchSize() {
        return batchSize;
    }

    /** Batches per epoch: ⌈N / B⌉, or ⌊N / B⌋ with dropLast. */
    @Override
    public int numBatches() {
        int n = dataset.size();
        return dropLast ? n / batchSize : (n + batchSize - 1) / batchSize;
    }

    /**
     * The dataset indices in the order epoch {@code epoch} visits them (all N, including any
     * that dropLast will skip at the end).
     */
    public int[] order(int epoch) {
        if (epoch < 0) {
            throw new IllegalArgumentException("DataLoader: epoch must be >= 0, got " + epoch);
        }
        int n = dataset.size();
        if (!shuffle) {
            int[] identity = new int[n];
            for (int i = 0; i < n; i++) {
                identity[i] = i;
            }
            return identity;
        }
        return new Rng(epochSeed(seed, epoch)).permutation(n);
    }

    /**
     * The seed of one epoch's generator. {@link Rng} builds its state with SplitMix64 from
     * {@code seed + γ} and {@code seed + 2γ} (γ the golden-ratio constant), so two seeds exactly γ
     * apart would share half their state. Spreading the epoch number with a different odd
     * multiplier (another SplitMix-family constant) and XOR-ing it in keeps the seeds of
     * different epochs away from that pattern.
     */
    static long epochSeed(long seed, int epoch) {
        return seed ^ ((epoch + 1L) * 0xD1B54A32D192ED03L);
    }

    /** The batches of epoch {@code epoch}, in order. Each call starts a fresh pass. */
    public Iterable<Batch> epoch(int epoch) {
        int[] order = order(epoch);
        return () -> new EpochIterator(order, 0);
    }

    /** The epoch the next {@link #iterator()} will yield. */
    @Override
    public synchronized int nextPass() {
        return nextEpoch;
    }

    /**
     * The batches of epoch {@code epoch} from batch {@code batch} on (the earlier ones are not
     * built); the next {@link #iterator()} then yields epoch {@code epoch + 1}.
     */
    @Override
    public synchronized Iterator<Batch> resume(int epoch, int batch) {
        if (batch < 0 || batch > numBatches()) {
            throw new IllegalArgumentException("DataLoader.resume: batch " + batch + " of epoch " + epoch
                    + " is outside [0, " + numBatches() + "], the batches of one epoch");
        }
        int[] order = order(epoch);
        nextEpoch = epoch + 1;
        return new EpochIterator(order, batch);
    }

    /**
     * The batches of the next epoch: the first call iterates epoch 0, the next epoch 1, and so on.
     * This is what lets a training loop that simply iterates the loader once per epoch (such as
     * {@link dev.pare.nn.train.Trainer}) see a new shuffle each epoch, reproducibly. Use
     * {@link #epoch(int)} to choose the epoch explicitly.
     */
    @Override
    public synchronized Iterator<Batch> iterator() {
        return epoch(nextEpoch++).iterator();
    }

    /** Stops the prefetch thread, if one was started (it also stops by itself when idle). */
    public synchronized void close() {
        if (worker != null) {
            // Tasks that never started would leave their futures waiting forever; cancel them so
            // an epoch still in progress falls back to building its batches itself.
            for (Runnable r : worker.shutdownNow()) {
                if (r instanceof Future) {
                    ((Future<?>) r).cancel(false);
                }
            }
            worker = null;
        }
    }

    private synchronized ExecutorService worker() {
        if (worker == null) {
            // One daemon thread that ends after 30 s idle: a forgotten loader keeps no thread alive
            // and cannot stop the JVM from exiting.
            ThreadPoolExecutor pool = new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
                Thread t = new Thread(r, "pare-dataloader-prefetch");
                t.setDaemon(true);
                return t;
            });
            pool.allowCoreThreadTimeOut(true);
            worker = pool;
        }
        return worker;
    }

    /** Assembles batch {@code b} of an epoch whose order is {@code order}. */
    Batch assemble(int[] order, int b) {
        int from = b * batchSize;
        int count = Math.min(batchSize, order.length - from);
        int numel = dataset.inputNumel();
        int[] exampleShape = dataset.inputShape();
        int[] shape = new int[exampleShape.length + 1];
        shape[0] = count;
        System.arraycopy(exampleShape, 0, shape, 1, exampleShape.length);

        float[] inputs = new float[Math.multiplyExact(count, numel)];
        float[] labels = new float[count];
        int[] labelIndices = new int[count];
        int[] indices = new int[count];
        for (int r = 0; r < count; r++) {
            int i = order[from + r];
            dataset.copyInput(i, inputs, r * numel);
            labelIndices[r] = dataset.label(i);
            labels[r] = labelIndices[r];
            indices[r] = i;
        }
        return new Batch(Tensor.wrap(inputs, 0, shape), Tensor.wrap(labels, 0, count), labelIndices, indices);
    }

    private final class EpochIterator implements Iterator<Batch> {
        private final int[] order;
        private final int total = numBatches();
        private int next;
        private Future<Batch> pending;

        EpochIterator(int[] order, int first) {
            this.order = order;
            this.next = first;
            if (prefetch && first < total) {
                pending = submit(first);
            }
        }

        /** The batch being built in the background, or null if the loader was closed meanwhile. */
        private Future<Batch> submit(int b) {
            try {
                return worker().submit(() -> assemble(order, b));
            } catch (RejectedExecutionException closedMeanwhile) {
                return null; // next() then builds the batch on the caller's thread
            }
        }

        @Override
        public boolean hasNext() {
            return next < total;
        }

        @Override
        public Batch next() {
            if (next >= total) {
                throw new NoSuchElementException("DataLoader: the epoch has " + total + " batches and all were returned");
            }
            Batch batch;
            if (pending == null) {
                batch = assemble(order, next);
            } else {
                batch = await(pending, next);
                pending = null;
            }
            next++;
            if (prefetch && next < total) {
                pending = submit(next);
            }
            return batch;
        }

        private Batch await(Future<Batch> f, int b) {
            try {
                return f.get();
            } catch (CancellationException e) {
                return assemble(order, b); // the loader was closed mid-epoch
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("DataLoader: interrupted while waiting for a prefetched batch", e);
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof RuntimeException) {
                    throw (RuntimeException) cause; // the dataset's own error, as if read on this thread
                }
                if (cause instanceof Error) {
                    throw (Error) cause;
                }
                throw new IllegalStateException("DataLoader: prefetching a batch failed", cause);
            }
        }
    }
}
