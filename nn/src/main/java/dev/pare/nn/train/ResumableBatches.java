package dev.pare.nn.train;

import java.util.Iterator;

/**
 * A source of batches that can start any pass at any batch, so that a {@link Trainer} resumed
 * from a {@link TrainingCheckpoint} continues with exactly the batch that would have come next.
 *
 * <p>A pass is one {@code iterator()} of the source: the k-th call (from 0) yields pass k. The
 * trainer records {@link #nextPass()} when an epoch starts, and on resuming asks for that pass
 * again from the batch where it stopped. The source must give the same batches for the same
 * pass every time (a shuffle seeded from (seed, pass), as {@code DataLoader} does); anything
 * drawn at random while a batch is built must come from that seed too, never from a generator
 * that keeps running between passes.
 *
 * <p>Why not skip batches by iterating: building a batch costs a copy of its examples, and a
 * source such as a teacher-logit cache may run a network for each new pass; seeking is free.
 * The trainer still resumes a plain {@code Iterable} (a {@code List} of batches) by iterating
 * and dropping the batches already trained on, which is correct when every pass is the same.
 */
public interface ResumableBatches {
    /** The pass the next {@code iterator()} will yield: how many passes have been started so far. */
    int nextPass();

    /**
     * Pass {@code pass} from batch {@code batch} on (batch = the number of batches to skip, up to
     * and including all of them); afterwards {@code iterator()} continues with pass {@code pass + 1}.
     *
     * @throws IllegalArgumentException if pass is negative or batch is outside [0, batches per pass]
     */
    Iterator<? extends LabeledBatch> resume(int pass, int batch);
}
