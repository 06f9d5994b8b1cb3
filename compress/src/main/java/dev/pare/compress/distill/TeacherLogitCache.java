package dev.pare.compress.distill;

import dev.pare.nn.Model;
import dev.pare.nn.data.Batch;
import dev.pare.nn.data.DataLoader;
import dev.pare.nn.data.Dataset;
import dev.pare.nn.train.LabeledBatch;
import dev.pare.nn.train.ResumableBatches;
import dev.pare.nn.train.SizedBatches;
import dev.pare.tensor.Tensor;
import java.util.Iterator;

/**
 * The teacher's logits for every example of a dataset, computed once: a table [N, C] whose row i
 * is the frozen teacher's output on example i.
 *
 * <h2>When it is exact</h2>
 * A frozen teacher in evaluation mode is a fixed function of one example: dropout is off and
 * batch norm uses its running statistics, so a row does not depend on the other rows of its
 * batch. {@link Dataset} promises the same input for the same index. With both, looking a row up
 * by its dataset index ({@link Batch#indices()}) gives what running the teacher on the batch
 * would. Two things would break it, and are not allowed here: data augmentation drawn afresh at
 * every read (a random crop makes the input of index i differ from epoch to epoch; run the
 * teacher on the fly then) and a teacher still in training mode. Augmentation that is a function
 * of (seed, epoch, index), {@link dev.pare.nn.data.AugmentedDataset}, is fine: each epoch's view
 * is a deterministic data set, with a cache of its own ({@link #attach(DataLoader, int)}). Bit-for-bit equality also needs the kernels to compute a row the
 * same way whatever the batch around it, which Pare's do (they split work over output rows, never
 * inside a sum); {@code DistillerTest} checks it.
 *
 * <h2>What it saves</h2>
 * The teacher's forward pass on every training batch of every epoch, in exchange for one pass over
 * the data set and N·C floats of memory (60,000 × 10 × 4 = 2,400,000 bytes for Fashion-MNIST). For a
 * CNN teacher and an MLP student the teacher's forward costs far more than the student's whole
 * step, so it is most of the time of an epoch.
 */
public final class TeacherLogitCache {
    private final Dataset dataset;
    private final Tensor logits;
    private final double seconds;

    private TeacherLogitCache(Dataset dataset, Tensor logits, double seconds) {
        this.dataset = dataset;
        this.logits = logits;
        this.seconds = seconds;
    }

    /**
     * Runs {@code teacher} (switched to evaluation mode) on every example of {@code dataset}, in
     * dataset order, {@code batchSize} at a time, without recording a graph.
     */
    @SuppressWarnings("try") // the scope is used only for its close()
    public static TeacherLogitCache compute(Model teacher, Dataset dataset, int batchSize) {
        if (teacher == null || dataset == null) {
            throw new IllegalArgumentException("TeacherLogitCache: teacher and dataset must not be null");
        }
        long start = System.nanoTime();
        teacher.setTraining(false);
        int n = dataset.size();
        float[] table = null;
        int classes = -1;
        try (var ignored = Tensor.noGrad()) {
            for (Batch b : DataLoader.builder(dataset).batchSize(batchSize).build().epoch(0)) {
                Tensor out = teacher.forward(b.inputs());
                if (out.dim() != 2 || out.size(0) != b.size()) {
                    throw new IllegalArgumentException("TeacherLogitCache: the teacher's output "
                            + java.util.Arrays.toString(out.shape()) + " is not logits [" + b.size() + ", C]");
                }
                if (table == null) {
                    classes = out.size(1);
                    table = new float[Math.multiplyExact(n, classes)];
                }
                float[] rows = out.contiguous().toArray();
                int[] idx = b.indices();
                for (int r = 0; r < idx.length; r++) {
                    System.arraycopy(rows, r * classes, table, idx[r] * classes, classes);
                }
            }
        }
        if (table == null) {
            throw new IllegalArgumentException("TeacherLogitCache: the dataset is empty");
        }
        return new TeacherLogitCache(dataset, Tensor.fromArray(table, n, classes), (System.nanoTime() - start) / 1e9);
    }

    /**
     * A cache from logits computed earlier (say, saved to disk and read back): row i of
     * {@code logits} [N, C] must be the teacher's output on example i of {@code dataset}. Nothing
     * can check that; the shape is checked.
     */
    public static TeacherLogitCache of(Dataset dataset, Tensor logits) {
        if (dataset == null || logits == null) {
            throw new IllegalArgumentException("TeacherLogitCache: dataset and logits must not be null");
        }
        if (logits.dim() != 2 || logits.size(0) != dataset.size()) {
            throw new IllegalArgumentException("TeacherLogitCache: logits of shape " + java.util.Arrays.toString(logits.shape())
                    + " are not [N, C] with N = " + dataset.size() + ", the size of the dataset");
        }
        return new TeacherLogitCache(dataset, logits.detach().contiguous(), 0);
    }

    /** The teacher's logits for the given dataset indices, [indices.length, C] (a copy). */
    public Tensor rows(int[] indices) {
        for (int i : indices) {
            Dataset.checkIndex(dataset, i);
        }
        return logits.indexSelect(0, indices);
    }

    /** The whole table, [N, C] (shared: do not write to it). */
    public Tensor logits() {
        return logits;
    }

    /** The dataset the rows belong to. */
    public Dataset dataset() {
        return dataset;
    }

    /** Wall-clock seconds {@link #compute} took. */
    public double seconds() {
        return seconds;
    }

    /**
     * The batches of {@code loader}, each carrying its teacher logits: iterating the result walks
     * the loader's next epoch, as iterating the loader would. The loader must read this cache's
     * dataset (the same object): indices of another dataset would silently pick wrong rows.
     */
    public Iterable<LabeledBatch> attach(DataLoader loader) {
        checkDataset(loader);
        return new Attached(loader);
    }

    /**
     * A loader's batches with their logits. It is also {@link ResumableBatches} and
     * {@link SizedBatches} when the loader is, so that a trainer resumed from a checkpoint seeks
     * to its batch without building the ones before it, and a progress bar knows the total.
     */
    private final class Attached implements Iterable<LabeledBatch>, ResumableBatches, SizedBatches {
        private final DataLoader loader;

        Attached(DataLoader loader) {
            this.loader = loader;
        }

        @Override
        public Iterator<LabeledBatch> iterator() {
            return withLogits(loader.iterator());
        }

        @Override
        public int nextPass() {
            return loader.nextPass();
        }

        @Override
        public Iterator<LabeledBatch> resume(int pass, int batch) {
            return withLogits(loader.resume(pass, batch));
        }

        @Override
        public int numBatches() {
            return loader.numBatches();
        }
    }

    /**
     * The batches of epoch {@code epoch} of {@code loader} (its {@link DataLoader#epoch order} for
     * that epoch), each carrying its teacher logits. For a training loop that builds a loader per
     * epoch, say over that epoch's {@link dev.pare.nn.data.AugmentedDataset augmented view} with
     * one cache per view.
     */
    public Iterable<LabeledBatch> attach(DataLoader loader, int epoch) {
        checkDataset(loader);
        Iterable<Batch> batches = loader.epoch(epoch);
        return () -> withLogits(batches.iterator());
    }

    private void checkDataset(DataLoader loader) {
        if (loader.dataset() != dataset) {
            throw new IllegalArgumentException("TeacherLogitCache: the loader reads " + loader.dataset()
                    + ", not the dataset " + dataset + " these logits were computed on");
        }
    }

    private Iterator<LabeledBatch> withLogits(Iterator<Batch> batches) {
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return batches.hasNext();
            }

            @Override
            public LabeledBatch next() {
                Batch b = batches.next();
                int[] idx = b.indices();
                return new TeacherBatch(b.inputs(), b.labels(), rows(idx), idx);
            }
        };
    }
}
