package dev.pare.compress.search;

import dev.pare.tensor.Rng;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Successive halving (Jamieson and Talwalkar, 2016), in brackets:
 * <pre>
 *   candidates ← n random architectures
 *   for rung r = 0, 1, …, R − 1:
 *     evaluate every candidate at fidelity η^r (η^r times the base epochs)
 *     keep the best ⌈n / η^(r+1)⌉ by fitness
 *   repeat with a fresh bracket
 * </pre>
 *
 * <p>What it saves: a short training run already separates the hopeless architectures from the
 * promising ones, so most candidates get only the cheapest evaluation and the long ones are
 * spent on the few that earned them. With n = 9, η = 3 and R = 2, a bracket looks at 9
 * architectures for the cost of 18 cheap evaluations (9 · 1 + 3 · 3), where evaluating all nine
 * at fidelity 3 would cost 27. The risk is the same as its saving: an architecture that learns
 * slowly but ends well is cut at the first rung.
 *
 * <p>Each rung trains from scratch at its fidelity rather than continuing the previous rung's
 * weights: wasteful, but every evaluation then stands alone, is reproducible from its seed, and
 * can be compared with the other strategies' evaluations at the same fidelity.
 */
public final class SuccessiveHalving implements SearchStrategy {
    static final int DEFAULT_CANDIDATES = 9;
    static final int DEFAULT_ETA = 3;
    static final int DEFAULT_RUNGS = 2;

    private final int candidates;
    private final int eta;
    private final int rungs;

    /**
     * @param candidates n, architectures per bracket, >= eta
     * @param eta        η >= 2: one in η survives each rung, and trains η times longer
     * @param rungs      R >= 1 (1 is random search at fidelity 1)
     */
    public SuccessiveHalving(int candidates, int eta, int rungs) {
        if (eta < 2 || candidates < eta || rungs < 1 || Math.pow(eta, rungs - 1) > 1_000) {
            throw new IllegalArgumentException("SuccessiveHalving: " + candidates + " candidates, eta " + eta + ", "
                    + rungs + " rungs: expected eta >= 2, candidates >= eta, rungs >= 1 and eta^(rungs-1) <= 1000");
        }
        this.candidates = candidates;
        this.eta = eta;
        this.rungs = rungs;
    }

    @Override
    public String name() {
        return "halving";
    }

    @Override
    public void run(SearchContext ctx, Rng rng) {
        while (true) {
            List<Architecture> bracket = new ArrayList<>();
            for (int i = 0; i < candidates; i++) {
                bracket.add(ctx.sample(rng));
            }
            int fidelity = 1;
            for (int r = 0; r < rungs; r++) {
                List<Scored> scored = new ArrayList<>();
                for (Architecture a : bracket) {
                    scored.add(new Scored(a, ctx.fitness(ctx.evaluate(a, fidelity))));
                }
                // Stable sort: among equal fitness the earlier candidate survives, deterministically.
                scored.sort(Comparator.comparingDouble((Scored s) -> s.fitness).reversed());
                int keep = Math.max(1, (int) Math.ceil(bracket.size() / (double) eta));
                bracket = new ArrayList<>();
                for (int i = 0; i < keep; i++) {
                    bracket.add(scored.get(i).architecture);
                }
                fidelity *= eta;
            }
        }
    }

    @Override
    public String describe() {
        return "halving candidates " + candidates + " eta " + eta + " rungs " + rungs;
    }

    private record Scored(Architecture architecture, double fitness) {}
}
