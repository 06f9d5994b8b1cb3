package dev.pare.samples;

import dev.pare.nn.LayerNorm;
import dev.pare.nn.Linear;
import dev.pare.nn.Module;
import dev.pare.nn.PositionalEmbedding;
import dev.pare.nn.attention.Activation;
import dev.pare.nn.attention.TransformerEncoder;
import dev.pare.nn.attention.TransformerEncoderLayer;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.nio.file.Path;

/**
 * The Vision Transformers of {@code distill-vit}: a teacher and its half-depth students differ only
 * in the number of encoder layers. (A stand-in until the samples' own ViT builder is merged.)
 */
final class VitModels {
    private VitModels() {}

    static final int PATCH = 7;
    static final int DIM = 64;
    static final int HEADS = 4;
    static final int FF = 128;

    /** A ViT for [B, 1, 28, 28] images with {@code layers} encoder layers. */
    static Module vit(int layers, Rng rng) {
        return new StandInVit(layers, rng);
    }

    /** The architecture name written to a file's metadata. */
    static String architecture(int layers) {
        return "vit-p" + PATCH + "-d" + DIM + "-h" + HEADS + "-l" + layers;
    }

    /** The depth encoded in an architecture name written by {@link #architecture}. */
    static int layersOf(String arch, Path file) {
        String prefix = "vit-p" + PATCH + "-d" + DIM + "-h" + HEADS + "-l";
        if (arch == null || !arch.startsWith(prefix)) {
            throw new IllegalArgumentException("--teacher " + file + ": metadata 'architecture' is " + arch
                    + "; expected " + prefix + "L (a ViT written by distill-vit)");
        }
        return Integer.parseInt(arch.substring(prefix.length()));
    }

    /** Patches → linear → [class token; tokens] + positions → pre-norm encoder → head on the class token. */
    static final class StandInVit extends Module {
        private final Linear patchEmbed;
        private final Tensor classToken;
        private final PositionalEmbedding positions;
        private final TransformerEncoder encoder;
        private final Linear head;

        StandInVit(int layers, Rng rng) {
            patchEmbed = registerModule("patch_embed", new Linear(PATCH * PATCH, DIM, rng));
            classToken = registerParameter("cls_token", Tensor.randn(rng, 1, 1, DIM).mul(0.02f).detach());
            int g = 28 / PATCH;
            positions = registerModule("pos_embed", new PositionalEmbedding(g * g + 1, DIM, rng));
            encoder = registerModule("encoder", new TransformerEncoder(layers,
                    i -> new TransformerEncoderLayer(DIM, HEADS, FF, 0.0, Activation.GELU, 1e-6, true, rng),
                    new LayerNorm(DIM, 1e-6)));
            head = registerModule("head", new Linear(DIM, 10, rng));
        }

        @Override
        public Tensor forward(Tensor x) {
            int b = x.size(0);
            int g = 28 / PATCH;
            Tensor patches = x.reshape(b, g, PATCH, g, PATCH).permute(0, 1, 3, 2, 4).reshape(b, g * g, PATCH * PATCH);
            Tensor tokens = patchEmbed.forward(patches);
            Tensor h = encoder.forward(positions.forward(Tensor.cat(1, classToken.expand(b, 1, DIM), tokens)));
            return head.forward(h.select(1, 0));
        }
    }
}
