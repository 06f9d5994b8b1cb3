package dev.pare.compress.search;

import dev.pare.tensor.Rng;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What a {@link SearchStrategy} sees of the search: the space (through admissible sampling and
 * mutation), the evaluations, and the fitness. {@link Search} makes one per run.
 *
 * <p>Three things happen behind {@link #evaluate}: an evaluation already in the state file is
 * answered from it (the replay that makes resuming work); an architecture already evaluated at
 * that fidelity is answered from memory, at no cost, because the same seed would train it to the
 * same accuracy; and a new evaluation is refused once the budget is spent, by throwing
 * {@link Stop}, which ends the strategy's loop.
 */
public final class SearchContext {
    /** Thrown by {@link #evaluate} to end a strategy's loop; {@link Search} catches it. */
    static final class Stop extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Stop(String reason) {
            super(reason, null, false, false);
        }
    }

    /** How many draws may fail the hard limits, or repeat known architectures, before the search gives up. */
    static final int MAX_ATTEMPTS = 10_000;

    private final SearchSpace space;
    private final Objective objective;
    private final Search.Step step;
    private final List<Trial> replay;
    private final Map<String, Trial> known = new HashMap<>();
    private final List<Trial> trials = new ArrayList<>();
    private int repeats;

    SearchContext(SearchSpace space, Objective objective, List<Trial> replay, Search.Step step) {
        this.space = space;
        this.objective = objective;
        this.replay = List.copyOf(replay);
        this.step = step;
    }

    public SearchSpace space() {
        return space;
    }

    /** The objective's fitness of {@code t}: what the strategies maximise. */
    public double fitness(Trial t) {
        return objective.fitness(t);
    }

    /** Whether {@code a} is within the objective's hard limits on predicted latency and bytes. */
    public boolean admits(Architecture a) {
        if (objective.maxLatencyMicros() == 0 && objective.maxBytes() == 0) {
            return true;
        }
        return objective.admits(step.predictMicros(a), Search.bytes(a));
    }

    /**
     * An architecture drawn from the space that the hard limits admit (rejection sampling).
     *
     * @throws IllegalStateException if {@value #MAX_ATTEMPTS} draws in a row were refused
     */
    public Architecture sample(Rng rng) {
        for (int i = 0; i < MAX_ATTEMPTS; i++) {
            Architecture a = space.sample(rng);
            if (admits(a)) {
                return a;
            }
        }
        throw new IllegalStateException("search: " + MAX_ATTEMPTS + " architectures drawn from " + space.name()
                + " in a row were over the limits (" + objective.describe() + "); relax --max-latency or --max-bytes");
    }

    /**
     * A mutation of {@code parent} that the hard limits admit; after a hundred refused mutations,
     * a fresh {@link #sample} instead (a parent at the edge of the limits may have no admissible
     * neighbour in the direction drawn).
     */
    public Architecture mutate(Architecture parent, Rng rng) {
        for (int i = 0; i < 100; i++) {
            Architecture a = space.mutate(parent, rng);
            if (admits(a)) {
                return a;
            }
        }
        return sample(rng);
    }

    /**
     * The trial of {@code a} at {@code fidelity}: from the state file, from memory, or trained now.
     *
     * @throws Stop when the budget is spent (strategies let it propagate)
     */
    public Trial evaluate(Architecture a, int fidelity) {
        String key = a.encode() + "@" + fidelity;
        Trial seen = known.get(key);
        if (seen != null) {
            if (++repeats >= MAX_ATTEMPTS) {
                throw new Stop("the strategy asked " + MAX_ATTEMPTS + " times in a row for architectures it already had: "
                        + "the space is exhausted");
            }
            return seen;
        }
        repeats = 0;
        Trial t;
        if (trials.size() < replay.size()) {
            t = replay.get(trials.size());
            if (!t.encoding().equals(a.encode()) || t.fidelity() != fidelity) {
                throw new IllegalStateException("search --resume: evaluation " + trials.size() + " in the state file is "
                        + t.encoding() + " at fidelity " + t.fidelity() + ", but the search now asks for " + a.encode()
                        + " at fidelity " + fidelity + ": the file was written by different code or settings");
            }
            step.replayed(t);
        } else {
            t = step.evaluate(a, fidelity, trials.size());
        }
        trials.add(t);
        known.put(key, t);
        return t;
    }

    /** Every trial so far, in order. */
    List<Trial> trials() {
        return trials;
    }
}
