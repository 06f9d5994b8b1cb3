package dev.pare.compress.search;

import dev.pare.nn.Module;
import dev.pare.tensor.Rng;

/**
 * One piece of a candidate architecture that a per-layer latency table can time on its own
 * (FBNet's lookup table: a candidate's latency is predicted as the sum of its pieces' latencies,
 * each measured once per machine).
 *
 * <p>Two units with the same {@link #signature()} do the same kernel work, so the table times
 * each signature once and reuses the figure for every candidate that contains it.
 */
public interface LatencyUnit {

    /**
     * A stable, printable key naming everything the unit's cost depends on: its kind, channels or
     * features, input height and width, kernel size, stride and expansion ratio, for example
     * {@code "ir:c16-24:h28:k3:s2:e6"}. Equal signatures must mean equal work.
     */
    String signature();

    /** The shape of one input sample, without the batch dimension: {@code [C, H, W]} or {@code [F]}. */
    int[] inputShape();

    /** Builds this unit alone, with weights drawn from {@code rng}; the caller puts it in eval mode. */
    Module build(Rng rng);
}
