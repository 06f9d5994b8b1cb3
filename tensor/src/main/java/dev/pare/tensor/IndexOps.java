package dev.pare.tensor;

/**
 * Indexing by integer positions, forward beside backward: {@link #gather} (pick one element per
 * position, e.g. the logit of the true class) and {@link #indexSelect} (pick whole slices, e.g.
 * rows of an embedding table). Indices are held in float tensors; floats represent every integer
 * up to 2^24 exactly, far beyond any dimension these are used on, and every index is checked.
 *
 * <p>Backward of both is a scatter-add: each output gradient is added at the position it was
 * read from. Positions read twice receive the sum, which is exactly the chain rule.
 */
final class IndexOps {
    private IndexOps() {}

    /** An index value as an int in [0, size), or an exception naming the op and the value. */
    private static int checkIndex(String op, float v, int size, int dim) {
        int i = (int) v;
        if (i != v || i < 0 || i >= size) {
            throw new IllegalArgumentException(op + ": index " + v + " is not an integer in [0, " + size
                    + ") for dimension " + dim);
        }
        return i;
    }

    /**
     * out[i₀…iₙ] = x[i₀ … index[i₀…iₙ] … iₙ] with the index replacing coordinate {@code dim}.
     * {@code index} has x's rank and, outside {@code dim}, sizes no larger than x's.
     */
    static Tensor gather(Tensor x, int dim, Tensor index) {
        int d = Shape.dim("gather", dim, x.dim());
        if (index.dim() != x.dim()) {
            throw new IllegalArgumentException("gather: index of shape " + Shape.str(index.shape)
                    + " must have the same rank as the input " + Shape.str(x.shape));
        }
        for (int k = 0; k < x.dim(); k++) {
            if (k != d && index.shape[k] > x.shape[k]) {
                throw new IllegalArgumentException("gather: index of shape " + Shape.str(index.shape)
                        + " is larger than the input " + Shape.str(x.shape) + " at dimension " + k);
            }
        }
        Tensor out = Tensor.empty(index.shape.clone());
        int[] xs = x.strides.clone();
        xs[d] = 0; // coordinate d comes from the index, not from the walk
        int size = x.shape[d];
        int stride = x.strides[d];
        Strided.forEachRun(index.shape, new int[][] {out.strides, index.strides, xs},
                new int[] {0, index.offset, x.offset}, (n, off, st) -> {
                    for (int i = 0; i < n; i++) {
                        int j = checkIndex("gather", index.data[off[1] + i * st[1]], size, dim);
                        out.data[off[0] + i * st[0]] = x.data[off[2] + i * st[2] + j * stride];
                    }
                });
        return Autograd.record("gather", out, g -> {
            Tensor z = Tensor.zeros(x.shape);
            scatterAdd(z, d, index, g);
            return new Tensor[] {z, null};
        }, x, index);
    }

    /** target[… index[…] …] += src[…] along dim d: the backward of gather (and of max). */
    static void scatterAdd(Tensor target, int d, Tensor index, Tensor src) {
        int[] ts = target.strides.clone();
        ts[d] = 0;
        int stride = target.strides[d];
        int size = target.shape[d];
        int[] ss = Shape.broadcastStrides("scatterAdd", src.shape, src.strides, index.shape);
        Strided.forEachRun(index.shape, new int[][] {ss, index.strides, ts},
                new int[] {src.offset, index.offset, target.offset}, (n, off, st) -> {
                    for (int i = 0; i < n; i++) {
                        int j = checkIndex("scatterAdd", index.data[off[1] + i * st[1]], size, d);
                        target.data[off[2] + i * st[2] + j * stride] += src.data[off[0] + i * st[0]];
                    }
                });
    }

    /** The slices at {@code indices} along {@code dim}: shape is x's with dim resized to indices.length. */
    static Tensor indexSelect(Tensor x, int dim, int[] indices) {
        int d = Shape.dim("indexSelect", dim, x.dim());
        int size = x.shape[d];
        for (int i : indices) {
            if (i < 0 || i >= size) {
                throw new IllegalArgumentException("indexSelect: index " + i + " is out of range for dimension "
                        + dim + " of size " + size + " (shape " + Shape.str(x.shape) + ")");
            }
        }
        int[] shape = x.shape.clone();
        shape[d] = indices.length;
        Tensor out = Tensor.empty(shape);
        Tensor src = x.detach();
        for (int k = 0; k < indices.length; k++) {
            InPlace.copy(out.narrow(d, k, 1), src.narrow(d, indices[k], 1));
        }
        int[] idx = indices.clone();
        return Autograd.record("indexSelect", out, g -> {
            Tensor z = Tensor.zeros(x.shape);
            for (int k = 0; k < idx.length; k++) {
                InPlace.axpy(z.narrow(d, idx[k], 1), 1f, g.narrow(d, k, 1));
            }
            return new Tensor[] {z};
        }, x);
    }
}
