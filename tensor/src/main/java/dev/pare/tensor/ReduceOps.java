package dev.pare.tensor;

import dev.pare.tensor.kernels.ReduceKernels;
import java.util.Arrays;

/**
 * Reductions over chosen dimensions (sum, mean, max, argmax), forward beside backward, and
 * {@link #sumTo}, which undoes broadcasting in the backward pass.
 *
 * <p>How a reduction is computed: the kept dimensions index the output; for each output element
 * the reduced dimensions form a small sub-tensor that {@link Strided} turns into runs, summed by
 * {@link ReduceKernels}. One special case matters for training: reducing the <em>leading</em>
 * dimensions of a contiguous tensor (the bias gradient sums [batch, features] over the batch).
 * There each output row is accumulated with vector adds, row after row, instead of walking down
 * columns with a stride.
 */
final class ReduceOps {
    /** The largest n such that every integer up to n is a float: 2^24. */
    static final int MAX_EXACT_INDEX = 1 << 24;

    private ReduceOps() {}

    /** The dims to reduce as a sorted, duplicate-free boolean mask. */
    private static boolean[] mask(String op, int[] dims, int rank) {
        boolean[] reduce = new boolean[rank];
        for (int d : dims) {
            int nd = Shape.dim(op, d, rank);
            if (reduce[nd]) {
                throw new IllegalArgumentException(op + ": dimension " + d + " appears twice in " + Arrays.toString(dims));
            }
            reduce[nd] = true;
        }
        return reduce;
    }

    private static int[] outShape(int[] shape, boolean[] reduce, boolean keepDim) {
        int kept = 0;
        for (int d = 0; d < shape.length; d++) {
            if (!reduce[d] || keepDim) {
                kept++;
            }
        }
        int[] out = new int[kept];
        int k = 0;
        for (int d = 0; d < shape.length; d++) {
            if (!reduce[d]) {
                out[k++] = shape[d];
            } else if (keepDim) {
                out[k++] = 1;
            }
        }
        return out;
    }

    /** Sum over {@code dims}; the gradient broadcasts dL/dout back over the summed dims. */
    static Tensor sum(Tensor x, int[] dims, boolean keepDim) {
        boolean[] reduce = mask("sum", dims, x.shape.length);
        int[] keptShape = outShape(x.shape, reduce, true);
        Tensor out = Tensor.empty(keptShape);
        sumInto(x, reduce, out);
        Tensor result = keepDim ? out : out.view(outShape(x.shape, reduce, false));
        return Autograd.record("sum", result,
                g -> new Tensor[] {g.reshape(keptShape).expand(x.shape)}, x);
    }

    /** Mean over {@code dims}: the sum divided by the number of elements summed. */
    static Tensor mean(Tensor x, int[] dims, boolean keepDim) {
        boolean[] reduce = mask("mean", dims, x.shape.length);
        long count = 1;
        for (int d = 0; d < reduce.length; d++) {
            if (reduce[d]) {
                count *= x.shape[d];
            }
        }
        return sum(x, dims, keepDim).mul(count == 0 ? Float.NaN : 1f / count);
    }

    /** out (of the keep-dim shape, zero-filled, contiguous) = Σ of x over the reduced dims. */
    private static void sumInto(Tensor x, boolean[] reduce, Tensor out) {
        int rank = x.shape.length;
        // Split x's dims into kept (indexing out) and reduced ones, keeping their strides.
        int nKept = 0;
        for (boolean r : reduce) {
            nKept += r ? 0 : 1;
        }
        int[] keptShape = new int[nKept];
        int[] keptStrides = new int[nKept];
        int[] outStrides = new int[nKept];
        int[] redShape = new int[rank - nKept];
        int[] redStrides = new int[rank - nKept];
        int k = 0;
        int r = 0;
        for (int d = 0; d < rank; d++) {
            if (reduce[d]) {
                redShape[r] = x.shape[d];
                redStrides[r++] = x.strides[d];
            } else {
                keptShape[k] = x.shape[d];
                outStrides[k] = out.strides[d];
                keptStrides[k++] = x.strides[d];
            }
        }
        if (Shape.numel(redShape) == 0 || out.data.length == 0) {
            return;
        }
        boolean leadingOnly = true;
        for (int d = 0; d < rank; d++) {
            if (!reduce[d] && d < rank - nKept) {
                leadingOnly = false;
            }
        }
        if (leadingOnly && nKept > 0 && isRowMajor(keptShape, keptStrides)) {
            // Row accumulation: out[:] += x[i, :] for every index i of the leading reduced dims.
            int n = out.data.length;
            Strided.forEachRun(redShape, new int[][] {redStrides}, new int[] {x.offset}, (len, off, st) -> {
                for (int i = 0; i < len; i++) {
                    ReduceKernels.axpy(1f, x.data, off[0] + i * st[0], 1, out.data, 0, 1, n);
                }
            });
            return;
        }
        int[][] rs = {redStrides};
        float[] acc = new float[1];
        int[] base = new int[1];
        Strided.Run sumRun = (len, off, st) -> acc[0] += ReduceKernels.sum(x.data, off[0], st[0], len);
        Strided.forEachRun(keptShape, new int[][] {outStrides, keptStrides}, new int[] {0, x.offset},
                (len, off, st) -> {
                    for (int i = 0; i < len; i++) {
                        acc[0] = 0f;
                        base[0] = off[1] + i * st[1];
                        Strided.forEachRun(redShape, rs, base, sumRun);
                        out.data[off[0] + i * st[0]] = acc[0];
                    }
                });
    }

    private static boolean isRowMajor(int[] shape, int[] strides) {
        int expected = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            if (shape[d] != 1 && strides[d] != expected) {
                return false;
            }
            expected *= shape[d];
        }
        return true;
    }

    /**
     * Sums {@code g} down to {@code shape}: the backward of broadcasting. Leading dims that
     * broadcasting added are summed away; dims where {@code shape} has 1 are summed with keepDim.
     */
    static Tensor sumTo(Tensor g, int[] shape) {
        if (Arrays.equals(g.shape, shape)) {
            return g;
        }
        int lead = g.shape.length - shape.length;
        if (lead < 0) {
            throw new IllegalArgumentException("sumTo: cannot reduce " + Shape.str(g.shape) + " to " + Shape.str(shape));
        }
        int count = 0;
        int[] dims = new int[g.shape.length];
        for (int d = 0; d < g.shape.length; d++) {
            if (d < lead || (shape[d - lead] == 1 && g.shape[d] != 1)) {
                dims[count++] = d;
            }
        }
        Tensor s = sum(g, Arrays.copyOf(dims, count), true);
        return s.reshape(shape);
    }

    /** Largest value along {@code dim}; the gradient flows to the first maximum of each slice. */
    static Tensor max(Tensor x, int dim, boolean keepDim) {
        int d = Shape.dim("max", dim, x.shape.length);
        if (x.shape[d] == 0) {
            throw new IllegalArgumentException("max: dimension " + dim + " of shape " + Shape.str(x.shape)
                    + " is empty, so it has no maximum");
        }
        Tensor idx = argmax(x, d, true);
        Tensor values = x.detach().gather(d, idx);
        Tensor out = keepDim ? values : values.squeeze(d);
        return Autograd.record("max", out, g -> {
            Tensor gk = keepDim ? g : g.unsqueeze(d);
            Tensor z = Tensor.zeros(x.shape);
            IndexOps.scatterAdd(z, d, idx, gk);
            return new Tensor[] {z};
        }, x);
    }

    /** Index of the first largest value along {@code dim} (NaN counts as largest, like PyTorch). */
    static Tensor argmax(Tensor x, int dim, boolean keepDim) {
        int d = Shape.dim("argmax", dim, x.shape.length);
        if (x.shape[d] == 0) {
            throw new IllegalArgumentException("argmax: dimension " + dim + " of shape " + Shape.str(x.shape)
                    + " is empty, so it has no maximum");
        }
        if (x.shape[d] > MAX_EXACT_INDEX) {
            throw new IllegalArgumentException("argmax: dimension " + dim + " of shape " + Shape.str(x.shape)
                    + " has more than 2^24 entries, and indices held in a float tensor are exact only up to 2^24");
        }
        boolean[] reduce = new boolean[x.shape.length];
        reduce[d] = true;
        int[] kShape = outShape(x.shape, reduce, true);
        Tensor out = Tensor.empty(kShape);
        int n = x.shape[d];
        int stride = x.strides[d];
        int[] xs = x.strides.clone();
        xs[d] = 0; // walk the output positions; the reduced dim is scanned below
        Strided.forEachRun(kShape, new int[][] {out.strides, xs}, new int[] {0, x.offset}, (len, off, st) -> {
            for (int i = 0; i < len; i++) {
                int base = off[1] + i * st[1];
                int best = 0;
                float bestValue = x.data[base];
                for (int j = 1; j < n && !Float.isNaN(bestValue); j++) {
                    float v = x.data[base + j * stride];
                    if (v > bestValue || Float.isNaN(v)) {
                        best = j;
                        bestValue = v;
                    }
                }
                out.data[off[0] + i * st[0]] = best;
            }
        });
        return keepDim ? out : out.view(outShape(x.shape, reduce, false));
    }
}
