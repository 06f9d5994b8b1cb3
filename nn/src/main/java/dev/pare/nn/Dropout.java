package dev.pare.nn;

import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;

/**
 * Dropout: during training, zeroes each element independently with probability {@code p} and
 * scales the survivors by {@code 1/(1 − p)}; in evaluation mode, the identity.
 *
 * <pre>
 *   training: y = x · m / (1 − p),  m ~ Bernoulli(1 − p) per element;    eval: y = x
 * </pre>
 * The scaling keeps the expected value of every element unchanged ({@code E[y] = x}), so the
 * network sees activations of the same size in training and in evaluation, where nothing is
 * dropped. The gradient is masked and scaled the same way.
 *
 * <p>The masks come from the layer's own {@link Rng}: the same seed gives the same sequence of
 * masks, run after run.
 *
 * <p><b>Args:</b> {@code p}, the probability of zeroing, in {@code [0, 1]}; {@code rng} or
 * {@code seed}, the source of the masks.
 *
 * <p><b>Shape:</b> any; the output has the input's shape.
 *
 * <p><b>Example:</b>
 * <pre>{@code
 * Dropout drop = new Dropout(0.5, 42);
 * Tensor y = drop.forward(Tensor.ones(4, 8));   // about half 0, the rest 2
 * drop.eval();
 * Tensor z = drop.forward(Tensor.ones(4, 8));   // all 1
 * }</pre>
 */
public final class Dropout extends Module {
    private final double p;
    private final Rng rng;

    public Dropout(double p, Rng rng) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("Dropout(p=" + p + "): p must be in [0, 1]");
        }
        if (rng == null) {
            throw new IllegalArgumentException("Dropout(p=" + p + "): rng is null");
        }
        this.p = p;
        this.rng = rng;
    }

    /** A dropout layer drawing its masks from {@code new Rng(seed)}. */
    public Dropout(double p, long seed) {
        this(p, new Rng(seed));
    }

    @Override
    public Tensor forward(Tensor x) {
        if (!isTraining() || p == 0) {
            return x;
        }
        float[] mask = new float[x.numel()];
        // p = 1 drops everything; 1/(1 − p) would be infinite, and 0·∞ is NaN.
        float keep = p == 1 ? 0f : (float) (1.0 / (1.0 - p));
        for (int i = 0; i < mask.length; i++) {
            mask[i] = rng.nextDouble() < p ? 0f : keep;
        }
        return x.mul(Tensor.wrap(mask, 0, x.shape()));
    }

    /**
     * The generator the masks come from. A training checkpoint saves and restores its state
     * ({@link Rng#saveState()}), so that a resumed run draws the masks the uninterrupted run would have.
     */
    public Rng rng() {
        return rng;
    }

    /** The probability of zeroing an element. */
    public double p() {
        return p;
    }

    @Override
    protected String extraRepr() {
        return "p=" + p;
    }
}
