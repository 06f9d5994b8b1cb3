package dev.pare.nn;

import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.util.Arrays;

/**
 * Fully connected layer: {@code y = x·Wᵀ + b}.
 *
 * <p>Each output feature is a weighted sum of all input features plus a bias. The weight is
 * stored {@code [out, in]} (one row per output, as in PyTorch, so checkpoints are compatible) and
 * used transposed; {@code weight.t()} is a view, and the matrix multiply reads it in place.
 *
 * <p><b>Args:</b>
 * <ul>
 *   <li>{@code inFeatures}: size of each input sample's last dimension</li>
 *   <li>{@code outFeatures}: size of each output sample's last dimension</li>
 *   <li>{@code bias}: whether to learn an additive bias (default true)</li>
 *   <li>{@code rng}: source of the initial weights</li>
 * </ul>
 *
 * <p><b>Shape:</b> input {@code [*, in]}, output {@code [*, out]}, where {@code *} is any number
 * of leading dimensions (at least one dimension in total).
 *
 * <p><b>Parameters:</b> {@code weight} {@code [out, in]} and {@code bias} {@code [out]}, both
 * drawn from {@code U(−1/√in, 1/√in)}, PyTorch's default (see {@link Init#pytorchDefault}).
 *
 * <p><b>Example:</b>
 * <pre>{@code
 * Linear fc = new Linear(784, 256, new Rng(42));
 * Tensor y = fc.forward(Tensor.randn(new Rng(0), 32, 784));   // [32, 256]
 * }</pre>
 */
public final class Linear extends Module {
    private final int inFeatures;
    private final int outFeatures;
    private final Tensor weight;
    private final Tensor bias;

    /** A layer with a bias. */
    public Linear(int inFeatures, int outFeatures, Rng rng) {
        this(inFeatures, outFeatures, true, rng);
    }

    public Linear(int inFeatures, int outFeatures, boolean bias, Rng rng) {
        if (inFeatures <= 0 || outFeatures <= 0) {
            throw new IllegalArgumentException("Linear(" + inFeatures + " -> " + outFeatures
                    + "): feature counts must be positive");
        }
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        this.weight = registerParameter("weight", Tensor.zeros(outFeatures, inFeatures));
        this.bias = bias ? registerParameter("bias", Tensor.zeros(outFeatures)) : null;
        resetParameters(rng);
    }

    /** Redraws weight and bias from {@code U(−1/√in, 1/√in)}, as PyTorch does. */
    public void resetParameters(Rng rng) {
        Init.pytorchDefault(weight, inFeatures, rng);
        if (bias != null) {
            Init.pytorchDefault(bias, inFeatures, rng);
        }
    }

    @Override
    public Tensor forward(Tensor x) {
        if (x.dim() == 0 || x.size(-1) != inFeatures) {
            throw new IllegalArgumentException(describe() + ": input of shape " + Arrays.toString(x.shape())
                    + ": last dimension must be " + inFeatures);
        }
        // The stored weight, or weight_orig · weight_mask when pruning has reparametrised it.
        Tensor y = x.matmul(parametrized("weight", weight).t());
        return bias == null ? y : y.add(bias);
    }

    /** {@code Linear(in -> out)}. */
    @Override
    public String describe() {
        return "Linear(" + inFeatures + " -> " + outFeatures + ")";
    }

    public int inFeatures() {
        return inFeatures;
    }

    public int outFeatures() {
        return outFeatures;
    }

    /** The weight, {@code [out, in]}. */
    public Tensor weight() {
        return weight;
    }

    /** The bias, {@code [out]}, or null for a layer built without one. */
    public Tensor bias() {
        return bias;
    }

    @Override
    protected String extraRepr() {
        return "in_features=" + inFeatures + ", out_features=" + outFeatures + ", bias=" + (bias != null);
    }
}
