package dev.pare.nn;

import dev.pare.tensor.Tensor;
import java.util.Arrays;

/**
 * Prepends one learned token to every sequence: BERT's {@code [CLS]}, ViT's class token.
 *
 * <pre>
 *   y[b, 0, :] = token        y[b, t + 1, :] = x[b, t, :]
 * </pre>
 * Why: a classifier needs one vector per sequence. The class token is a slot that belongs to no
 * patch; through the encoder's attention it gathers what the classifier needs from all the
 * others, and the head reads its final state. (Mean pooling over the tokens is the alternative;
 * it works as well for ViTs, and both are offered by {@link dev.pare.nn.attention.VisionTransformer}.)
 *
 * <p>The gradient of the token is the incoming gradient at position 0 summed over the batch (the
 * backward of the broadcast {@code expand}).
 *
 * <p>Init: zeros, as the original ViT and torchvision. One token needs no random draw to break
 * symmetry: it differs from the patch tokens by its position embedding.
 *
 * <p><b>Shape:</b> input {@code [B, T, D]}, output {@code [B, T + 1, D]}.
 *
 * <p><b>State dict:</b> {@code token} {@code [1, 1, D]}, the shape of timm's and torchvision's
 * {@code cls_token} / {@code class_token}.
 */
public final class ClassToken extends Module {
    private final int dim;
    private final Tensor token;

    public ClassToken(int dim) {
        if (dim <= 0) {
            throw new IllegalArgumentException("ClassToken(" + dim + "): dim must be positive");
        }
        this.dim = dim;
        this.token = registerParameter("token", Tensor.zeros(1, 1, dim));
    }

    @Override
    public Tensor forward(Tensor x) {
        int[] s = x.shape();
        if (s.length != 3 || s[2] != dim) {
            throw new IllegalArgumentException(describe() + ": input of shape " + Arrays.toString(s)
                    + ": expected [B, T, " + dim + "]");
        }
        // expand is a view; cat copies both parts into one fresh [B, T + 1, D] tensor.
        return Tensor.cat(1, token.expand(s[0], 1, dim), x);
    }

    public int dim() {
        return dim;
    }

    /** The token, {@code [1, 1, D]}. */
    public Tensor token() {
        return token;
    }

    @Override
    protected String extraRepr() {
        return "dim=" + dim;
    }
}
