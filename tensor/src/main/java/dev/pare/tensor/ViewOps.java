package dev.pare.tensor;

import java.util.Arrays;

/**
 * Movement operations: new shapes and strides over the same storage, each with its backward.
 *
 * <p>None of these copies data except {@link #copy}, {@link #cat} and a {@link #reshape} whose
 * layout cannot be expressed with strides. Their backward passes move the gradient the opposite
 * way: a transpose's gradient is transposed back, a narrow's gradient is placed into a zero tensor
 * of the input's shape, an expand's gradient is summed over the expanded dims.
 */
final class ViewOps {
    private ViewOps() {}

    private static Tensor viewOf(Tensor x, int[] shape, int[] strides, int offset) {
        return new Tensor(x.data, shape, strides, offset);
    }

    // ------------------------------------------------------------ reshape family

    /** Resolves one −1 in {@code newShape} and checks the element count. */
    private static int[] infer(String op, int[] oldShape, int[] newShape) {
        int[] s = newShape.clone();
        int unknown = -1;
        long known = 1;
        boolean overflow = false;
        for (int i = 0; i < s.length; i++) {
            if (s[i] == -1) {
                if (unknown >= 0) {
                    throw new IllegalArgumentException(op + ": only one dimension can be -1 in " + Shape.str(newShape));
                }
                unknown = i;
            } else if (s[i] < 0) {
                throw new IllegalArgumentException(op + ": negative size in " + Shape.str(newShape));
            } else if (!overflow || s[i] == 0) {
                // Exact: 65536⁴ = 2^64 wraps a long to 0, which would "match" an empty tensor.
                try {
                    known = Math.multiplyExact(known, s[i]);
                    overflow = false;
                } catch (ArithmeticException ex) {
                    overflow = true;
                }
            }
        }
        if (overflow) {
            throw new IllegalArgumentException(op + ": cannot reshape " + Shape.str(oldShape) + " into "
                    + Shape.str(newShape) + ": that shape has more than 2^63-1 elements");
        }
        int numel = Shape.numel(op, oldShape);
        if (unknown >= 0) {
            if (known == 0 || numel % known != 0) {
                throw new IllegalArgumentException(op + ": cannot reshape " + Shape.str(oldShape) + " (" + numel
                        + " elements) into " + Shape.str(newShape));
            }
            s[unknown] = (int) (numel / known);
            Shape.numel(op, s);
        } else if (known != numel) {
            throw new IllegalArgumentException(op + ": cannot reshape " + Shape.str(oldShape) + " (" + numel
                    + " elements) into " + Shape.str(newShape) + " (" + known + " elements)");
        }
        // Equal counts can still hide an overflow: [0] into [0, 46341, 46341] has no element but
        // strides beyond an int.
        Shape.numel(op, s);
        return s;
    }

    /**
     * Strides that show storage laid out as ({@code shape}, {@code strides}) with the new shape,
     * or null when no strides can. Works chunk by chunk: a run of old dims that is contiguous
     * within itself can be re-split any way, as long as new dims do not straddle two such runs.
     */
    static int[] viewStrides(int[] shape, int[] strides, int[] newShape) {
        int[] out = new int[newShape.length];
        if (Shape.numel(shape) == 0) {
            return Shape.contiguousStrides(newShape);
        }
        int viewD = newShape.length - 1;
        long chunkBase = strides.length == 0 ? 1 : strides[strides.length - 1];
        long tensorNumel = 1;
        long viewNumel = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            tensorNumel *= shape[d];
            boolean chunkEnds = d == 0 || (shape[d - 1] != 1 && strides[d - 1] != tensorNumel * chunkBase);
            if (chunkEnds) {
                while (viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] == 1)) {
                    out[viewD] = (int) (viewNumel * chunkBase);
                    viewNumel *= newShape[viewD];
                    viewD--;
                }
                if (viewNumel != tensorNumel) {
                    return null;
                }
                if (d > 0) {
                    chunkBase = strides[d - 1];
                    tensorNumel = 1;
                    viewNumel = 1;
                }
            }
        }
        if (viewD != -1) {
            // Only size-1 dims can remain; give them any stride.
            for (; viewD >= 0; viewD--) {
                if (newShape[viewD] != 1) {
                    return null;
                }
                out[viewD] = 1;
            }
        }
        return out;
    }

    static Tensor view(Tensor x, int[] newShape) {
        int[] s = infer("view", x.shape, newShape);
        int[] st = viewStrides(x.shape, x.strides, s);
        if (st == null) {
            throw new IllegalArgumentException("view: a tensor of shape " + Shape.str(x.shape) + " and strides "
                    + Arrays.toString(x.strides) + " cannot be viewed as " + Shape.str(s)
                    + " without a copy; use reshape() (which copies) or contiguous() first");
        }
        Tensor out = viewOf(x, s, st, x.offset);
        int[] inShape = x.shape;
        return Autograd.record("view", out, g -> new Tensor[] {g.reshape(inShape)}, x);
    }

    static Tensor reshape(Tensor x, int[] newShape) {
        int[] s = infer("reshape", x.shape, newShape);
        if (viewStrides(x.shape, x.strides, s) != null) {
            return view(x, s);
        }
        return view(copy(x, "reshape"), s);
    }

    static Tensor flatten(Tensor x, int startDim, int endDim) {
        int rank = x.shape.length;
        if (rank == 0) {
            return x.reshape(1);
        }
        int a = Shape.dim("flatten", startDim, rank);
        int b = Shape.dim("flatten", endDim, rank);
        if (a > b) {
            throw new IllegalArgumentException("flatten: startDim " + startDim + " comes after endDim " + endDim);
        }
        int[] s = new int[rank - (b - a)];
        int k = 0;
        for (int d = 0; d < a; d++) {
            s[k++] = x.shape[d];
        }
        int merged = 1;
        for (int d = a; d <= b; d++) {
            try {
                merged = Math.multiplyExact(merged, x.shape[d]);
            } catch (ArithmeticException ex) {
                throw new IllegalArgumentException("flatten: dims " + a + ".." + b + " of " + Shape.str(x.shape)
                        + " hold more than 2^31-1 elements");
            }
        }
        s[k++] = merged;
        for (int d = b + 1; d < rank; d++) {
            s[k++] = x.shape[d];
        }
        return reshape(x, s);
    }

    // ------------------------------------------------------------ dimension order

    static Tensor transpose(Tensor x, int dim0, int dim1) {
        int rank = x.shape.length;
        int a = Shape.dim("transpose", dim0, rank);
        int b = Shape.dim("transpose", dim1, rank);
        int[] perm = new int[rank];
        for (int i = 0; i < rank; i++) {
            perm[i] = i;
        }
        perm[a] = b;
        perm[b] = a;
        return permute(x, perm);
    }

    static Tensor permute(Tensor x, int[] dims) {
        int rank = x.shape.length;
        if (dims.length != rank) {
            throw new IllegalArgumentException("permute: " + Arrays.toString(dims) + " has " + dims.length
                    + " entries, tensor of shape " + Shape.str(x.shape) + " has " + rank + " dims");
        }
        int[] perm = new int[rank];
        boolean[] seen = new boolean[rank];
        for (int i = 0; i < rank; i++) {
            perm[i] = Shape.dim("permute", dims[i], rank);
            if (seen[perm[i]]) {
                throw new IllegalArgumentException("permute: " + Arrays.toString(dims) + " is not a permutation");
            }
            seen[perm[i]] = true;
        }
        int[] s = new int[rank];
        int[] st = new int[rank];
        int[] inverse = new int[rank];
        for (int i = 0; i < rank; i++) {
            s[i] = x.shape[perm[i]];
            st[i] = x.strides[perm[i]];
            inverse[perm[i]] = i;
        }
        Tensor out = viewOf(x, s, st, x.offset);
        return Autograd.record("permute", out, g -> new Tensor[] {g.permute(inverse)}, x);
    }

    // ------------------------------------------------------------ sub-ranges

    static Tensor narrow(Tensor x, int dim, int start, int length) {
        int d = Shape.dim("narrow", dim, x.shape.length);
        if (start < 0 || length < 0 || (long) start + length > x.shape[d]) {
            throw new IllegalArgumentException("narrow: start " + start + " and length " + length
                    + " do not fit dimension " + dim + " of size " + x.shape[d] + " (shape " + Shape.str(x.shape) + ")");
        }
        return slice(x, d, start, start + length, 1);
    }

    static Tensor slice(Tensor x, int dim, int start, int end, int step) {
        int d = Shape.dim("slice", dim, x.shape.length);
        int size = x.shape[d];
        if (step < 1) {
            throw new IllegalArgumentException("slice: step must be at least 1, got " + step);
        }
        int s = clampIndex(start, size);
        int e = Math.max(s, clampIndex(end, size));
        // Not (e − s + step − 1) / step: that sum overflows for a huge step.
        int len = e == s ? 0 : 1 + (e - s - 1) / step;
        int[] shape = x.shape.clone();
        int[] strides = x.strides.clone();
        shape[d] = len;
        // A dim of size 0 or 1 is never stepped along, so it keeps the old stride: a huge step
        // (2^30) times the stride would overflow to a negative stride that later breaks a kernel
        // ("gemm: negative leading dimension"). With two or more elements the product is the
        // distance to the second one, inside the storage, so it fits; multiplyExact says so.
        strides[d] = len <= 1 ? x.strides[d] : Math.multiplyExact(x.strides[d], step);
        // An empty view keeps the offset: moving it could point past the end of the storage.
        Tensor out = viewOf(x, shape, strides, x.offset + (Shape.numel(shape) == 0 ? 0 : s * x.strides[d]));
        int[] inShape = x.shape;
        return Autograd.record("slice", out, g -> {
            Tensor z = Tensor.zeros(inShape);
            slice(z, d, s, e, step).copyFrom(g);
            return new Tensor[] {z};
        }, x);
    }

    /** Python's rule: negative counts from the end; out-of-range clamps to [0, size]. */
    private static int clampIndex(int i, int size) {
        int j = i < 0 ? i + size : i;
        return Math.max(0, Math.min(size, j));
    }

    static Tensor select(Tensor x, int dim, int index) {
        int d = Shape.dim("select", dim, x.shape.length);
        int size = x.shape[d];
        if (index < -size || index >= size) {
            throw new IllegalArgumentException("select: index " + index + " is out of range for dimension " + dim
                    + " of size " + size + " (shape " + Shape.str(x.shape) + ")");
        }
        int i = index < 0 ? index + size : index;
        return squeeze(slice(x, d, i, i + 1, 1), d);
    }

    // ------------------------------------------------------------ size-1 dims and broadcasting

    static Tensor expand(Tensor x, int[] sizes) {
        int rank = sizes.length;
        int lead = rank - x.shape.length;
        if (lead < 0) {
            throw new IllegalArgumentException("expand: cannot expand " + Shape.str(x.shape) + " to fewer dims "
                    + Shape.str(sizes));
        }
        int[] s = new int[rank];
        int[] st = new int[rank];
        for (int i = 0; i < rank; i++) {
            int want = sizes[i];
            if (i < lead) {
                if (want < 0) {
                    throw new IllegalArgumentException("expand: size -1 not allowed for a new leading dim in "
                            + Shape.str(sizes));
                }
                s[i] = want;
                st[i] = 0;
                continue;
            }
            int have = x.shape[i - lead];
            if (want == -1 || want == have) {
                s[i] = have;
                st[i] = x.strides[i - lead];
            } else if (have == 1 && want >= 0) {
                s[i] = want;
                st[i] = 0;
            } else {
                throw new IllegalArgumentException("expand: cannot expand " + Shape.str(x.shape) + " to "
                        + Shape.str(sizes) + ": dimension " + (i - lead) + " has size " + have + ", not 1");
            }
        }
        // Stride 0 makes the view free, but its element count must still fit in an int: every
        // op that reads it loops over numel() in an int.
        Shape.numel("expand", s);
        Tensor out = viewOf(x, s, st, x.offset);
        int[] inShape = x.shape;
        return Autograd.record("expand", out, g -> new Tensor[] {ReduceOps.sumTo(g, inShape)}, x);
    }

    static Tensor squeeze(Tensor x) {
        int kept = 0;
        for (int d : x.shape) {
            kept += d == 1 ? 0 : 1;
        }
        int[] s = new int[kept];
        int[] st = new int[kept];
        int k = 0;
        for (int d = 0; d < x.shape.length; d++) {
            if (x.shape[d] != 1) {
                s[k] = x.shape[d];
                st[k++] = x.strides[d];
            }
        }
        Tensor out = viewOf(x, s, st, x.offset);
        int[] inShape = x.shape;
        return Autograd.record("squeeze", out, g -> new Tensor[] {g.reshape(inShape)}, x);
    }

    static Tensor squeeze(Tensor x, int dim) {
        int d = Shape.dim("squeeze", dim, x.shape.length);
        if (x.shape[d] != 1) {
            Tensor same = viewOf(x, x.shape, x.strides, x.offset);
            return Autograd.record("squeeze", same, g -> new Tensor[] {g}, x);
        }
        int[] s = new int[x.shape.length - 1];
        int[] st = new int[s.length];
        for (int i = 0, k = 0; i < x.shape.length; i++) {
            if (i != d) {
                s[k] = x.shape[i];
                st[k++] = x.strides[i];
            }
        }
        Tensor out = viewOf(x, s, st, x.offset);
        int[] inShape = x.shape;
        return Autograd.record("squeeze", out, g -> new Tensor[] {g.reshape(inShape)}, x);
    }

    static Tensor unsqueeze(Tensor x, int dim) {
        int rank = x.shape.length;
        int d = Shape.dim("unsqueeze", dim, rank + 1);
        int[] s = new int[rank + 1];
        int[] st = new int[rank + 1];
        for (int i = 0, k = 0; i <= rank; i++) {
            if (i == d) {
                s[i] = 1;
                st[i] = d < rank ? x.strides[d] * x.shape[d] : 1;
            } else {
                s[i] = x.shape[k];
                st[i] = x.strides[k++];
            }
        }
        Tensor out = viewOf(x, s, st, x.offset);
        int[] inShape = x.shape;
        return Autograd.record("unsqueeze", out, g -> new Tensor[] {g.reshape(inShape)}, x);
    }

    // ------------------------------------------------------------ copies

    /** A contiguous copy; differentiable (the gradient passes through unchanged). */
    static Tensor copy(Tensor x, String op) {
        Tensor out = Tensor.empty(x.shape.clone());
        InPlace.copy(out, x);
        return Autograd.record(op, out, g -> new Tensor[] {g}, x);
    }

    static Tensor cat(int dim, Tensor[] tensors) {
        if (tensors.length == 0) {
            throw new IllegalArgumentException("cat: needs at least one tensor");
        }
        int[] first = tensors[0].shape;
        int d = Shape.dim("cat", dim, first.length);
        long total = 0;
        for (Tensor t : tensors) {
            boolean same = t.shape.length == first.length;
            for (int i = 0; same && i < first.length; i++) {
                same = i == d || t.shape[i] == first[i];
            }
            if (!same) {
                throw new IllegalArgumentException("cat: shapes " + Shape.str(first) + " and " + Shape.str(t.shape)
                        + " differ outside dimension " + dim);
            }
            total += t.shape[d];
        }
        if (total > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("cat: the result would have " + total + " entries along dimension "
                    + dim + ", more than 2^31-1");
        }
        int[] s = first.clone();
        s[d] = (int) total;
        Shape.checked("cat", s);
        Tensor out = Tensor.empty(s);
        int at = 0;
        int[] starts = new int[tensors.length];
        for (int i = 0; i < tensors.length; i++) {
            starts[i] = at;
            InPlace.copy(out.detach().narrow(d, at, tensors[i].shape[d]), tensors[i]);
            at += tensors[i].shape[d];
        }
        return Autograd.record("cat", out, g -> {
            Tensor[] gs = new Tensor[tensors.length];
            for (int i = 0; i < tensors.length; i++) {
                gs[i] = g.narrow(d, starts[i], tensors[i].shape[d]);
            }
            return gs;
        }, tensors);
    }
}
