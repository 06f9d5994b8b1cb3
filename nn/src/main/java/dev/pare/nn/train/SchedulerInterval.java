package dev.pare.nn.train;

/** When the {@link Trainer} advances its learning-rate scheduler. */
public enum SchedulerInterval {
    /** After the last batch of each epoch: the schedule's steps are epochs. */
    EPOCH,
    /** After every optimizer step: the schedule's steps are batches (typical for warm-up). */
    BATCH
}
