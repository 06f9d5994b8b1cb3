package dev.pare.compress.search;

import dev.pare.nn.Module;
import dev.pare.tensor.Rng;
import java.util.Arrays;
import java.util.function.Function;

/**
 * A {@link LatencyUnit} given by its three parts: the signature, the input shape, and a function
 * that builds the piece. The spaces describe their stems, blocks and heads with it.
 */
public final class ModuleUnit implements LatencyUnit {
    private final String signature;
    private final int[] inputShape;
    private final Function<Rng, Module> builder;

    public ModuleUnit(String signature, int[] inputShape, Function<Rng, Module> builder) {
        this.signature = signature;
        this.inputShape = inputShape.clone();
        this.builder = builder;
    }

    @Override
    public String signature() {
        return signature;
    }

    @Override
    public int[] inputShape() {
        return inputShape.clone();
    }

    @Override
    public Module build(Rng rng) {
        return builder.apply(rng);
    }

    @Override
    public String toString() {
        return signature + " " + Arrays.toString(inputShape);
    }
}
