package dev.pare.compress.report;

/**
 * The Pareto frontier of points that each cost something and are worth something: the points
 * no other point beats on both counts.
 *
 * <p>Point j <em>dominates</em> point i when {@code cost[j] ≤ cost[i]} and
 * {@code value[j] ≥ value[i]}, with at least one of the two strict. The frontier is the set
 * of points that no point dominates. In the trade-off report the cost is bytes on disk (or
 * latency) and the value is test accuracy: a variant off the frontier is never worth choosing,
 * because another one is at least as small and at least as accurate. Two identical points do
 * not dominate each other, so both stay on the frontier.
 *
 * <p>O(n²) comparisons: a report has tens of variants, not millions.
 */
public final class ParetoFrontier {
    private ParetoFrontier() {}

    /**
     * {@code onFrontier[i]} is true when no point dominates point i.
     *
     * @throws IllegalArgumentException if the arrays differ in length or hold NaN
     */
    public static boolean[] of(double[] cost, double[] value) {
        if (cost.length != value.length) {
            throw new IllegalArgumentException("ParetoFrontier: " + cost.length + " costs but " + value.length + " values");
        }
        for (int i = 0; i < cost.length; i++) {
            if (Double.isNaN(cost[i]) || Double.isNaN(value[i])) {
                throw new IllegalArgumentException("ParetoFrontier: point " + i + " is (" + cost[i] + ", " + value[i]
                        + "); NaN has no place on a frontier");
            }
        }
        boolean[] on = new boolean[cost.length];
        for (int i = 0; i < cost.length; i++) {
            on[i] = true;
            for (int j = 0; j < cost.length && on[i]; j++) {
                on[i] = !dominates(cost[j], value[j], cost[i], value[i]);
            }
        }
        return on;
    }

    /** Whether (cj, vj) dominates (ci, vi): no worse on both, strictly better on one. */
    public static boolean dominates(double cj, double vj, double ci, double vi) {
        return cj <= ci && vj >= vi && (cj < ci || vj > vi);
    }
}
