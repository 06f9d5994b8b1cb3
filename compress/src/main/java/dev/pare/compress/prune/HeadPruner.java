package dev.pare.compress.prune;

import dev.pare.nn.Module;
import dev.pare.nn.attention.MultiheadAttention;
import dev.pare.nn.io.Checkpoint;
import dev.pare.nn.io.CheckpointContentException;
import dev.pare.nn.io.TensorEntry;
import dev.pare.nn.loss.Loss;
import dev.pare.nn.train.LabeledBatch;
import dev.pare.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Attention-head pruning by importance (Michel, Levy and Neubig, 2019, "Are Sixteen Heads Really
 * Better than One?"): score every head by how much the loss depends on it, remove the least
 * important ones physically, then fine-tune.
 *
 * <h2>The score</h2>
 * Each {@link MultiheadAttention} multiplies head h's output by a gate ξ_h (its head mask, 1 by
 * default). The importance of head h is
 * <pre>
 *   I_h = Σ_batches | ∂L/∂ξ_h |   at ξ = 1
 * </pre>
 * the first-order estimate of how much the loss would change if the head were removed
 * (L(ξ_h = 0) − L(ξ_h = 1) ≈ −∂L/∂ξ_h). The absolute value is taken per batch, before summing,
 * so that a head that helps on some batches and hurts on others is not scored as useless. One
 * backward pass per batch scores every head of every layer at once; {@link #importance} turns the
 * parameters' gradients off meanwhile, so only the activations' gradients are computed.
 *
 * <h2>Which heads go</h2>
 * {@link #pruneGlobal} ranks all heads of the model together, after dividing each layer's scores
 * by their L2 norm (Michel et al. found the per-layer normalisation helps; the scores of deep
 * and shallow layers differ in scale), and removes the ⌊f·N⌋ lowest: some layers lose more heads
 * than others. {@link #pruneEachLayer} removes ⌊f·H⌋ from every layer. Ties go to the earlier
 * layer, then the lower head index. Every layer keeps at least one head: removing every head of
 * a layer is an error in {@link MultiheadAttention#pruneHeads}, and the global ranking skips a
 * layer's last head.
 *
 * <h2>Why heads can be removed</h2>
 * Head h reads only its own d rows of W_q, W_k and W_v, and writes only into its own d columns
 * of W_o's input. Gating it to 0 makes those rows and columns dead: dropping them changes
 * nothing else, so the pruned layer computes exactly what the gated one did, in smaller products
 * ({@link MultiheadAttention#pruneHeads}).
 *
 * <h2>Files</h2>
 * A model with pruned heads saves its state dict as usual ({@code in_proj_weight [3·H'·d, E]},
 * {@code out_proj.weight [E, H'·d]}); to load it, first shape a freshly built architecture with
 * {@link #matchHeads}, which reads the head counts from the file's shapes.
 */
public final class HeadPruner {
    private HeadPruner() {}

    /**
     * The importance scores of every attention layer, by module path, in model order; one score
     * per current head.
     *
     * @param scores  per layer path, the accumulated |∂L/∂ξ_h| (copied)
     * @param batches how many batches were summed
     */
    public record Importance(Map<String, double[]> scores, int batches) {
        public Importance {
            LinkedHashMap<String, double[]> copy = new LinkedHashMap<>();
            scores.forEach((k, v) -> copy.put(k, v.clone()));
            scores = java.util.Collections.unmodifiableMap(copy);
        }

        /** Layer {@code path}'s scores, a copy. */
        public double[] of(String path) {
            double[] s = scores.get(path);
            if (s == null) {
                throw new IllegalArgumentException("HeadPruner.Importance: no attention layer \"" + path + "\"; scored "
                        + scores.keySet());
            }
            return s.clone();
        }

        /** The scores with each layer's divided by its L2 norm (a layer of all-zero scores stays 0). */
        public Importance normalizedByLayer() {
            LinkedHashMap<String, double[]> out = new LinkedHashMap<>();
            for (Map.Entry<String, double[]> e : scores.entrySet()) {
                double[] s = e.getValue().clone();
                double norm = 0;
                for (double v : s) {
                    norm += v * v;
                }
                norm = Math.sqrt(norm);
                for (int h = 0; h < s.length && norm > 0; h++) {
                    s[h] /= norm;
                }
                out.put(e.getKey(), s);
            }
            return new Importance(out, batches);
        }
    }

    /** Every {@link MultiheadAttention} of {@code model}, by path, in model order. */
    public static LinkedHashMap<String, MultiheadAttention> attentionLayers(Module model) {
        LinkedHashMap<String, MultiheadAttention> out = new LinkedHashMap<>();
        for (Map.Entry<String, Module> e : model.namedModules().entrySet()) {
            if (e.getValue() instanceof MultiheadAttention m) {
                out.put(e.getKey(), m);
            }
        }
        return out;
    }

    /**
     * Accumulates I_h = Σ |∂L/∂ξ_h| over up to {@code maxBatches} batches, in evaluation mode (so
     * dropout does not make the scores random) and at ξ = 1. The model is left as it was: its
     * training flag, its parameters' gradients (cleared) and its head masks.
     *
     * @throws IllegalArgumentException if the model has no attention layer, {@code maxBatches < 1},
     *     or there is not a single batch
     */
    public static Importance importance(Module model, Iterable<? extends LabeledBatch> batches, Loss loss, int maxBatches) {
        LinkedHashMap<String, MultiheadAttention> layers = attentionLayers(model);
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("HeadPruner.importance: " + model.describe()
                    + " has no MultiheadAttention layer; there are no heads to score");
        }
        if (maxBatches < 1) {
            throw new IllegalArgumentException("HeadPruner.importance: maxBatches must be >= 1, got " + maxBatches);
        }
        boolean wasTraining = model.isTraining();
        List<Tensor> params = model.parameters();
        boolean[] requires = new boolean[params.size()];
        Map<MultiheadAttention, Tensor> saved = new IdentityHashMap<>();
        LinkedHashMap<String, double[]> scores = new LinkedHashMap<>();
        int used = 0;
        try {
            model.eval();
            for (int i = 0; i < params.size(); i++) {
                requires[i] = params.get(i).requiresGrad();
                // Only ∂L/∂ξ is wanted: without this the backward pass also computes every weight gradient.
                params.get(i).requiresGrad(false);
            }
            for (Map.Entry<String, MultiheadAttention> e : layers.entrySet()) {
                MultiheadAttention m = e.getValue();
                saved.put(m, m.headMask());
                m.setHeadMask(Tensor.ones(m.numHeads()).requiresGrad(true));
                scores.put(e.getKey(), new double[m.numHeads()]);
            }
            for (LabeledBatch batch : batches) {
                if (used == maxBatches) {
                    break;
                }
                Tensor l = loss.apply(model.forward(batch.inputs()), batch.labels());
                if (l.numel() != 1) {
                    throw new IllegalArgumentException("HeadPruner.importance: the loss gave shape "
                            + Arrays.toString(l.shape()) + "; it must reduce to a scalar");
                }
                l.backward();
                for (Map.Entry<String, MultiheadAttention> e : layers.entrySet()) {
                    Tensor mask = e.getValue().headMask();
                    double[] s = scores.get(e.getKey());
                    // A layer the loss does not reach (unused) has no gradient: it scores 0.
                    if (mask.grad() != null) {
                        float[] g = mask.grad().contiguous().toArray();
                        for (int h = 0; h < s.length; h++) {
                            s[h] += Math.abs(g[h]);
                        }
                        mask.setGrad(null);
                    }
                }
                used++;
            }
        } finally {
            for (Map.Entry<MultiheadAttention, Tensor> e : saved.entrySet()) {
                e.getKey().setHeadMask(e.getValue());
            }
            for (int i = 0; i < params.size(); i++) {
                params.get(i).requiresGrad(requires[i]);
                params.get(i).setGrad(null);
            }
            model.train(wasTraining);
        }
        if (used == 0) {
            throw new IllegalArgumentException("HeadPruner.importance: no batches; the scores need at least one");
        }
        return new Importance(scores, used);
    }

    /**
     * Removes the ⌊fraction·N⌋ least important of the model's N heads, ranked together after
     * normalising each layer's scores by their L2 norm; each layer keeps at least one head.
     *
     * @return the removed heads of each layer that lost any, as indices before pruning, ascending
     * @throws IllegalArgumentException for a fraction outside [0, 1), scores that do not match the
     *     model's layers and head counts, or a fraction that would leave a layer without heads
     */
    public static LinkedHashMap<String, int[]> pruneGlobal(Module model, Importance importance, double fraction) {
        Sparsity.check("HeadPruner.pruneGlobal", fraction);
        LinkedHashMap<String, MultiheadAttention> layers = checkScores(model, importance);
        Importance norm = importance.normalizedByLayer();
        List<String> paths = new ArrayList<>(layers.keySet());
        int total = 0;
        for (MultiheadAttention m : layers.values()) {
            total += m.numHeads();
        }
        long k = Sparsity.count(fraction, total);
        if (k > total - paths.size()) {
            throw new IllegalArgumentException("HeadPruner.pruneGlobal: fraction " + fraction + " removes " + k + " of "
                    + total + " heads, but each of the " + paths.size() + " layers must keep one; at most "
                    + (total - paths.size()) + " can go");
        }
        // (score, layer, head), ascending; ties to the earlier layer, then the lower head.
        List<int[]> order = new ArrayList<>();
        for (int l = 0; l < paths.size(); l++) {
            for (int h = 0; h < layers.get(paths.get(l)).numHeads(); h++) {
                order.add(new int[] {l, h});
            }
        }
        order.sort((a, b) -> {
            int c = Double.compare(norm.scores().get(paths.get(a[0]))[a[1]], norm.scores().get(paths.get(b[0]))[b[1]]);
            return c != 0 ? c : a[0] != b[0] ? Integer.compare(a[0], b[0]) : Integer.compare(a[1], b[1]);
        });
        int[] left = new int[paths.size()];
        for (int l = 0; l < paths.size(); l++) {
            left[l] = layers.get(paths.get(l)).numHeads();
        }
        List<List<Integer>> removed = new ArrayList<>();
        for (int l = 0; l < paths.size(); l++) {
            removed.add(new ArrayList<>());
        }
        long taken = 0;
        for (int[] lh : order) {
            if (taken == k) {
                break;
            }
            if (left[lh[0]] > 1) {   // a layer's last head is skipped, the next one ranked goes instead
                removed.get(lh[0]).add(lh[1]);
                left[lh[0]]--;
                taken++;
            }
        }
        LinkedHashMap<String, int[]> plan = new LinkedHashMap<>();
        for (int l = 0; l < paths.size(); l++) {
            if (!removed.get(l).isEmpty()) {
                plan.put(paths.get(l), removed.get(l).stream().mapToInt(Integer::intValue).sorted().toArray());
            }
        }
        pruneHeads(model, plan);
        return plan;
    }

    /**
     * Removes the ⌊fraction·H⌋ least important heads of every attention layer (scores compared
     * within the layer, ties to the lower index).
     *
     * @return the removed heads of each layer that lost any, as indices before pruning, ascending
     */
    public static LinkedHashMap<String, int[]> pruneEachLayer(Module model, Importance importance, double fraction) {
        Sparsity.check("HeadPruner.pruneEachLayer", fraction);
        LinkedHashMap<String, MultiheadAttention> layers = checkScores(model, importance);
        LinkedHashMap<String, int[]> plan = new LinkedHashMap<>();
        for (Map.Entry<String, MultiheadAttention> e : layers.entrySet()) {
            double[] s = importance.scores().get(e.getKey());
            int k = (int) Sparsity.count(fraction, s.length);
            Integer[] order = new Integer[s.length];
            for (int h = 0; h < s.length; h++) {
                order[h] = h;
            }
            Arrays.sort(order, (a, b) -> s[a] != s[b] ? Double.compare(s[a], s[b]) : Integer.compare(a, b));
            if (k > 0) {
                plan.put(e.getKey(), Arrays.stream(order, 0, k).mapToInt(Integer::intValue).sorted().toArray());
            }
        }
        pruneHeads(model, plan);
        return plan;
    }

    /**
     * Removes the listed heads of the attention layers at the given paths
     * ({@link MultiheadAttention#pruneHeads}). Every path is checked before any layer changes.
     *
     * @throws IllegalArgumentException for a path that is not an attention layer, or heads that
     *     layer refuses (out of range, repeated, all of them)
     */
    public static void pruneHeads(Module model, Map<String, int[]> heads) {
        LinkedHashMap<String, MultiheadAttention> targets = new LinkedHashMap<>();
        for (Map.Entry<String, int[]> e : heads.entrySet()) {
            Module m = model.getModule(e.getKey());
            if (!(m instanceof MultiheadAttention mha)) {
                throw new IllegalArgumentException("HeadPruner.pruneHeads: \"" + e.getKey() + "\" is " + m.describe()
                        + ", not a MultiheadAttention");
            }
            int[] hs = e.getValue();
            if (hs != null && hs.length >= mha.numHeads()) {
                throw new IllegalArgumentException("HeadPruner.pruneHeads: \"" + e.getKey() + "\": removing "
                        + Arrays.toString(hs) + " of its " + mha.numHeads() + " heads would leave none; a layer must keep"
                        + " at least one");
            }
            targets.put(e.getKey(), mha);
        }
        for (Map.Entry<String, MultiheadAttention> e : targets.entrySet()) {
            e.getValue().pruneHeads(heads.get(e.getKey()));
        }
    }

    /** The current head count of every attention layer, by path. */
    public static LinkedHashMap<String, Integer> headCounts(Module model) {
        LinkedHashMap<String, Integer> out = new LinkedHashMap<>();
        attentionLayers(model).forEach((p, m) -> out.put(p, m.numHeads()));
        return out;
    }

    /**
     * Shapes a freshly built {@code architecture} like the model saved in {@code checkpoint}: every
     * attention layer whose packed projection in the file ({@code A.in_proj_weight}, or the int8
     * {@code A.in_proj.weight}) has fewer rows than the layer keeps its first H' heads, H' = rows /
     * (3·d). Their weights are then overwritten by loading the file. Returns the architecture.
     *
     * @throws CheckpointContentException naming the entry if its rows are not 3·H'·d for a whole
     *     number 1 ≤ H' ≤ H
     */
    public static Module matchHeads(Module architecture, Checkpoint checkpoint, String source) {
        Map<String, int[]> shapes = new LinkedHashMap<>();
        for (Map.Entry<String, TensorEntry> e : checkpoint.entries().entrySet()) {
            shapes.put(e.getKey(), e.getValue().shape());
        }
        return matchHeads(architecture, shapes, source);
    }

    /** {@link #matchHeads(Module, Checkpoint, String)} for a state dict. */
    public static Module matchHeads(Module architecture, Map<String, Tensor> state) {
        Map<String, int[]> shapes = new LinkedHashMap<>();
        state.forEach((k, v) -> shapes.put(k, v.shape()));
        return matchHeads(architecture, shapes, "state dict");
    }

    private static Module matchHeads(Module architecture, Map<String, int[]> shapes, String source) {
        for (Map.Entry<String, MultiheadAttention> e : attentionLayers(architecture).entrySet()) {
            String p = e.getKey().isEmpty() ? "" : e.getKey() + ".";
            MultiheadAttention m = e.getValue();
            String key = shapes.containsKey(p + "in_proj_weight") ? p + "in_proj_weight" : p + "in_proj.weight";
            int[] shape = shapes.get(key);
            if (shape == null) {
                continue;   // the strict load that follows names the missing entry
            }
            int per = 3 * m.headDim();
            if (shape.length != 2 || shape[0] % per != 0 || shape[0] / per < 1 || shape[0] / per > m.numHeads()) {
                throw new CheckpointContentException(source, key, "has shape " + Arrays.toString(shape) + "; layer \""
                        + e.getKey() + "\" (" + m.numHeads() + " heads of " + m.headDim() + ") needs [3·H'·"
                        + m.headDim() + ", " + m.embedDim() + "] for some H' in 1.." + m.numHeads());
            }
            int keep = shape[0] / per;
            if (keep < m.numHeads()) {
                int[] drop = new int[m.numHeads() - keep];
                for (int i = 0; i < drop.length; i++) {
                    drop[i] = keep + i;
                }
                m.pruneHeads(drop);
            }
        }
        return architecture;
    }

    private static LinkedHashMap<String, MultiheadAttention> checkScores(Module model, Importance importance) {
        LinkedHashMap<String, MultiheadAttention> layers = attentionLayers(model);
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("HeadPruner: " + model.describe() + " has no MultiheadAttention layer");
        }
        if (!layers.keySet().equals(importance.scores().keySet())) {
            throw new IllegalArgumentException("HeadPruner: the scores are for layers " + importance.scores().keySet()
                    + " but the model has " + layers.keySet());
        }
        for (Map.Entry<String, MultiheadAttention> e : layers.entrySet()) {
            int n = importance.scores().get(e.getKey()).length;
            if (n != e.getValue().numHeads()) {
                throw new IllegalArgumentException("HeadPruner: layer \"" + e.getKey() + "\" has " + e.getValue().numHeads()
                        + " heads but " + n + " scores; score the model again after pruning");
            }
        }
        return layers;
    }
}
