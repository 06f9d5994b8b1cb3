package dev.pare.nn;

import dev.pare.tensor.Tensor;
import java.util.Arrays;

/**
 * Merges dimensions {@code startDim … endDim} into one (a view when the layout allows, a copy
 * otherwise), by default everything but the batch dimension.
 *
 * <p><b>Args:</b> {@code startDim} (default 1), {@code endDim} (default −1, the last).
 *
 * <p><b>Shape:</b> input {@code [N, d1, d2, …]}, output {@code [N, d1·d2·…]} with the defaults.
 *
 * <p><b>Example:</b>
 * <pre>{@code
 * Tensor y = new Flatten().forward(Tensor.zeros(32, 64, 7, 7));   // [32, 3136]
 * }</pre>
 */
public final class Flatten extends Module {
    private final int startDim;
    private final int endDim;

    /** Flattens all dimensions but the first. */
    public Flatten() {
        this(1, -1);
    }

    public Flatten(int startDim, int endDim) {
        this.startDim = startDim;
        this.endDim = endDim;
    }

    @Override
    public Tensor forward(Tensor x) {
        int r = x.dim();
        int a = startDim < 0 ? startDim + r : startDim;
        int b = endDim < 0 ? endDim + r : endDim;
        if (a < 0 || b >= r || a > b) {
            throw new IllegalArgumentException(describe() + ": input of shape " + Arrays.toString(x.shape())
                    + ": dimensions " + startDim + " to " + endDim + " do not exist in a " + r + "-D tensor");
        }
        return x.flatten(a, b);
    }

    @Override
    protected String extraRepr() {
        return "start_dim=" + startDim + ", end_dim=" + endDim;
    }
}
