package dev.pare.compress.search;

/**
 * Trains a candidate and says how good it is: the expensive step every strategy tries to spend
 * well.
 *
 * <p>Contract: the result depends only on the architecture, the fidelity, the seed and the
 * thread count (the same inputs, the same accuracy), so that a search replays exactly.
 */
public interface Evaluator {

    /**
     * The validation accuracy of {@code a} after training at {@code fidelity} (1 = the cheapest
     * recipe, k = k times its epochs), with every random choice drawn from {@code seed}.
     */
    double accuracy(Architecture a, int fidelity, long seed);

    /** The recipe in a few words, for the state file: a resumed search must use the same one. */
    String describe();
}
