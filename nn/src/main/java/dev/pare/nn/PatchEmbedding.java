package dev.pare.nn;

import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.util.Arrays;

/**
 * Cuts an image into non-overlapping {@code p × p} patches and projects each to a D-dimensional
 * token: the first layer of a Vision Transformer, written as PyTorch's ViTs write it, a
 * {@link Conv2d} whose kernel and stride are both the patch size.
 *
 * <pre>
 *   tokens[b, n, d] = bias[d] + Σ_{c, i, j} weight[d, c, i, j] · x[b, c, r·p + i, q·p + j]
 *   with n = r·(W/p) + q, the patches numbered row by row
 * </pre>
 * Why a convolution: with stride = kernel the windows do not overlap, so the convolution is
 * exactly "flatten each patch to C·p² numbers, then one Linear(C·p², D) shared by all patches".
 * The convolution form keeps the weight in PyTorch's layout ({@code [D, C, p, p]}) and reuses the
 * im2col + matmul path. The output {@code [B, D, H/p, W/p]} is then flattened to
 * {@code [B, D, N]} and transposed to the token layout {@code [B, N, D]} (two views, no copy).
 *
 * <p><b>Args:</b> {@code imageSize} (H = W), {@code patchSize} p (must divide it),
 * {@code inChannels} C, {@code dim} D, {@code rng} (PyTorch's default {@code Conv2d} init).
 *
 * <p><b>Shape:</b> input {@code [B, C, H, W]}, output {@code [B, N, D]} with
 * {@code N = (H/p)·(W/p)}, a strided view.
 *
 * <p><b>State dict:</b> {@code proj.weight} {@code [D, C, p, p]}, {@code proj.bias} {@code [D]},
 * timm's {@code patch_embed.proj} names.
 *
 * <p>Trap: a size that p does not divide is refused rather than cropped. The strided convolution
 * would silently drop the last rows and columns, and the token count would no longer match the
 * positional embedding.
 */
public final class PatchEmbedding extends Module {
    private final int imageSize;
    private final int patchSize;
    private final int inChannels;
    private final int dim;

    public PatchEmbedding(int imageSize, int patchSize, int inChannels, int dim, Rng rng) {
        if (imageSize <= 0 || patchSize <= 0 || inChannels <= 0 || dim <= 0) {
            throw new IllegalArgumentException("PatchEmbedding(image_size=" + imageSize + ", patch_size=" + patchSize
                    + ", in_channels=" + inChannels + ", dim=" + dim + "): all sizes must be positive");
        }
        if (imageSize % patchSize != 0) {
            throw new IllegalArgumentException("PatchEmbedding(image_size=" + imageSize + ", patch_size=" + patchSize
                    + "): the patch size must divide the image size (" + imageSize + " % " + patchSize + " = "
                    + imageSize % patchSize + ")");
        }
        this.imageSize = imageSize;
        this.patchSize = patchSize;
        this.inChannels = inChannels;
        this.dim = dim;
        registerModule("proj", new Conv2d(inChannels, dim, patchSize, patchSize, 0, rng));
    }

    @Override
    public Tensor forward(Tensor x) {
        int[] s = x.shape();
        if (s.length != 4 || s[1] != inChannels || s[2] != imageSize || s[3] != imageSize) {
            throw new IllegalArgumentException(describe() + ": input of shape " + Arrays.toString(s)
                    + ": expected [B, " + inChannels + ", " + imageSize + ", " + imageSize + "]");
        }
        // The projection is looked up on every call, not kept in a field, so that one replaced
        // through replaceModule("proj", …) (an int8 convolution, say) is the one that runs.
        // [B, D, H/p, W/p] -> [B, D, N] -> [B, N, D]
        return namedChildren().get("proj").forward(x).flatten(2, 3).transpose(1, 2);
    }

    /** Number of patches N = (H/p)². */
    public int numPatches() {
        int side = imageSize / patchSize;
        return side * side;
    }

    public int imageSize() {
        return imageSize;
    }

    public int patchSize() {
        return patchSize;
    }

    public int inChannels() {
        return inChannels;
    }

    public int dim() {
        return dim;
    }

    /**
     * The projection, a {@code Conv2d(C -> D, kernel_size=p, stride=p)}.
     *
     * @throws IllegalStateException if it was replaced by something other than a Conv2d (then
     *     use {@code getModule("proj")})
     */
    public Conv2d proj() {
        Module m = namedChildren().get("proj");
        if (!(m instanceof Conv2d conv)) {
            throw new IllegalStateException(describe() + ": proj is now " + m.describe()
                    + ", not a Conv2d; use getModule(\"proj\")");
        }
        return conv;
    }

    @Override
    protected String extraRepr() {
        return "image_size=" + imageSize + ", patch_size=" + patchSize + ", in_channels=" + inChannels + ", dim=" + dim;
    }
}
