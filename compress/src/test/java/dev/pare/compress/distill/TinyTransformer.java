package dev.pare.compress.distill;

import dev.pare.nn.LayerNorm;
import dev.pare.nn.Linear;
import dev.pare.nn.PositionalEmbedding;
import dev.pare.nn.attention.Activation;
import dev.pare.nn.attention.TransformerEncoder;
import dev.pare.nn.attention.TransformerEncoderLayer;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;

/**
 * A small Vision-Transformer-shaped classifier for the tests of DistilBERT's recipe: tokens
 * [B, T, F] are projected to E, a learned class token is prepended, positions are added, a
 * pre-norm encoder with a final norm runs, and a linear head reads the class token. Independent
 * of the samples' ViT, so that compress tests need nothing from samples.
 */
final class TinyTransformer extends dev.pare.nn.Module {
    static final int FEATURES = 5;
    static final int TOKENS = 4;
    static final int DIM = 8;
    static final int CLASSES = 3;

    private final Linear embed;
    private final Tensor classToken;
    private final PositionalEmbedding positions;
    private final TransformerEncoder encoder;
    private final Linear head;

    TinyTransformer(int layers, double dropout, Rng rng) {
        embed = registerModule("embed", new Linear(FEATURES, DIM, rng));
        classToken = registerParameter("cls_token", Tensor.randn(rng, 1, 1, DIM).mul(0.02f).detach());
        positions = registerModule("pos", new PositionalEmbedding(TOKENS + 1, DIM, rng));
        encoder = registerModule("encoder", new TransformerEncoder(layers,
                i -> new TransformerEncoderLayer(DIM, 2, 16, dropout, Activation.GELU, 1e-5, true, rng),
                new LayerNorm(DIM)));
        head = registerModule("head", new Linear(DIM, CLASSES, rng));
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor tokens = embed.forward(x);
        Tensor cls = classToken.expand(x.size(0), 1, DIM);
        Tensor h = encoder.forward(positions.forward(Tensor.cat(1, cls, tokens)));
        return head.forward(h.select(1, 0));
    }

    TransformerEncoder encoder() {
        return encoder;
    }

    /** A batch of inputs [B, TOKENS, FEATURES]. */
    static Tensor inputs(Rng rng, int batch) {
        return Tensor.randn(rng, batch, TOKENS, FEATURES);
    }
}
