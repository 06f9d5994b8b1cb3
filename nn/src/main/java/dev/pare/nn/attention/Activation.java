package dev.pare.nn.attention;

import dev.pare.tensor.Tensor;

/**
 * The nonlinearity between the two linear layers of a Transformer's feed-forward block, as
 * PyTorch's {@code activation="relu"} or {@code "gelu"}.
 */
public enum Activation {
    /** max(0, x): PyTorch's default for {@code nn.TransformerEncoderLayer}, and the 2017 paper's. */
    RELU,
    /** The exact GELU, x·Φ(x) with the erf (not the tanh approximation): BERT's and ViT's choice. */
    GELU;

    /** Applies the activation, elementwise. */
    public Tensor apply(Tensor x) {
        return this == RELU ? x.relu() : x.gelu();
    }

    /** PyTorch's name for it: {@code "relu"} or {@code "gelu"}. */
    public String torchName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
