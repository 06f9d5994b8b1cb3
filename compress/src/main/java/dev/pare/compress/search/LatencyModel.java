package dev.pare.compress.search;

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
}
