package dev.pare.compress.search;

import dev.pare.tensor.Rng;
import java.util.List;

/**
 * A way to spend the budget: which architectures to evaluate, in which order, at which fidelity.
 *
 * <p>A strategy is a plain loop that asks {@link SearchContext#evaluate} for results until the
 * context stops it (the call throws when the budget is spent). It keeps no state of its own
 * beyond its local variables: every decision follows from {@code rng} and the results it got.
 * That is what makes a search resumable for free: {@link Search} reruns the loop from the start
 * and answers the evaluations already in the state file from the file, so the loop walks the
 * same path to where it stopped and carries on.
 */
public interface SearchStrategy {

    /** The strategy's name, as {@code --strategy} spells it. */
    String name();

    /** Runs until {@code ctx} says the budget is spent; every random choice comes from {@code rng}. */
    void run(SearchContext ctx, Rng rng);

    /** The settings that change the path of the search, for the state file. */
    String describe();

    /** The strategies {@code ./pare search --strategy} knows, with their default settings. */
    static List<String> names() {
        return List.of("random", "evolution", "halving");
    }

    /**
     * The strategy called {@code name} with its default settings.
     *
     * @throws IllegalArgumentException naming the known strategies
     */
    static SearchStrategy named(String name) {
        return switch (name) {
            case "random" -> new RandomSearch();
            case "evolution" -> new AgingEvolution(AgingEvolution.DEFAULT_POPULATION, AgingEvolution.DEFAULT_SAMPLE);
            case "halving" -> new SuccessiveHalving(SuccessiveHalving.DEFAULT_CANDIDATES, SuccessiveHalving.DEFAULT_ETA,
                    SuccessiveHalving.DEFAULT_RUNGS);
            default -> throw new IllegalArgumentException("search strategy \"" + name + "\": unknown; known strategies are "
                    + String.join(", ", names()));
        };
    }
}
