package dev.pare.nn.data;

import dev.pare.tensor.Rng;
import dev.pare.tensor.Shape;
import java.util.List;

/**
 * One epoch's augmented view of an image data set: example {@code i} is the base example
 * {@code i} passed through the transforms in order, each drawing from one generator seeded from
 * {@code (seed, epoch, i)} alone.
 *
 * <pre>{@code
 * AugmentedDataset view = new AugmentedDataset(train,
 *         List.of(new RandomShift(2, background), new RandomHorizontalFlip()), 7, 0);
 * for (int epoch = 0; epoch < epochs; epoch++) {
 *     DataLoader loader = DataLoader.builder(view.forEpoch(epoch)).batchSize(64).shuffle(seed).build();
 *     for (Batch b : loader.epoch(epoch)) { ... }
 * }
 * }</pre>
 *
 * <h2>Why a view per epoch, not a random draw per read</h2>
 * Augmentation usually draws fresh randomness every time an example is read. Here the draw is a
 * function of (seed, epoch, index), so each epoch's view is an ordinary {@link Dataset} that
 * keeps the interface's promise (the same example for the same index, from any thread, in any
 * order). That buys three things: a run is reproducible whatever the batch order or prefetching;
 * two runs given the same seed (say, a student trained from scratch and one trained by
 * distillation) see exactly the same augmented images; and anything computed from the inputs of
 * a view, such as a frozen teacher's outputs, can be computed once per view and reused.
 * The augmentation seed is separate from the shuffling seed on purpose: the view is the data,
 * the order is how it is visited.
 *
 * <h2>Cost</h2>
 * Each read copies the base example and runs the transforms (a few passes over 784 floats for
 * Fashion-MNIST), allocating two scratch images: small next to a training step, and safe for a
 * prefetching loader's background thread.
 */
public final class AugmentedDataset implements Dataset {
    private final Dataset base;
    private final List<ImageTransform> transforms;
    private final long seed;
    private final int epoch;
    private final int[] shape;
    private final int channels;
    private final int height;
    private final int width;

    /**
     * @param base       images of shape {@code [C, H, W]} or {@code [H, W]}
     * @param transforms applied in order (an empty list gives the base examples unchanged)
     * @param seed       the augmentation seed
     * @param epoch      which epoch's view, ≥ 0
     */
    public AugmentedDataset(Dataset base, List<ImageTransform> transforms, long seed, int epoch) {
        if (base == null || transforms == null || transforms.stream().anyMatch(t -> t == null)) {
            throw new IllegalArgumentException("AugmentedDataset: base and transforms must not be null");
        }
        if (epoch < 0) {
            throw new IllegalArgumentException("AugmentedDataset: epoch must be >= 0, got " + epoch);
        }
        int[] s = base.inputShape();
        if (s.length != 2 && s.length != 3) {
            throw new IllegalArgumentException("AugmentedDataset: transforms need images [C, H, W] or [H, W], but the "
                    + "base data set's examples have shape " + Shape.str(s));
        }
        this.base = base;
        this.transforms = List.copyOf(transforms);
        this.seed = seed;
        this.epoch = epoch;
        this.shape = s;
        this.channels = s.length == 3 ? s[0] : 1;
        this.height = s[s.length - 2];
        this.width = s[s.length - 1];
    }

    /** The view of another epoch: same base, transforms and seed. */
    public AugmentedDataset forEpoch(int epoch) {
        return new AugmentedDataset(base, transforms, seed, epoch);
    }

    /** The epoch of this view. */
    public int epoch() {
        return epoch;
    }

    /** The un-augmented data set. */
    public Dataset base() {
        return base;
    }

    @Override
    public int size() {
        return base.size();
    }

    @Override
    public int[] inputShape() {
        return shape.clone();
    }

    @Override
    public int label(int index) {
        return base.label(index);
    }

    @Override
    public void copyInput(int index, float[] dst, int offset) {
        Dataset.checkIndex(this, index);
        int n = inputNumel();
        if (transforms.isEmpty()) {
            base.copyInput(index, dst, offset);
            return;
        }
        float[] a = new float[n];
        float[] b = new float[n];
        base.copyInput(index, a, 0);
        Rng rng = new Rng(exampleSeed(seed, epoch, index));
        for (ImageTransform t : transforms) {
            t.apply(a, 0, b, 0, channels, height, width, rng);
            float[] swap = a;
            a = b;
            b = swap;
        }
        System.arraycopy(a, 0, dst, offset, n);
    }

    /**
     * The generator seed of one example of one epoch. Epoch and index are spread by two different
     * odd 64-bit multipliers before being mixed in, so that neighbouring (epoch, index) pairs do
     * not give seeds a fixed distance apart (which {@link Rng}'s SplitMix seeding would partly
     * correlate; see {@code DataLoader.epochSeed}).
     */
    static long exampleSeed(long seed, int epoch, int index) {
        long z = seed ^ ((epoch + 1L) * 0xD1B54A32D192ED03L);
        z = Long.rotateLeft(z, 29) ^ ((index + 1L) * 0x9E6C63D0676A9A99L);
        return z;
    }

    @Override
    public String toString() {
        return "AugmentedDataset(" + base + ", " + transforms + ", seed " + seed + ", epoch " + epoch + ")";
    }
}
