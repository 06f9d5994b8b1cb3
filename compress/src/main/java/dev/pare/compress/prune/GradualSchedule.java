package dev.pare.compress.prune;

/**
 * The cubic sparsity schedule of Zhu and Gupta (2017), "To prune, or not to prune":
 *
 * <pre>
 *   s(t) = s_f + (s_i − s_f) · (1 − (t − t₀) / (n·Δt))³     for t₀ ≤ t ≤ t₀ + n·Δt
 * </pre>
 *
 * evaluated only at the pruning steps t = t₀, t₀ + Δt, …, t₀ + n·Δt (between them the sparsity
 * holds). Before t₀ it is s_i, after the last step s_f.
 *
 * <p>Why cubic: the network has the most redundant weights at the start, so the schedule prunes
 * fast early and slows down near the target, leaving the training steps in between to recover
 * from each smaller cut. Its slope at the end is 0.
 *
 * @param initial  s_i, the sparsity at t₀ (usually 0)
 * @param target   s_f, the final sparsity
 * @param begin    t₀, the first pruning step (optimizer steps counted from 0)
 * @param steps    n, the number of pruning intervals after t₀
 * @param interval Δt, optimizer steps between two prunings
 */
public record GradualSchedule(double initial, double target, long begin, int steps, long interval) {

    /** Checks the arguments: sparsities in [0, 1) with s_i ≤ s_f, n ≥ 1, Δt ≥ 1, t₀ ≥ 0. */
    public GradualSchedule {
        Sparsity.check("GradualSchedule initial", initial);
        Sparsity.check("GradualSchedule target", target);
        if (initial > target) {
            throw new IllegalArgumentException("GradualSchedule: initial sparsity " + initial + " above the target " + target);
        }
        if (steps < 1 || interval < 1 || begin < 0) {
            throw new IllegalArgumentException("GradualSchedule: steps " + steps + " and interval " + interval
                    + " must be at least 1, begin " + begin + " at least 0");
        }
    }

    /**
     * A schedule that starts at 0 at step {@code begin} and reaches {@code target} after
     * {@code steps} prunings spread evenly over {@code span} optimizer steps.
     */
    public static GradualSchedule over(double target, long begin, long span, int steps) {
        return new GradualSchedule(0, target, begin, steps, Math.max(1, span / steps));
    }

    /** The sparsity in force at optimizer step {@code t}. */
    public double sparsityAt(long t) {
        if (t < begin) {
            return initial;
        }
        long k = Math.min(steps, (t - begin) / interval);
        double left = 1 - (double) k / steps;
        return target + (initial - target) * left * left * left;
    }

    /** Whether a pruning step falls on {@code t}. */
    public boolean prunesAt(long t) {
        return t >= begin && t <= end() && (t - begin) % interval == 0;
    }

    /** The last pruning step, t₀ + n·Δt. */
    public long end() {
        return begin + steps * interval;
    }
}
