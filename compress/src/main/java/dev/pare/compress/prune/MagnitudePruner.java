package dev.pare.compress.prune;

import dev.pare.nn.Module;
import dev.pare.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Unstructured magnitude pruning: remove the weights of smallest |w|, to an exact sparsity.
 *
 * <p><b>Exact count.</b> Of n weights, exactly k = ⌊s·n⌋ end up masked (the mask holds exactly k
 * zeros), whatever the ties. <b>Order.</b> Weights are ranked by the key (already pruned first,
 * then |w| of the effective weight, then position), and the first k go. The position breaks ties
 * deterministically: among equal magnitudes, the one earlier in row-major order (and, globally,
 * in an earlier layer of the list) is removed first. A weight masked before stays masked, so a
 * schedule that raises the sparsity step by step only ever adds zeros; asking for less than a
 * parameter already has is an error (remove the mask to start again).
 *
 * <p><b>Layer-wise</b> ({@link #pruneLayer}) ranks each parameter on its own, so every layer gets
 * the same sparsity. <b>Global</b> ({@link #pruneGlobal}) ranks all chosen weights together: one
 * threshold, and each layer keeps what clears it, so layers with many small weights (typically
 * the large first layer) are pruned harder than small, important ones (the classifier).
 *
 * <p>The ranking sorts one {@code long} key per weight, so it costs O(n log n) and 8·n bytes.
 */
public final class MagnitudePruner {
    // Key layout, high to low: bit 62 = "still alive", 31 bits of |w|'s float bits, 31 bits of
    // position. Non-negative floats order like their bit patterns, so comparing keys compares
    // (alive, |w|, position) lexicographically, and Arrays.sort(long[]) needs no comparator.
    private static final int POSITION_BITS = 31;
    private static final long ALIVE = 1L << 62;

    private MagnitudePruner() {}

    /**
     * Masks the ⌊s·n⌋ smallest-magnitude weights of the parameter at {@code path} (e.g.
     * {@code "1.weight"}).
     *
     * @return the threshold: the largest magnitude removed (0 when nothing is removed)
     * @throws IllegalArgumentException for a sparsity outside [0, 1), a missing parameter, or a
     *         sparsity below what the parameter already has
     */
    public static float pruneLayer(Module model, String path, double sparsity) {
        return pruneGlobal(model, List.of(path), sparsity);
    }

    /** {@link #pruneLayer} on each path, each to the same sparsity. */
    public static void pruneEachLayer(Module model, List<String> paths, double sparsity) {
        for (String p : paths) {
            pruneLayer(model, p, sparsity);
        }
    }

    /**
     * Masks the ⌊s·N⌋ smallest-magnitude weights among all N weights of the parameters at
     * {@code paths}, ranked together.
     *
     * @return the threshold: the k-th smallest magnitude, i.e. the largest one removed (0 when
     *         k = 0). Every removed weight has |w| ≤ threshold and every kept one |w| ≥ threshold.
     */
    public static float pruneGlobal(Module model, List<String> paths, double sparsity) {
        Sparsity.check("prune", sparsity);
        if (paths.isEmpty()) {
            throw new IllegalArgumentException("prune: no parameters to prune");
        }
        List<PruneTarget> targets = new ArrayList<>();
        for (String p : paths) {
            targets.add(PruneTarget.of(model, p));
        }
        long total = 0;
        for (PruneTarget t : targets) {
            total += t.numel();
        }
        if (total >= 1L << POSITION_BITS) {
            throw new IllegalArgumentException("prune: " + total + " weights at once exceed the 2^31 this ranking indexes");
        }
        int n = (int) total;
        long[] keys = new long[n];
        float[][] effective = new float[targets.size()][];
        int[] start = new int[targets.size() + 1];
        long alreadyPruned = 0;
        for (int t = 0; t < targets.size(); t++) {
            PruneTarget target = targets.get(t);
            float[] w = target.effective().toArray();
            float[] m = Mask.isMasked(target.module(), target.name())
                    ? Mask.maskOf(target.module(), target.name()).contiguous().toArray() : null;
            effective[t] = w;
            start[t + 1] = start[t] + w.length;
            for (int i = 0; i < w.length; i++) {
                float a = Math.abs(w[i]);
                if (Float.isNaN(a)) {
                    throw new IllegalArgumentException("prune: " + target.path() + " has NaN at flat index " + i
                            + "; a NaN weight has no magnitude to rank");
                }
                boolean alive = m == null || m[i] != 0f;
                if (!alive) {
                    alreadyPruned++;
                }
                int pos = start[t] + i;
                keys[pos] = (alive ? ALIVE : 0) | ((long) Float.floatToIntBits(a) << POSITION_BITS) | pos;
            }
        }
        long k = Sparsity.count(sparsity, n);
        if (k < alreadyPruned) {
            throw new IllegalArgumentException("prune " + paths + ": sparsity " + sparsity + " removes " + k + " of " + n
                    + " weights, but " + alreadyPruned + " are already masked; masks only grow (Mask.remove to start over)");
        }
        Arrays.sort(keys);
        float[][] masks = new float[targets.size()][];
        for (int t = 0; t < targets.size(); t++) {
            masks[t] = new float[effective[t].length];
            Arrays.fill(masks[t], 1f);
        }
        float threshold = 0f;
        for (int j = 0; j < k; j++) {
            int pos = (int) (keys[j] & ((1L << POSITION_BITS) - 1));
            int layer = layerOf(start, pos);
            masks[layer][pos - start[layer]] = 0f;
            // Keys ascend, so the last one removed has the largest magnitude removed.
            threshold = Math.abs(effective[layer][pos - start[layer]]);
        }
        for (int t = 0; t < targets.size(); t++) {
            PruneTarget target = targets.get(t);
            int[] shape = Mask.stored(target.module(), target.name()).shape();
            Mask.apply(target.module(), target.name(), Tensor.fromArray(masks[t], shape));
        }
        return threshold;
    }

    /** The t with start[t] ≤ pos < start[t + 1] (binary search; start ascends). */
    private static int layerOf(int[] start, int pos) {
        int lo = 0;
        int hi = start.length - 2;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (start[mid] <= pos) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }
}
