package dev.pare.nn.attention;

/**
 * The sizes of a {@link VisionTransformer}: the image it reads, how it cuts it into tokens, and
 * the encoder stack.
 *
 * @param imageSize  H = W of the input images
 * @param inChannels C, channels of the input images
 * @param numClasses outputs of the head
 * @param patchSize  p, side of a square patch; must divide {@code imageSize}. The sequence has
 *                   N = (H/p)² patch tokens (plus one class token): 16 for 7×7 patches of a 28×28
 *                   image, 49 for 4×4. Attention costs grow with N², the rest with N.
 * @param dim        D, the width of every token (the encoder's d_model); a multiple of {@code heads}
 * @param depth      number of encoder layers
 * @param heads      attention heads per layer; each works in D/heads dimensions
 * @param mlpRatio   the feed-forward hidden size is {@code mlpRatio · D}
 * @param dropout    the encoder layers' dropout probability (attention weights, feed-forward, residuals)
 * @param pooling    how the head sees the sequence: the class token's final state, or the mean of
 *                   the patch tokens
 */
public record ViTConfig(int imageSize, int inChannels, int numClasses, int patchSize, int dim, int depth, int heads,
                        int mlpRatio, double dropout, Pooling pooling) {

    /** How a sequence of token states becomes one vector for the classifier. */
    public enum Pooling {
        /** A learned token prepended to the patches; the head reads its final state (ViT, BERT). */
        CLASS_TOKEN,
        /** The average of the final patch-token states; no extra token. */
        MEAN
    }

    public ViTConfig {
        // Not toString(): the fields are assigned only at the end of this compact constructor.
        String self = "ViTConfig(image_size=" + imageSize + ", in_channels=" + inChannels + ", classes=" + numClasses
                + ", patch=" + patchSize + ", dim=" + dim + ", depth=" + depth + ", heads=" + heads + ", mlp_ratio="
                + mlpRatio + ", dropout=" + dropout + ", pooling=" + pooling + ")";
        if (imageSize <= 0 || inChannels <= 0 || numClasses <= 0 || patchSize <= 0 || dim <= 0 || depth <= 0
                || heads <= 0 || mlpRatio <= 0) {
            throw new IllegalArgumentException(self + ": sizes must be positive");
        }
        if (imageSize % patchSize != 0) {
            throw new IllegalArgumentException(self + ": patch size " + patchSize + " must divide image size "
                    + imageSize);
        }
        if (dim % heads != 0) {
            throw new IllegalArgumentException(self + ": dim " + dim + " must be divisible by heads " + heads);
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException(self + ": dropout must be in [0, 1), got " + dropout);
        }
        if (pooling == null) {
            throw new IllegalArgumentException("ViTConfig: pooling must not be null");
        }
    }

    /**
     * A ViT for Fashion-MNIST (28×28, one channel, 10 classes) with a class token, no dropout and
     * a feed-forward ratio of 2. Why 2 and not the ViT paper's 4: on a small dataset a small ViT
     * is limited by data, not by width, and the feed-forward layers are most of the compute
     * (2·r·D² multiply-adds per token against 4·D² for the attention projections); the compact
     * ViTs trained from scratch on small datasets (Hassani et al., 2021, "Escaping the Big Data
     * Paradigm with Compact Transformers") use 2 as well.
     */
    public static ViTConfig fashion(int patchSize, int dim, int depth, int heads) {
        return new ViTConfig(28, 1, 10, patchSize, dim, depth, heads, 2, 0.0, Pooling.CLASS_TOKEN);
    }

    /** This configuration with {@code depth} layers: the shape of a half-depth student. */
    public ViTConfig withDepth(int depth) {
        return new ViTConfig(imageSize, inChannels, numClasses, patchSize, dim, depth, heads, mlpRatio, dropout, pooling);
    }

    public ViTConfig withMlpRatio(int mlpRatio) {
        return new ViTConfig(imageSize, inChannels, numClasses, patchSize, dim, depth, heads, mlpRatio, dropout, pooling);
    }

    public ViTConfig withDropout(double dropout) {
        return new ViTConfig(imageSize, inChannels, numClasses, patchSize, dim, depth, heads, mlpRatio, dropout, pooling);
    }

    public ViTConfig withPooling(Pooling pooling) {
        return new ViTConfig(imageSize, inChannels, numClasses, patchSize, dim, depth, heads, mlpRatio, dropout, pooling);
    }

    /** Number of patch tokens N = (H/p)². */
    public int numPatches() {
        int side = imageSize / patchSize;
        return side * side;
    }

    /** Length of the sequence the encoder sees: N, plus one with a class token. */
    public int sequenceLength() {
        return numPatches() + (pooling == Pooling.CLASS_TOKEN ? 1 : 0);
    }

    /** The feed-forward hidden size, {@code mlpRatio · dim}. */
    public int mlpDim() {
        return mlpRatio * dim;
    }
}
