package dev.pare.compress.search;

import dev.pare.nn.Module;
import dev.pare.tensor.Rng;
import java.util.List;

/**
 * One point of a search space: an architecture described as data, which can print itself, build
 * the model it describes, and count that model's cost exactly without building it.
 */
public interface Architecture {

    /** A stable, printable encoding; the space's {@code decode} turns it back into an equal architecture. */
    String encode();

    /** The shape of one input sample, without the batch dimension. */
    int[] inputShape();

    /** Builds the model, with weights drawn from {@code rng}. */
    Module build(Rng rng);

    /** The exact number of parameters of {@link #build}'s model (weights, biases, norm affines). */
    long parameters();

    /** The exact number of multiply-adds of one forward pass of one sample. */
    long multiplyAdds();

    /** The model as a sequence of independently timed pieces, in forward order. */
    List<LatencyUnit> latencyUnits();
}
