package dev.pare.compress.search;

import dev.pare.tensor.Rng;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Regularized ("aging") evolution (Real et al., 2019, algorithm 1):
 * <pre>
 *   population ← P random architectures, evaluated
 *   repeat:
 *     sample     ← S members of the population drawn at random (without replacement)
 *     parent     ← the fittest of the sample
 *     child      ← parent with one choice mutated, evaluated
 *     add child to the population; remove the <em>oldest</em> member
 * </pre>
 *
 * <p>Why the oldest and not the worst: removing the worst keeps a lucky architecture (one whose
 * short training happened to go well) in the population forever, and the search keeps mutating
 * it. Ageing gives every architecture a limited life, so only those whose descendants keep doing
 * well stay represented: a regularisation against noisy evaluations, which low-fidelity
 * training certainly gives. The tournament size S sets the pressure: S = 1 is a random walk,
 * S = P always picks the current best.
 */
public final class AgingEvolution implements SearchStrategy {
    /** Real et al. used P = 100, S = 25 for thousands of evaluations; a budget of tens needs a small population. */
    static final int DEFAULT_POPULATION = 8;
    static final int DEFAULT_SAMPLE = 3;

    private final int population;
    private final int sample;

    /**
     * @param population P, the members alive at once, >= 2
     * @param sample     S, the tournament size, in [1, P]
     */
    public AgingEvolution(int population, int sample) {
        if (population < 2 || sample < 1 || sample > population) {
            throw new IllegalArgumentException("AgingEvolution: population " + population + " and sample " + sample
                    + ": expected population >= 2 and 1 <= sample <= population");
        }
        this.population = population;
        this.sample = sample;
    }

    @Override
    public String name() {
        return "evolution";
    }

    @Override
    public void run(SearchContext ctx, Rng rng) {
        ArrayDeque<Member> alive = new ArrayDeque<>();
        while (alive.size() < population) {
            Architecture a = ctx.sample(rng);
            alive.addLast(new Member(a, ctx.evaluate(a, 1)));
        }
        while (true) {
            List<Member> members = new ArrayList<>(alive);
            Member parent = null;
            // A partial Fisher–Yates shuffle picks S distinct members.
            for (int i = 0; i < sample; i++) {
                int j = i + rng.nextInt(members.size() - i);
                Member m = members.get(j);
                members.set(j, members.get(i));
                members.set(i, m);
                if (parent == null || ctx.fitness(m.trial) > ctx.fitness(parent.trial)) {
                    parent = m;
                }
            }
            Architecture child = ctx.mutate(parent.architecture, rng);
            alive.addLast(new Member(child, ctx.evaluate(child, 1)));
            alive.removeFirst();
        }
    }

    @Override
    public String describe() {
        return "evolution population " + population + " sample " + sample;
    }

    private record Member(Architecture architecture, Trial trial) {}
}
