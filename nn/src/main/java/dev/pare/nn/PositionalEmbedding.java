package dev.pare.nn;

import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.util.Arrays;

/**
 * A learned positional embedding: one vector per position, added to the tokens.
 *
 * <pre>
 *   y[b, t, :] = x[b, t, :] + P[t, :]        for t &lt; T ≤ maxLength
 * </pre>
 * Why: attention is permutation-equivariant. Shuffle the tokens of a sequence and its outputs are
 * shuffled the same way, so without positional information "dog bites man" and "man bites dog"
 * look alike. Adding a learned vector per position (BERT, ViT) breaks the symmetry; the model
 * learns what each position means. The sinusoidal encoding of the original Transformer is the
 * fixed alternative.
 *
 * <p>The gradient of P's row t is the sum of the incoming gradient over the batch at position t
 * (the broadcast add's backward); rows at or past T get none.
 *
 * <p><b>Args:</b> {@code maxLength} (the longest sequence), {@code dim} (the embedding size E),
 * {@code rng}: P starts from N(0, 0.02²), the scale BERT and ViT use; PyTorch's N(0, 1) for
 * {@code nn.Embedding} would swamp token embeddings of a smaller scale.
 *
 * <p><b>Shape:</b> input {@code [B, T, E]} or {@code [T, E]} with T ≤ maxLength; output the same.
 *
 * <p><b>State dict:</b> {@code weight} {@code [maxLength, E]}, the layout of BERT's
 * {@code position_embeddings.weight} (an {@code nn.Embedding} over the positions 0 … T−1);
 * ViT's {@code pos_embed} of shape {@code [1, N, E]} loads after a reshape.
 */
public final class PositionalEmbedding extends Module {
    private final int maxLength;
    private final int dim;
    private final Tensor weight;

    public PositionalEmbedding(int maxLength, int dim, Rng rng) {
        if (maxLength <= 0 || dim <= 0) {
            throw new IllegalArgumentException("PositionalEmbedding(" + maxLength + ", " + dim
                    + "): both sizes must be positive");
        }
        this.maxLength = maxLength;
        this.dim = dim;
        this.weight = registerParameter("weight", Tensor.zeros(maxLength, dim));
        Init.normal(weight, 0.0, 0.02, rng);
    }

    @Override
    public Tensor forward(Tensor x) {
        int[] s = x.shape();
        if ((s.length != 2 && s.length != 3) || s[s.length - 1] != dim || s[s.length - 2] > maxLength) {
            throw new IllegalArgumentException(describe() + ": input of shape " + Arrays.toString(s)
                    + ": expected [B, T, " + dim + "] or [T, " + dim + "] with T <= " + maxLength);
        }
        // narrow is a view: P's first T rows, broadcast over the batch by add.
        return x.add(weight.narrow(0, 0, s[s.length - 2]));
    }

    public int maxLength() {
        return maxLength;
    }

    public int dim() {
        return dim;
    }

    /** P, {@code [maxLength, dim]}. */
    public Tensor weight() {
        return weight;
    }

    @Override
    protected String extraRepr() {
        return "max_length=" + maxLength + ", dim=" + dim;
    }
}
