package dev.pare.compress.prune;

import dev.pare.nn.Linear;
import dev.pare.nn.Module;
import dev.pare.nn.attention.TransformerEncoderLayer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Magnitude pruning of a transformer's feed-forward layers: the weights of {@code linear1}
 * ({@code [F, E]}) and {@code linear2} ({@code [E, F]}) of every {@link TransformerEncoderLayer},
 * each masked to the same exact sparsity by {@link MagnitudePruner} (⌊s·n⌋ zeros per weight, ties
 * by position), as a {@link Mask} that {@link Mask#remove} or {@link Mask#removeAll} bakes in.
 *
 * <p>Why the feed-forward layers: with F = r·E they hold 2·r·E² of a layer's 4·E² + 2·r·E²
 * weights (two thirds at r = 4, half at r = 2) and most of its multiply-adds, and unlike the
 * attention projections their rows and columns are not tied to heads, so unstructured zeros are
 * their natural unit. Attention is left dense (heads are pruned whole by {@link HeadPruner}).
 */
public final class FeedForwardPruner {
    private FeedForwardPruner() {}

    /**
     * The weight paths of every encoder layer's feed-forward Linears, in model order:
     * {@code "…layers.0.linear1.weight"}, {@code "…layers.0.linear2.weight"}, {@code "…layers.1.linear1.weight"}, ….
     *
     * @throws IllegalArgumentException if the model has no encoder layer, or a feed-forward layer
     *     has been replaced by something that is not a Linear (already sparse or quantized)
     */
    public static List<String> weightPaths(Module model) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, Module> e : model.namedModules().entrySet()) {
            if (e.getValue() instanceof TransformerEncoderLayer layer) {
                String p = e.getKey().isEmpty() ? "" : e.getKey() + ".";
                for (String name : new String[] {"linear1", "linear2"}) {
                    Module m = layer.getModule(name);
                    if (!(m instanceof Linear)) {
                        throw new IllegalArgumentException("FeedForwardPruner: " + p + name + " is " + m.describe()
                                + ", not a Linear; prune before converting or quantizing");
                    }
                    out.add(p + name + ".weight");
                }
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("FeedForwardPruner: " + model.describe()
                    + " has no TransformerEncoderLayer; there is no feed-forward block to prune");
        }
        return out;
    }

    /**
     * Masks each feed-forward weight to {@code sparsity} ({@link MagnitudePruner#pruneEachLayer}).
     *
     * @return the weight paths pruned
     */
    public static List<String> prune(Module model, double sparsity) {
        List<String> paths = weightPaths(model);
        MagnitudePruner.pruneEachLayer(model, paths, sparsity);
        return paths;
    }
}
