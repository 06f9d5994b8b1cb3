package dev.pare.samples;

import dev.pare.compress.distill.TeacherLogitCache;
import dev.pare.nn.Module;
import dev.pare.nn.data.AugmentedDataset;
import dev.pare.nn.data.DataLoader;
import dev.pare.nn.train.LabeledBatch;
import dev.pare.nn.train.ResumableBatches;
import dev.pare.nn.train.SizedBatches;
import dev.pare.nn.io.Checkpoint;
import dev.pare.nn.io.SafeTensors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The training batches of an augmented run: the k-th pass (epoch k) reads augmented view
 * {@code k mod views}, shuffled in the order of epoch k of the run's seed, optionally with the
 * teacher's logits for that view attached.
 *
 * <p>The views depend on the augmentation seed only, not on the run's seed, so the teacher's
 * logits of each view are computed once ({@link ViewCaches}) and shared by every seed and every
 * (T, α) setting, and a scratch run and a distilled run with the same seed see the very same
 * images in the same order. Only the first {@code views} epochs cost a teacher pass; cycling
 * through a fixed set of views after that trades some variety for time.
 */
final class EpochViews implements Iterable<LabeledBatch>, ResumableBatches, SizedBatches {
    private final AugmentedDataset first;
    private final int views;
    private final int batchSize;
    private final long seed;
    private final ViewCaches caches;
    private int nextEpoch;

    /** @param caches the teacher logits of each view, or null for plain batches (scratch, or a teacher on the fly) */
    EpochViews(AugmentedDataset first, int views, int batchSize, long seed, ViewCaches caches) {
        this.first = first;
        this.views = views;
        this.batchSize = batchSize;
        this.seed = seed;
        this.caches = caches;
    }

    @Override
    public Iterator<LabeledBatch> iterator() {
        return resume(nextEpoch, 0);
    }

    @Override
    public int nextPass() {
        return nextEpoch;
    }

    /** Epoch {@code epoch} from batch {@code batch} on; the next {@link #iterator()} yields epoch + 1. */
    @Override
    public Iterator<LabeledBatch> resume(int epoch, int batch) {
        nextEpoch = epoch + 1;
        int v = epoch % views;
        Iterator<? extends LabeledBatch> it;
        if (caches != null) {
            TeacherLogitCache cache = caches.get(v);
            DataLoader loader = DataLoader.builder(cache.dataset()).batchSize(batchSize).shuffle(seed).build();
            it = ((ResumableBatches) cache.attach(loader)).resume(epoch, batch);
        } else {
            DataLoader loader = DataLoader.builder(first.forEpoch(v)).batchSize(batchSize).shuffle(seed).build();
            it = loader.resume(epoch, batch);
        }
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return it.hasNext();
            }

            @Override
            public LabeledBatch next() {
                return it.next();
            }
        };
    }

    /** Batches per epoch: every view has the base data set's size. */
    @Override
    public int numBatches() {
        return (first.size() + batchSize - 1) / batchSize;
    }

    /** One teacher's logits on each augmented view, computed when first needed and then kept. */
    static final class ViewCaches {
        private final Module teacher;
        private final AugmentedDataset first;
        private final Path dir;
        private final String key;
        private final List<TeacherLogitCache> caches = new ArrayList<>();
        private double seconds;
        private int loaded;

        /**
         * @param dir where to keep each view's logits between runs (null: in memory only)
         * @param key what the logits depend on (teacher file, transforms, seed); a file saved
         *            under another key is recomputed, never reused
         */
        ViewCaches(Module teacher, AugmentedDataset first, Path dir, String key) {
            this.teacher = teacher;
            this.first = first;
            this.dir = dir;
            this.key = key;
        }

        TeacherLogitCache get(int view) {
            while (caches.size() <= view) {
                caches.add(load(caches.size()));
            }
            return caches.get(view);
        }

        private TeacherLogitCache load(int view) {
            AugmentedDataset data = first.forEpoch(view);
            Path file = dir == null ? null : dir.resolve("view-" + view + ".safetensors");
            String viewKey = key + " | view " + view;
            try {
                if (file != null && Files.exists(file)) {
                    Checkpoint c = SafeTensors.read(file);
                    if (viewKey.equals(c.metadata().get("key"))) {
                        loaded++;
                        return TeacherLogitCache.of(data, c.toStateDict().get("logits"));
                    }
                }
                TeacherLogitCache computed = TeacherLogitCache.compute(teacher, data, 500);
                seconds += computed.seconds();
                if (file != null) {
                    Files.createDirectories(dir);
                    SafeTensors.save(file, Map.of("logits", computed.logits()), Map.of("key", viewKey));
                }
                return computed;
            } catch (IOException e) {
                throw new UncheckedIOException("teacher logits of view " + view + " in " + file, e);
            }
        }

        /** Seconds spent running the teacher on the views so far. */
        double seconds() {
            return seconds;
        }

        /** Views whose logits were computed by running the teacher. */
        int computed() {
            return caches.size() - loaded;
        }

        /** Views whose logits were read from the cache directory. */
        int loaded() {
            return loaded;
        }
    }
}
