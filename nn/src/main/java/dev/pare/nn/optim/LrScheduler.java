package dev.pare.nn.optim;

/**
 * Applies an {@link LrSchedule} to an optimizer: remembers the optimizer's learning rate at
 * construction as the base, sets lr(base, 0) at once, and lr(base, t) on the t-th {@link #step()}.
 *
 * <p>Call {@code step()} after {@code optimizer.step()}, once per epoch or once per batch,
 * whichever the schedule's steps count (PyTorch's order; stepping before the optimizer skips the
 * schedule's first value).
 */
public final class LrScheduler {
    private final Optimizer optimizer;
    private final LrSchedule schedule;
    private final double baseLr;
    private long t;

    public LrScheduler(Optimizer optimizer, LrSchedule schedule) {
        if (optimizer == null || schedule == null) {
            throw new IllegalArgumentException("LrScheduler: optimizer and schedule must not be null");
        }
        this.optimizer = optimizer;
        this.schedule = schedule;
        this.baseLr = optimizer.learningRate();
        apply();
    }

    /** Advances one step and sets the optimizer's learning rate for it. */
    public void step() {
        t++;
        apply();
    }

    private void apply() {
        optimizer.setLearningRate(schedule.lr(baseLr, t));
    }

    /** The learning rate set by the last step (or the constructor). */
    public double lastLr() {
        return optimizer.learningRate();
    }

    /** How many times {@link #step()} has run. */
    public long stepCount() {
        return t;
    }

    /** The optimizer whose learning rate this sets. */
    public Optimizer optimizer() {
        return optimizer;
    }

    /** The optimizer's learning rate when this scheduler was made. */
    public double baseLr() {
        return baseLr;
    }
}
