package dev.pare.nn.train;

/**
 * What "every N" counts when a {@link Trainer} saves a {@link TrainingCheckpoint}: optimizer
 * steps (one per batch), or whole epochs. Steps bound the work a kill can lose to N batches
 * whatever the epoch's length; epochs give checkpoints at clean boundaries, after evaluation.
 */
public enum CheckpointUnit {
    /** Every N optimizer steps, counted from the start of the run (resumes included). */
    STEPS,
    /** At the end of every N-th epoch, after its evaluation and the per-epoch scheduler step. */
    EPOCHS
}
