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

    /** The learning rate of step {@code t}, without changing anything. */
    public double lrAt(long t) {
        return schedule.lr(baseLr, t);
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

    /**
     * Continues from step {@code t} of a saved run (its {@link #stepCount()}) and sets the
     * learning rate of that step.
     *
     * @param savedBaseLr the saved scheduler's {@link #baseLr()}; must equal this one's
     * @throws IllegalArgumentException if the base rates differ (the run used another --lr) or
     *     t is negative
     */
    public void resumeAt(long t, double savedBaseLr) {
        if (t < 0) {
            throw new IllegalArgumentException("LrScheduler.resumeAt: step " + t + " must be >= 0");
        }
        if (Double.compare(savedBaseLr, baseLr) != 0) {
            throw new IllegalArgumentException("LrScheduler.resumeAt: the saved run's base learning rate was " + savedBaseLr
                    + ", this scheduler's is " + baseLr);
        }
        this.t = t;
        apply();
    }
}
