package dev.pare.compress.search;

import dev.pare.compress.report.ParetoFrontier;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The architectures a search found worth keeping: those no other evaluated architecture beats on
 * both accuracy and cost ({@link ParetoFrontier}).
 *
 * <p>An architecture evaluated at several fidelities (successive halving's survivors) counts
 * once, with its longest training: a short run understates what it can do, and mixing the two
 * would let an architecture dominate itself.
 */
public final class SearchFrontier {
    private SearchFrontier() {}

    /** Each architecture once, at its highest fidelity (the latest such trial), in first-seen order. */
    public static List<Trial> best(List<Trial> trials) {
        Map<String, Trial> byEncoding = new LinkedHashMap<>();
        for (Trial t : trials) {
            Trial before = byEncoding.get(t.encoding());
            if (before == null || t.fidelity() >= before.fidelity()) {
                byEncoding.put(t.encoding(), t);
            }
        }
        return new ArrayList<>(byEncoding.values());
    }

    /** The frontier of accuracy against predicted latency, by latency. */
    public static List<Trial> latency(List<Trial> trials) {
        return of(trials, Trial::predictedMicros);
    }

    /** The frontier of accuracy against bytes, by bytes. */
    public static List<Trial> bytes(List<Trial> trials) {
        return of(trials, t -> t.bytes());
    }

    private static List<Trial> of(List<Trial> trials, ToDoubleFunction<Trial> cost) {
        List<Trial> best = best(trials);
        double[] c = new double[best.size()];
        double[] v = new double[best.size()];
        for (int i = 0; i < best.size(); i++) {
            c[i] = cost.applyAsDouble(best.get(i));
            v[i] = best.get(i).accuracy();
        }
        boolean[] on = ParetoFrontier.of(c, v);
        List<Trial> out = new ArrayList<>();
        for (int i = 0; i < best.size(); i++) {
            if (on[i]) {
                out.add(best.get(i));
            }
        }
        out.sort(Comparator.comparingDouble(cost));
        return out;
    }
}
