package dev.pare.compress.search.latency;

import dev.pare.compress.search.Architecture;

/**
 * Predicts how long a candidate's forward pass takes without building it: the cheap half of a
 * hardware-aware search, called for every candidate a strategy considers.
 *
 * <p>The implementation in this package is {@link LatencyTable} (FBNet's lookup table). A search
 * treats the prediction as a ranking signal: it orders candidates well, but it ignores the
 * effects between layers (see docs/search.md), so the figures reported for the final models come
 * from a {@link LatencyMeter}.
 */
public interface LatencyPredictor {

    /**
     * The predicted median time of one forward pass of a batch of {@code batch} samples through
     * {@code architecture}'s model, in microseconds, on the thread count this predictor was made
     * for.
     *
     * @throws IllegalArgumentException if {@code batch < 1}
     */
    double predictMicros(Architecture architecture, int batch);
}
