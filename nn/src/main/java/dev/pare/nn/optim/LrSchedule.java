package dev.pare.nn.optim;

/**
 * A learning rate as a function of the step number: lr(t) = f(base, t) for t = 0, 1, 2, …, where
 * "step" is whatever the caller counts (epochs or batches; see {@link LrScheduler}).
 *
 * <p>Schedules are closed formulas, not the running products PyTorch's schedulers update, so any
 * step can be asked for directly and schedules compose: {@code linearWarmup(0.1, 5).then(5,
 * cosine(45, 0))} warms up for 5 steps and then anneals over the next 45, as PyTorch's
 * {@code SequentialLR([LinearLR(...), CosineAnnealingLR(...)], milestones=[5])} does. The tests
 * check each against the sequence PyTorch's schedulers produce.
 */
@FunctionalInterface
public interface LrSchedule {
    /** The learning rate at step {@code t ≥ 0}, given the optimizer's initial learning rate. */
    double lr(double baseLr, long t);

    /** The base rate at every step. */
    static LrSchedule constant() {
        return (base, t) -> base;
    }

    /**
     * Step decay, PyTorch's {@code StepLR}: lr(t) = base · γ^⌊t / stepSize⌋, i.e. multiplied by γ
     * every {@code stepSize} steps.
     */
    static LrSchedule stepDecay(int stepSize, double gamma) {
        if (stepSize <= 0) {
            throw new IllegalArgumentException("stepDecay: stepSize " + stepSize + " must be > 0");
        }
        if (!(gamma >= 0) || Double.isInfinite(gamma)) {
            throw new IllegalArgumentException("stepDecay: gamma " + gamma + " must be finite and >= 0");
        }
        return (base, t) -> base * Math.pow(gamma, (double) (t / stepSize));
    }

    /**
     * Cosine annealing, PyTorch's {@code CosineAnnealingLR}:
     * lr(t) = η_min + (base − η_min) · (1 + cos(π·t / tMax)) / 2, from base at t = 0 down to η_min
     * at t = tMax. Like PyTorch's, the curve simply continues past tMax (rising again); stop
     * stepping, or pick tMax = the number of steps you will run.
     */
    static LrSchedule cosine(int tMax, double etaMin) {
        if (tMax <= 0) {
            throw new IllegalArgumentException("cosine: tMax " + tMax + " must be > 0");
        }
        if (!(etaMin >= 0) || Double.isInfinite(etaMin)) {
            throw new IllegalArgumentException("cosine: etaMin " + etaMin + " must be finite and >= 0");
        }
        return (base, t) -> etaMin + (base - etaMin) * (1 + Math.cos(Math.PI * t / tMax)) / 2;
    }

    /**
     * Linear warm-up, PyTorch's {@code LinearLR(start_factor, end_factor=1, total_iters)}:
     * lr(t) = base · (s + (1 − s) · min(t, steps) / steps), rising from s·base at t = 0 to base at
     * t = steps and staying there. Large learning rates on a freshly initialised net can blow up
     * the first updates; a warm-up lets the optimizer's statistics settle first.
     */
    static LrSchedule linearWarmup(double startFactor, int steps) {
        if (!(startFactor > 0 && startFactor <= 1)) {
            throw new IllegalArgumentException("linearWarmup: startFactor " + startFactor + " must be in (0, 1]");
        }
        if (steps <= 0) {
            throw new IllegalArgumentException("linearWarmup: steps " + steps + " must be > 0");
        }
        return (base, t) -> base * (startFactor + (1 - startFactor) * Math.min(t, steps) / steps);
    }

    /**
     * This schedule for steps 0 … {@code at − 1}, then {@code next} restarted at its own step 0:
     * PyTorch's {@code SequentialLR} with one milestone.
     */
    default LrSchedule then(int at, LrSchedule next) {
        if (at <= 0) {
            throw new IllegalArgumentException("then: milestone " + at + " must be > 0");
        }
        if (next == null) {
            throw new IllegalArgumentException("then: next schedule is null");
        }
        LrSchedule first = this;
        return (base, t) -> t < at ? first.lr(base, t) : next.lr(base, t - at);
    }
}
