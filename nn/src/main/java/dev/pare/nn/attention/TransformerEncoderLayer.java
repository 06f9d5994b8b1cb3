package dev.pare.nn.attention;

import dev.pare.nn.Dropout;
import dev.pare.nn.LayerNorm;
import dev.pare.nn.Linear;
import dev.pare.nn.Module;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.util.Arrays;

/**
 * One Transformer encoder block: self-attention, then a position-wise feed-forward network, each
 * wrapped in a residual connection and a LayerNorm, with PyTorch's {@code nn.TransformerEncoderLayer}
 * names ({@code batch_first=True}).
 *
 * <pre>
 *   post-norm (normFirst = false, the 2017 paper, PyTorch's default):
 *     x = norm1(x + dropout1(SA(x)))
 *     x = norm2(x + dropout2(FF(x)))
 *   pre-norm (normFirst = true, GPT-2, ViT):
 *     x = x + dropout1(SA(norm1(x)))
 *     x = x + dropout2(FF(norm2(x)))
 *   with SA(x) = self_attn(x, x, x) and FF(x) = linear2(dropout(act(linear1(x))))
 * </pre>
 * Why residuals: each block learns a correction added to its input, so the gradient reaches early
 * layers through the identity path undiminished. Why the norm's place matters: post-norm normalises
 * the sum, so the identity path passes through every LayerNorm and deep stacks need a learning-rate
 * warm-up to train; pre-norm leaves the residual stream untouched (a clean identity path end to
 * end), trains more easily when deep, and needs a final LayerNorm on the stack's output (see
 * {@link TransformerEncoder}).
 *
 * <p><b>Args:</b> {@code dModel} (E), {@code nhead} (H, divides E), {@code dimFeedforward} (the
 * hidden size of FF, typically 4E), {@code dropout} (one probability for the four dropouts:
 * attention weights, FF hidden, and both residual branches), {@code activation}, {@code layerNormEps},
 * {@code normFirst}, {@code rng} (weights and dropout masks).
 *
 * <p><b>Shape:</b> {@code [B, T, E]} in and out.
 *
 * <p><b>State dict:</b> {@code self_attn.in_proj_weight}, {@code self_attn.in_proj_bias},
 * {@code self_attn.out_proj.weight}, {@code self_attn.out_proj.bias}, {@code linear1.weight},
 * {@code linear1.bias}, {@code linear2.weight}, {@code linear2.bias}, {@code norm1.weight},
 * {@code norm1.bias}, {@code norm2.weight}, {@code norm2.bias}: PyTorch's keys, order and shapes.
 */
public final class TransformerEncoderLayer extends Module {
    private final int dModel;
    private final int dimFeedforward;
    private final double dropoutP;
    private final Activation activation;
    private final boolean normFirst;
    private final MultiheadAttention selfAttn;
    private final Dropout dropout;
    private final LayerNorm norm1;
    private final LayerNorm norm2;
    private final Dropout dropout1;
    private final Dropout dropout2;

    /** PyTorch's defaults but for the sizes: ReLU, ε = 1e-5, post-norm. */
    public TransformerEncoderLayer(int dModel, int nhead, int dimFeedforward, double dropout, Rng rng) {
        this(dModel, nhead, dimFeedforward, dropout, Activation.RELU, 1e-5, false, rng);
    }

    public TransformerEncoderLayer(int dModel, int nhead, int dimFeedforward, double dropout, Activation activation,
                                   double layerNormEps, boolean normFirst, Rng rng) {
        if (dimFeedforward <= 0) {
            throw new IllegalArgumentException("TransformerEncoderLayer(d_model=" + dModel + ", nhead=" + nhead
                    + "): dim_feedforward must be positive, got " + dimFeedforward);
        }
        if (activation == null || rng == null) {
            throw new IllegalArgumentException("TransformerEncoderLayer: activation and rng must not be null");
        }
        this.dModel = dModel;
        this.dimFeedforward = dimFeedforward;
        this.dropoutP = dropout;
        this.activation = activation;
        this.normFirst = normFirst;
        // Registration order is PyTorch's, so the state dict lists the same keys in the same order.
        this.selfAttn = registerModule("self_attn", new MultiheadAttention(dModel, nhead, dropout, true, rng));
        registerModule("linear1", new Linear(dModel, dimFeedforward, rng));
        this.dropout = registerModule("dropout", new Dropout(dropout, rng.fork()));
        registerModule("linear2", new Linear(dimFeedforward, dModel, rng));
        this.norm1 = registerModule("norm1", new LayerNorm(dModel, layerNormEps));
        this.norm2 = registerModule("norm2", new LayerNorm(dModel, layerNormEps));
        this.dropout1 = registerModule("dropout1", new Dropout(dropout, rng.fork()));
        this.dropout2 = registerModule("dropout2", new Dropout(dropout, rng.fork()));
    }

    /** The block without masks. */
    @Override
    public Tensor forward(Tensor src) {
        return forward(src, null, null);
    }

    /**
     * @param src               {@code [B, T, E]}
     * @param srcMask           {@code [T, T]} or {@code [B·H, T, T]} (e.g. {@link AttentionMask#causal}), or null
     * @param srcKeyPaddingMask {@code [B, T]}, or null
     */
    public Tensor forward(Tensor src, AttentionMask srcMask, AttentionMask srcKeyPaddingMask) {
        if (src == null || src.dim() != 3 || src.size(2) != dModel) {
            throw new IllegalArgumentException(label() + ": input of shape "
                    + (src == null ? "null" : Arrays.toString(src.shape())) + ": expected [B, T, " + dModel + "]");
        }
        Tensor x = src;
        if (normFirst) {
            x = x.add(selfAttentionBlock(norm1.forward(x), srcMask, srcKeyPaddingMask));
            x = x.add(feedForwardBlock(norm2.forward(x)));
        } else {
            x = norm1.forward(x.add(selfAttentionBlock(x, srcMask, srcKeyPaddingMask)));
            x = norm2.forward(x.add(feedForwardBlock(x)));
        }
        return x;
    }

    private Tensor selfAttentionBlock(Tensor x, AttentionMask mask, AttentionMask keyPadding) {
        return dropout1.forward(selfAttn.forward(x, x, x, keyPadding, mask));
    }

    private Tensor feedForwardBlock(Tensor x) {
        // The two layers are looked up on every call, so one replaced through replaceModule (an
        // int8 layer, say) takes effect at once, as in a Sequential.
        Module l1 = child("linear1");
        Module l2 = child("linear2");
        return dropout2.forward(l2.forward(dropout.forward(activation.apply(l1.forward(x)))));
    }

    private Module child(String name) {
        return namedChildren().get(name);
    }

    public int dModel() {
        return dModel;
    }

    /** The attention heads there are now (fewer than built with, once heads are pruned). */
    public int nhead() {
        return selfAttn.numHeads();
    }

    public int dimFeedforward() {
        return dimFeedforward;
    }

    public Activation activation() {
        return activation;
    }

    public boolean normFirst() {
        return normFirst;
    }

    public MultiheadAttention selfAttn() {
        return selfAttn;
    }

    /**
     * The first feed-forward layer, E → dim_feedforward.
     *
     * @throws IllegalStateException if it was replaced by something other than a Linear (then
     *     use {@code getModule("linear1")})
     */
    public Linear linear1() {
        return linear("linear1");
    }

    /** The second feed-forward layer, dim_feedforward → E; as {@link #linear1()}. */
    public Linear linear2() {
        return linear("linear2");
    }

    private Linear linear(String name) {
        Module m = child(name);
        if (!(m instanceof Linear l)) {
            throw new IllegalStateException(label() + ": " + name + " is now " + m.describe()
                    + ", not a Linear; use getModule(\"" + name + "\")");
        }
        return l;
    }

    public LayerNorm norm1() {
        return norm1;
    }

    public LayerNorm norm2() {
        return norm2;
    }

    /** {@code TypeName(settings)}, for error messages. */
    private String label() {
        return typeName() + "(" + extraRepr() + ")";
    }

    @Override
    protected String extraRepr() {
        return "d_model=" + dModel + ", nhead=" + nhead() + ", dim_feedforward=" + dimFeedforward + ", dropout="
                + dropoutP + ", activation=" + activation.torchName() + ", norm_first=" + normFirst;
    }
}
