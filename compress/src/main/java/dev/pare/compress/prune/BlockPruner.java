package dev.pare.compress.prune;

import dev.pare.nn.Module;
import dev.pare.tensor.Tensor;
import java.util.Arrays;

/**
 * Block pruning: whole 1×B runs of consecutive weights in a row (B = 8 or 16), aligned to
 * multiples of B, kept or removed together, ranked by their L2 norm.
 *
 * <pre>
 *   W [2, 20], B = 8: each row has blocks at columns 0-7, 8-15 and 16-19 (the last one partial)
 *   norms   row 0: [0.9, 0.1, 0.4]   row 1: [0.2, 1.3, 0.3]
 *   s = 0.5 → ⌊0.5·6⌋ = 3 blocks removed: 0.1, 0.2, 0.3
 * </pre>
 *
 * <p>Why blocks: a kept block is B weights next to each other multiplying B activations next to
 * each other, one vector FMA in {@code BlockCsrKernels}, with one index per block. Unstructured
 * CSR pays an index and a scattered load per weight, which is why at batch 1 it barely beats
 * dense (docs/sparse-kernels.md) while 1×16 blocks do.
 *
 * <p><b>Exact count</b>, in blocks: of the nb = rows·⌈cols/B⌉ blocks, exactly ⌊s·nb⌋ are masked.
 * When cols is not a multiple of B the last block of each row is shorter, so the fraction of
 * <em>weights</em> removed can differ slightly from s. Ties (equal norms) go to the earlier block
 * in row-major order; blocks masked before are removed first and stay removed.
 */
public final class BlockPruner {
    private BlockPruner() {}

    /**
     * Masks ⌊s·nb⌋ blocks of the 2-D parameter at {@code path} (a {@code Linear} weight
     * [out, in]), smallest L2 norm of the effective weights first.
     *
     * @throws IllegalArgumentException for a sparsity outside [0, 1), a missing or non-2-D
     *         parameter, a block width other than 8 or 16 (the widths the block kernels have),
     *         a block wider than a row, or a sparsity below what the parameter already has
     */
    public static void prune(Module model, String path, double sparsity, int blockWidth) {
        Sparsity.check("blockPrune", sparsity);
        PruneTarget t = PruneTarget.of(model, path);
        int[] shape = Mask.stored(t.module(), t.name()).shape();
        if (shape.length != 2) {
            throw new IllegalArgumentException("blockPrune " + path + ": shape " + Arrays.toString(shape)
                    + " is not a 2-D [out, in] weight");
        }
        if (blockWidth != 8 && blockWidth != 16) {
            throw new IllegalArgumentException("blockPrune " + path + ": block width " + blockWidth
                    + " does not fit the block kernels, which take 1x8 or 1x16");
        }
        int rows = shape[0];
        int cols = shape[1];
        if (blockWidth > cols) {
            throw new IllegalArgumentException("blockPrune " + path + ": a 1x" + blockWidth + " block does not fit in rows of "
                    + cols + " weights");
        }
        int perRow = (cols + blockWidth - 1) / blockWidth;
        int nb = rows * perRow;
        float[] w = t.effective().toArray();
        float[] oldMask = Mask.isMasked(t.module(), t.name())
                ? Mask.maskOf(t.module(), t.name()).contiguous().toArray() : null;
        double[] norm2 = new double[nb];
        boolean[] alive = new boolean[nb];
        int dead = 0;
        for (int r = 0; r < rows; r++) {
            for (int b = 0; b < perRow; b++) {
                int from = r * cols + b * blockWidth;
                int to = r * cols + Math.min(cols, (b + 1) * blockWidth);
                double s = 0;
                boolean any = oldMask == null;
                for (int i = from; i < to; i++) {
                    s += (double) w[i] * w[i];
                    any |= oldMask != null && oldMask[i] != 0f;
                }
                int id = r * perRow + b;
                norm2[id] = s;
                alive[id] = any;
                if (!any) {
                    dead++;
                }
            }
        }
        long k = Sparsity.count(sparsity, nb);
        if (k < dead) {
            throw new IllegalArgumentException("blockPrune " + path + ": sparsity " + sparsity + " removes " + k + " of " + nb
                    + " blocks, but " + dead + " are already masked; masks only grow (Mask.remove to start over)");
        }
        Integer[] order = new Integer[nb];
        for (int i = 0; i < nb; i++) {
            order[i] = i;
        }
        // Dead blocks first, then by norm, then by position: a total order, so the result is deterministic.
        Arrays.sort(order, (a, b) -> alive[a] != alive[b] ? (alive[a] ? 1 : -1)
                : norm2[a] != norm2[b] ? Double.compare(norm2[a], norm2[b]) : Integer.compare(a, b));
        float[] mask = new float[rows * cols];
        Arrays.fill(mask, 1f);
        for (int j = 0; j < k; j++) {
            int id = order[j];
            int r = id / perRow;
            int b = id % perRow;
            Arrays.fill(mask, r * cols + b * blockWidth, r * cols + Math.min(cols, (b + 1) * blockWidth), 0f);
        }
        Mask.apply(t.module(), t.name(), Tensor.fromArray(mask, rows, cols));
    }
}
