package dev.pare.nn.attention;

import dev.pare.tensor.Tensor;
import java.util.Arrays;

/**
 * Which keys a query may attend to, as a tensor <em>added</em> to the attention scores before the
 * softmax: 0 where attention is allowed, −∞ where it is not (e^−∞ = 0, so a masked key gets
 * weight exactly 0), or any float to bias the scores.
 *
 * <p>PyTorch accepts a boolean mask ({@code True} = not allowed) or a float mask (added) for both
 * {@code attn_mask} and {@code key_padding_mask}, and tells them apart by dtype. Pare's tensors
 * are all float, so the kind is said by the factory instead:
 * <ul>
 *   <li>{@link #bool(Tensor)}: non-zero means "masked out", as PyTorch's {@code True};</li>
 *   <li>{@link #additive(Tensor)}: the values are added as they are (they may require a gradient:
 *       learned relative-position biases get one through the add);</li>
 *   <li>{@link #causal(int)}: query t sees keys 0 … t only, PyTorch's
 *       {@code generate_square_subsequent_mask}.</li>
 * </ul>
 * The same object serves as {@code attn_mask} ({@code [T, S]} or {@code [B·H, T, S]}) or as
 * {@code key_padding_mask} ({@code [B, S]}); {@link MultiheadAttention} checks the shape for the
 * role it is given.
 */
public final class AttentionMask {
    private final Tensor additive;
    private final boolean fromBool;

    private AttentionMask(Tensor additive, boolean fromBool) {
        this.additive = additive;
        this.fromBool = fromBool;
    }

    /** A mask whose non-zero entries forbid attention (PyTorch's boolean {@code True}). */
    public static AttentionMask bool(Tensor masked) {
        if (masked == null) {
            throw new IllegalArgumentException("AttentionMask.bool: mask is null");
        }
        float[] v = masked.toArray();
        float[] a = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            if (Float.isNaN(v[i])) {
                throw new IllegalArgumentException("AttentionMask.bool: NaN at flat position " + i + " of a mask of shape "
                        + Arrays.toString(masked.shape()) + "; a boolean mask holds 0 (attend) or non-zero (masked)");
            }
            a[i] = v[i] != 0f ? Float.NEGATIVE_INFINITY : 0f;
        }
        return new AttentionMask(Tensor.fromArray(a, masked.shape()), true);
    }

    /** A mask added to the scores as it is: 0 to allow, −∞ to forbid, anything else to bias. */
    public static AttentionMask additive(Tensor mask) {
        if (mask == null) {
            throw new IllegalArgumentException("AttentionMask.additive: mask is null");
        }
        return new AttentionMask(mask, false);
    }

    /**
     * The causal (look-ahead) mask {@code [t, t]}: −∞ above the diagonal, 0 on and below it, so
     * query i attends to keys 0 … i. A decoder uses it to stop a position from seeing the future.
     */
    public static AttentionMask causal(int t) {
        if (t <= 0) {
            throw new IllegalArgumentException("AttentionMask.causal: size must be positive, got " + t);
        }
        float[] a = new float[t * t];
        for (int i = 0; i < t; i++) {
            for (int j = i + 1; j < t; j++) {
                a[i * t + j] = Float.NEGATIVE_INFINITY;
            }
        }
        return new AttentionMask(Tensor.fromArray(a, t, t), true);
    }

    /** The values added to the scores (0 or −∞ for boolean and causal masks). */
    public Tensor additive() {
        return additive;
    }

    /** The shape of the mask. */
    public int[] shape() {
        return additive.shape();
    }

    @Override
    public String toString() {
        return "AttentionMask(" + (fromBool ? "boolean" : "additive") + ", shape " + Arrays.toString(additive.shape()) + ")";
    }
}
