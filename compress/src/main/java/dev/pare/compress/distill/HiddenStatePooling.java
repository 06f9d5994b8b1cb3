package dev.pare.compress.distill;

import dev.pare.tensor.Tensor;
import java.util.Arrays;

/**
 * Which vectors of a transformer layer's output {@code [B, T, E]} the cosine loss of
 * {@link HiddenStateCosineLoss} compares: the rows of an {@code [N, E]} matrix.
 *
 * <ul>
 *   <li>{@link #CLASS_TOKEN}: token 0 of each sequence, N = B. For a model that classifies from a
 *       class token, this is the vector the head will read.</li>
 *   <li>{@link #MEAN}: the mean over the T tokens of each sequence, N = B. For a model that
 *       classifies from the mean of its tokens.</li>
 *   <li>{@link #ALL_TOKENS}: every token of every sequence, N = B·T. DistilBERT's own choice
 *       (there over the non-padding tokens of the last layer): the strictest, as each token's
 *       direction must match, not only a summary of them.</li>
 * </ul>
 */
public enum HiddenStatePooling {
    CLASS_TOKEN,
    MEAN,
    ALL_TOKENS;

    /** The rows to compare, {@code [N, E]}, from a hidden state {@code [B, T, E]}; part of its graph. */
    public Tensor rows(Tensor hidden) {
        if (hidden == null || hidden.dim() != 3) {
            throw new IllegalArgumentException("HiddenStatePooling." + name() + ": a hidden state must be [B, T, E], got "
                    + (hidden == null ? "null" : Arrays.toString(hidden.shape())));
        }
        return switch (this) {
            case CLASS_TOKEN -> hidden.select(1, 0);
            case MEAN -> hidden.mean(1);
            // reshape copies only if the layout needs it; a layer's output is contiguous, so it is a view.
            case ALL_TOKENS -> hidden.reshape(hidden.size(0) * hidden.size(1), hidden.size(2));
        };
    }

    /** The option's spelling on a command line: class-token, mean, all-tokens. */
    public String optionName() {
        return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }

    /** The value whose {@link #optionName()} (or enum name, in any case) is {@code s}. */
    public static HiddenStatePooling parse(String s) {
        for (HiddenStatePooling p : values()) {
            if (p.optionName().equalsIgnoreCase(s) || p.name().equalsIgnoreCase(s)) {
                return p;
            }
        }
        throw new IllegalArgumentException("HiddenStatePooling: unknown pooling '" + s
                + "'; expected class-token, mean or all-tokens");
    }
}
