package dev.pare.compress.search;

import dev.pare.tensor.Rng;

/**
 * Random search: draw an architecture uniformly, evaluate it, repeat.
 *
 * <p>The baseline every architecture-search paper must beat, and often barely does (Li and
 * Talwalkar, 2019; Yu et al., 2020): in a space designed by hand, most points are decent, and
 * random sampling explores it without the biases a clever strategy brings. It is also
 * embarrassingly simple to resume and to reason about.
 */
public final class RandomSearch implements SearchStrategy {
    @Override
    public String name() {
        return "random";
    }

    @Override
    public void run(SearchContext ctx, Rng rng) {
        while (true) {
            ctx.evaluate(ctx.sample(rng), 1);
        }
    }

    @Override
    public String describe() {
        return "random";
    }
}
