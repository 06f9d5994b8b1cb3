package dev.pare.compress.search.latency;

import dev.pare.compress.report.LatencyStats;
import dev.pare.compress.search.Architecture;

/**
 * Measures how long a candidate's forward pass takes by building its model and timing it: the
 * honest half of a hardware-aware search, too slow to call for every candidate but the ground
 * truth that {@link LatencyPredictor}'s predictions are judged against.
 *
 * <p>The implementation in this package is {@link ForwardTimer}.
 */
public interface LatencyMeter {

    /**
     * Builds {@code architecture}'s model and times its forward pass on a batch of {@code batch}
     * samples, in evaluation mode and without autograd, after a warm-up.
     *
     * @return the median and p90 of the timed calls, in microseconds
     * @throws IllegalArgumentException if {@code batch < 1}
     */
    LatencyStats measure(Architecture architecture, int batch);
}
