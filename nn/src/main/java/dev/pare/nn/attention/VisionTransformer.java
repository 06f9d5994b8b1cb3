package dev.pare.nn.attention;

import dev.pare.nn.ClassToken;
import dev.pare.nn.LayerNorm;
import dev.pare.nn.Linear;
import dev.pare.nn.Module;
import dev.pare.nn.PatchEmbedding;
import dev.pare.nn.PositionalEmbedding;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.util.Arrays;

/**
 * A Vision Transformer (Dosovitskiy et al., 2020): an image read as a sequence of patches.
 *
 * <pre>
 *   tokens = patch_embed(x)                     [B, N, D]   (a Conv2d with kernel = stride = p)
 *   tokens = cls_token(tokens)                  [B, N+1, D] (class-token pooling only)
 *   tokens = pos_embed(tokens)                  + one learned vector per position
 *   h      = encoder(tokens)                    pre-norm GELU layers, then a final LayerNorm
 *   logits = head(h[:, 0])  or  head(mean_t h)  [B, classes]
 * </pre>
 * The encoder is pre-norm ({@code norm_first=True}), as ViT is: the residual stream is never
 * normalised inside the layers, so the stack ends with {@code encoder.norm}.
 *
 * <p>The stages are public methods so that other code can take the model apart:
 * {@link #embed} (images to the encoder's input), {@link #encoder()} (run layer by layer to see
 * every hidden state, or initialise a shallower student from its layers), {@link #pool} and
 * {@link #head()}. {@code forward} is exactly {@code head(pool(encoder(embed(x))))}. Each stage is
 * looked up among the children on every call, so a part swapped with
 * {@link Module#replaceModule} (a quantized head, say) takes effect at once.
 *
 * <p><b>Shape:</b> input {@code [B, C, H, W]}, output {@code [B, classes]}.
 *
 * <p><b>State dict</b>, in order: {@code patch_embed.proj.weight} {@code [D, C, p, p]},
 * {@code patch_embed.proj.bias}, {@code cls_token.token} {@code [1, 1, D]} (class-token pooling
 * only), {@code pos_embed.weight} {@code [T, D]}, {@code encoder.layers.i.…} (PyTorch's
 * {@code nn.TransformerEncoderLayer} names), {@code encoder.norm.weight}, {@code encoder.norm.bias},
 * {@code head.weight} {@code [classes, D]}, {@code head.bias}. A PyTorch module with these
 * attribute names (bench/peers/torch_vit.py) loads as it is.
 */
public final class VisionTransformer extends Module {
    private final ViTConfig config;

    public VisionTransformer(ViTConfig config, Rng rng) {
        if (config == null || rng == null) {
            throw new IllegalArgumentException("VisionTransformer: config and rng must not be null");
        }
        this.config = config;
        int d = config.dim();
        registerModule("patch_embed", new PatchEmbedding(config.imageSize(), config.patchSize(), config.inChannels(), d, rng));
        if (config.pooling() == ViTConfig.Pooling.CLASS_TOKEN) {
            registerModule("cls_token", new ClassToken(d));
        }
        registerModule("pos_embed", new PositionalEmbedding(config.sequenceLength(), d, rng));
        registerModule("encoder", new TransformerEncoder(config.depth(),
                i -> new TransformerEncoderLayer(d, config.heads(), config.mlpDim(), config.dropout(), Activation.GELU,
                        1e-5, true, rng),
                new LayerNorm(d)));
        registerModule("head", new Linear(d, config.numClasses(), rng));
    }

    /** Images {@code [B, C, H, W]} to the encoder's input {@code [B, T, D]}: patches, class token, positions. */
    public Tensor embed(Tensor images) {
        if (images == null || images.dim() != 4) {
            throw new IllegalArgumentException(describe() + ": input of shape "
                    + (images == null ? "null" : Arrays.toString(images.shape())) + ": expected [B, "
                    + config.inChannels() + ", " + config.imageSize() + ", " + config.imageSize() + "]");
        }
        Tensor tokens = getModule("patch_embed").forward(images);
        if (config.pooling() == ViTConfig.Pooling.CLASS_TOKEN) {
            tokens = getModule("cls_token").forward(tokens);
        }
        return getModule("pos_embed").forward(tokens);
    }

    /** The encoder's output {@code [B, T, D]} to one vector per image {@code [B, D]}: the class token's state, or the mean. */
    public Tensor pool(Tensor hidden) {
        if (hidden == null || hidden.dim() != 3 || hidden.size(2) != config.dim()) {
            throw new IllegalArgumentException(describe() + ": pool: hidden states of shape "
                    + (hidden == null ? "null" : Arrays.toString(hidden.shape())) + ": expected [B, T, "
                    + config.dim() + "]");
        }
        return config.pooling() == ViTConfig.Pooling.CLASS_TOKEN ? hidden.select(1, 0) : hidden.mean(1);
    }

    @Override
    public Tensor forward(Tensor images) {
        return head().forward(pool(encoder().forward(embed(images))));
    }

    public ViTConfig config() {
        return config;
    }

    public PatchEmbedding patchEmbedding() {
        return (PatchEmbedding) getModule("patch_embed");
    }

    /** The class token, or null with mean pooling. */
    public ClassToken classToken() {
        return config.pooling() == ViTConfig.Pooling.CLASS_TOKEN ? (ClassToken) getModule("cls_token") : null;
    }

    public PositionalEmbedding positionalEmbedding() {
        return (PositionalEmbedding) getModule("pos_embed");
    }

    /** The stack of encoder layers and its final LayerNorm. */
    public TransformerEncoder encoder() {
        return (TransformerEncoder) getModule("encoder");
    }

    /** The classifier, {@code Linear(D, classes)} unless replaced. */
    public Module head() {
        return getModule("head");
    }

    @Override
    protected String extraRepr() {
        return "patch_size=" + config.patchSize() + ", dim=" + config.dim() + ", depth=" + config.depth() + ", heads="
                + config.heads() + ", mlp_ratio=" + config.mlpRatio() + ", pooling=" + config.pooling();
    }
}
