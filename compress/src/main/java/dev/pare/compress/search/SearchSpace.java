package dev.pare.compress.search;

import dev.pare.tensor.Rng;
import java.util.List;

/**
 * A set of architectures described as data: a few named choices, each with a short list of
 * values, and the rules to draw, change and read back a point.
 *
 * <p>The strategies only ever use these four methods, so a new space (a transformer's depth and
 * heads, say) needs no change to them. {@link #sample} and {@link #mutate} take the caller's
 * {@link Rng}, so a search is reproducible from its seed.
 */
public interface SearchSpace {

    /** The space's name, which is also the prefix of its encodings ({@code "mbv2"}, {@code "mlp"}). */
    String name();

    /**
     * The architecture an {@link Architecture#encode()} string describes.
     *
     * @throws IllegalArgumentException naming the string, the part that is wrong and the allowed values
     */
    Architecture decode(String encoding);

    /** An architecture with every choice drawn uniformly from its values. */
    Architecture sample(Rng rng);

    /**
     * A copy of {@code parent} with exactly one choice changed to another of its values (Real et
     * al.'s mutation): the child is a neighbour of the parent, never the parent itself.
     */
    Architecture mutate(Architecture parent, Rng rng);

    /** The spaces {@code ./pare search --space} knows. */
    static List<SearchSpace> all() {
        return List.of(new MobileNetSpace(), new MlpSpace());
    }

    /**
     * The space called {@code name}.
     *
     * @throws IllegalArgumentException naming the known spaces
     */
    static SearchSpace named(String name) {
        for (SearchSpace s : all()) {
            if (s.name().equals(name)) {
                return s;
            }
        }
        throw new IllegalArgumentException("search space \"" + name + "\": unknown; known spaces are mbv2 and mlp");
    }
}
