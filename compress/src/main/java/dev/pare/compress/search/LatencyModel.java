package dev.pare.compress.search;

import dev.pare.compress.search.latency.LatencyPredictor;

/**
 * What the search needs to know about speed: a prediction of an architecture's batch-1 latency,
 * available before anything is built or trained.
 *
 * <p>The prediction must be deterministic (the same architecture, the same figure, in every run
 * that uses the same table), because the strategies rank and filter candidates by it, and a
 * search must be reproducible from its seed. Measured latency is recorded beside it for the
 * report, never fed back into decisions.
 */
public interface LatencyModel {

    /** The predicted median batch-1 latency of {@code a}'s model in evaluation mode, µs. */
    double predictMicros(Architecture a);

    /** A few words for logs and the state file: where the predictions come from. */
    String describe();

    /**
     * The batch-1 predictions of {@code predictor} (for instance the per-machine
     * {@link dev.pare.compress.search.latency.LatencyTable}), described as {@code description}.
     */
    static LatencyModel of(LatencyPredictor predictor, String description) {
        return new LatencyModel() {
            @Override
            public double predictMicros(Architecture a) {
                return predictor.predictMicros(a, 1);
            }

            @Override
            public String describe() {
                return description;
            }
        };
    }
}
