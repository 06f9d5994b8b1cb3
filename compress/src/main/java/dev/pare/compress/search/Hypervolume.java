package dev.pare.compress.search;

import java.util.ArrayList;
import java.util.List;

/**
 * The hypervolume of a set of (latency, accuracy) points: the area of the latency–accuracy plane
 * that they dominate, inside a reference box. One number for a whole frontier, so two strategies'
 * frontiers can be compared; bigger is better.
 *
 * <pre>
 *   HV = area of { (l, a) : l ≤ refLatency, a ≥ refAccuracy, and some point has latency ≤ l and accuracy ≥ a }
 * </pre>
 * Sorting the frontier by latency, p₁ … p_m with accuracies rising, the area is a staircase:
 * {@code Σ (l_{i+1} − l_i) · (a_i − refAccuracy)} with {@code l_{m+1} = refLatency}.
 *
 * <p>The reference point matters: it must be the same for the frontiers compared, and worse than
 * every point worth counting. Points outside the box (slower than refLatency or less accurate
 * than refAccuracy) add nothing.
 */
public final class Hypervolume {
    private Hypervolume() {}

    /**
     * @throws IllegalArgumentException if the arrays differ in length or hold NaN
     */
    public static double of(double[] latency, double[] accuracy, double refLatency, double refAccuracy) {
        if (latency.length != accuracy.length) {
            throw new IllegalArgumentException("Hypervolume: " + latency.length + " latencies but " + accuracy.length
                    + " accuracies");
        }
        List<double[]> inside = new ArrayList<>();
        for (int i = 0; i < latency.length; i++) {
            if (Double.isNaN(latency[i]) || Double.isNaN(accuracy[i])) {
                throw new IllegalArgumentException("Hypervolume: point " + i + " is (" + latency[i] + ", " + accuracy[i] + ")");
            }
            if (latency[i] < refLatency && accuracy[i] > refAccuracy) {
                inside.add(new double[] {latency[i], accuracy[i]});
            }
        }
        // By latency, the more accurate first among equal latencies; then keep the rising staircase.
        inside.sort((p, q) -> p[0] != q[0] ? Double.compare(p[0], q[0]) : Double.compare(q[1], p[1]));
        List<double[]> stairs = new ArrayList<>();
        for (double[] p : inside) {
            if (stairs.isEmpty() || p[1] > stairs.get(stairs.size() - 1)[1]) {
                stairs.add(p);
            }
        }
        double area = 0;
        for (int i = 0; i < stairs.size(); i++) {
            double next = i + 1 < stairs.size() ? stairs.get(i + 1)[0] : refLatency;
            area += (next - stairs.get(i)[0]) * (stairs.get(i)[1] - refAccuracy);
        }
        return area;
    }

    /** The hypervolume of {@code trials}' predicted latencies and accuracies. */
    public static double of(List<Trial> trials, double refLatency, double refAccuracy) {
        double[] l = new double[trials.size()];
        double[] a = new double[trials.size()];
        for (int i = 0; i < trials.size(); i++) {
            l[i] = trials.get(i).predictedMicros();
            a[i] = trials.get(i).accuracy();
        }
        return of(l, a, refLatency, refAccuracy);
    }
}
