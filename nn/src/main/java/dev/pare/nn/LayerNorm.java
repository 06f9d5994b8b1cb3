package dev.pare.nn;

import dev.pare.tensor.Tensor;
import java.util.Arrays;

/**
 * Layer normalisation: each sample's last dimensions (the {@code normalizedShape}) are normalised
 * to zero mean and unit variance with their own statistics, then scaled and shifted elementwise.
 *
 * <pre>
 *   y = (x − E[x]) / √(Var[x] + ε) · γ + β        (E, Var over the normalised dimensions, Var biased)
 * </pre>
 * Why not BatchNorm: batch statistics mix the samples of a batch (a sequence's output would depend
 * on the other sequences and on padding) and need running averages for evaluation. LayerNorm's
 * statistics belong to one token of one sample, so training and evaluation compute the same
 * function, at any batch size. That is why Transformers use it.
 *
 * <p>The op is fused ({@link LayerNormOp}): one pass for the moments (two-pass variance, stable
 * for activations far from zero), one for the output, and a hand-derived backward pass; see
 * {@link dev.pare.tensor.kernels.LayerNormKernels} for the derivation.
 *
 * <p><b>Args:</b> {@code normalizedShape}, the trailing sizes normalised together (usually just
 * the embedding size E); {@code eps} (default 1e-5), added to the variance so that a constant
 * input does not divide by zero; {@code elementwiseAffine} (default true), whether to learn γ
 * (init 1) and β (init 0), each of shape {@code normalizedShape}.
 *
 * <p><b>Shape:</b> input {@code [*, normalizedShape]}, output the same.
 *
 * <p><b>State dict:</b> {@code weight} (γ) and {@code bias} (β), as PyTorch's {@code nn.LayerNorm}.
 *
 * <p><b>Example:</b>
 * <pre>{@code
 * LayerNorm norm = new LayerNorm(64);
 * Tensor y = norm.forward(Tensor.randn(new Rng(0), 8, 10, 64));   // each of the 80 rows: mean 0, variance ≈ 1
 * }</pre>
 */
public final class LayerNorm extends Module {
    private final int[] normalizedShape;
    private final int n;
    private final double eps;
    private final Tensor weight;
    private final Tensor bias;

    /** Normalises the last dimension, of size {@code dim}, with ε = 1e-5 and a learned γ, β. */
    public LayerNorm(int dim) {
        this(new int[] {dim}, 1e-5, true);
    }

    public LayerNorm(int dim, double eps) {
        this(new int[] {dim}, eps, true);
    }

    public LayerNorm(int[] normalizedShape, double eps, boolean elementwiseAffine) {
        if (normalizedShape == null || normalizedShape.length == 0) {
            throw new IllegalArgumentException("LayerNorm: normalized_shape must have at least one dimension, got "
                    + Arrays.toString(normalizedShape));
        }
        long count = 1;
        for (int s : normalizedShape) {
            if (s <= 0) {
                throw new IllegalArgumentException("LayerNorm(" + Arrays.toString(normalizedShape)
                        + "): every size must be positive");
            }
            count *= s;
            if (count > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("LayerNorm(" + Arrays.toString(normalizedShape)
                        + "): more than 2^31 values per row");
            }
        }
        if (!(eps >= 0) || Double.isInfinite(eps)) {
            throw new IllegalArgumentException("LayerNorm(" + Arrays.toString(normalizedShape) + ", eps=" + eps
                    + "): eps must be finite and >= 0");
        }
        this.normalizedShape = normalizedShape.clone();
        this.n = (int) count;
        this.eps = eps;
        this.weight = elementwiseAffine ? registerParameter("weight", Tensor.ones(normalizedShape)) : null;
        this.bias = elementwiseAffine ? registerParameter("bias", Tensor.zeros(normalizedShape)) : null;
    }

    @Override
    public Tensor forward(Tensor x) {
        int[] s = x.shape();
        int k = normalizedShape.length;
        boolean ok = s.length >= k;
        for (int i = 0; ok && i < k; i++) {
            ok = s[s.length - k + i] == normalizedShape[i];
        }
        if (!ok) {
            throw new IllegalArgumentException(describe() + ": input of shape " + Arrays.toString(s)
                    + " does not end with the normalized shape " + Arrays.toString(normalizedShape));
        }
        return LayerNormOp.forward(x, n, weight, bias, eps);
    }

    /** The trailing sizes normalised together (a copy). */
    public int[] normalizedShape() {
        return normalizedShape.clone();
    }

    public double eps() {
        return eps;
    }

    /** γ, of shape {@code normalizedShape}, or null without elementwise affine. */
    public Tensor weight() {
        return weight;
    }

    /** β, of shape {@code normalizedShape}, or null without elementwise affine. */
    public Tensor bias() {
        return bias;
    }

    @Override
    protected String extraRepr() {
        return "(" + Arrays.toString(normalizedShape).replaceAll("[\\[\\]]", "") + (normalizedShape.length == 1 ? "," : "")
                + "), eps=" + eps + ", elementwise_affine=" + (weight != null);
    }
}
