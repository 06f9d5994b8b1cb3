package dev.pare.tensor;

import java.util.Arrays;

/**
 * Shapes and strides: how an N-d index becomes a position in a flat {@code float[]}.
 *
 * <p>A tensor of shape {@code [d0, d1, …, dn-1]} with strides {@code [s0, …, sn-1]} and offset
 * {@code o} keeps element {@code (i0, …, in-1)} at {@code o + Σ ik·sk}. Contiguous (row-major)
 * strides are {@code sk = d(k+1)·…·d(n-1)}: the last index moves fastest. Because the layout is
 * only these numbers, many operations need no copy at all: a transpose swaps two strides, a
 * slice moves the offset, and broadcasting a dimension sets its stride to 0.
 *
 * <p>Broadcasting follows NumPy: shapes are aligned on the right; two sizes are compatible when
 * they are equal or one of them is 1; a missing leading dimension counts as 1.
 */
public final class Shape {
    private Shape() {}

    /** Number of elements, Π dk (1 for a scalar); see {@link #numel(String, int[])}. */
    public static int numel(int[] shape) {
        return numel("shape", shape);
    }

    /**
     * Number of elements, Π dk (1 for a scalar), for the operation {@code op}.
     *
     * <p>The rule: the product of the sizes, a size 0 counted as 1, must fit in an int. Counting
     * zeros as 1 is what keeps every row-major stride an int: {@code [0, 46341, 46341]} holds no
     * element, but its first stride would be 46341² > 2^31 − 1, and a wrapped stride (or a
     * wrapped {@code flatten} of its last two dims) would surface later as a "negative size" far
     * from its cause.
     *
     * @throws IllegalArgumentException naming {@code op} and the shape if the product overflows
     */
    public static int numel(String op, int[] shape) {
        int n = 1;
        boolean empty = false;
        for (int d : shape) {
            if (d == 0) {
                empty = true;
                continue;
            }
            try {
                n = Math.multiplyExact(n, d);
            } catch (ArithmeticException ex) {
                throw new IllegalArgumentException(op + ": shape " + str(shape)
                        + " has more than 2^31-1 elements (zero sizes counted as 1, so that its strides fit in an int)");
            }
        }
        return empty ? 0 : n;
    }

    /** Row-major strides of {@code shape}: the last dimension has stride 1. */
    public static int[] contiguousStrides(int[] shape) {
        int[] strides = new int[shape.length];
        int s = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            strides[d] = s;
            // Exact: every tensor's shape passed numel(), whose rule keeps this product an int.
            s = Math.multiplyExact(s, Math.max(shape[d], 1));
        }
        return strides;
    }

    /**
     * True when a tensor of this shape and these strides is <em>dense</em>: its elements fill
     * exactly {@code numel} consecutive positions of the storage, each once. That is a row-major
     * layout with its dimensions taken in some order, e.g. the transpose {@code x.t()} of a
     * contiguous [m, n] matrix (strides {1, m}). Size-1 dimensions are ignored (any stride will
     * do for them); an empty tensor is not dense.
     *
     * <p>How: sorted by stride, the dimensions of size &gt; 1 must have strides 1, size₀,
     * size₀·size₁, … (a gap or an overlap breaks the chain).
     */
    public static boolean isDense(int[] shape, int[] strides) {
        int rank = shape.length;
        boolean[] used = new boolean[rank];
        long expected = 1;
        for (int d : shape) {
            if (d == 0) {
                return false;
            }
        }
        // Selection by smallest stride, O(rank²): ranks are small, and this runs once per op.
        while (true) {
            int best = -1;
            for (int d = 0; d < rank; d++) {
                if (!used[d] && shape[d] > 1 && (best < 0 || strides[d] < strides[best])) {
                    best = d;
                }
            }
            if (best < 0) {
                return true;
            }
            if (strides[best] != expected) {
                return false;
            }
            used[best] = true;
            expected *= shape[best];
        }
    }

    /** Checks that every size is non-negative and returns a private copy. */
    public static int[] checked(String op, int[] shape) {
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException(op + ": negative size in shape " + str(shape));
            }
        }
        numel(op, shape);
        return shape.clone();
    }

    /**
     * The broadcast shape of {@code a} and {@code b}.
     *
     * @throws IllegalArgumentException naming {@code op} and both shapes if they are incompatible
     */
    public static int[] broadcast(String op, int[] a, int[] b) {
        int rank = Math.max(a.length, b.length);
        int[] out = new int[rank];
        for (int i = 0; i < rank; i++) {
            int da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
            int db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException(op + ": shapes " + str(a) + " and " + str(b)
                        + " cannot be broadcast: dimension " + i + " of the result is " + da
                        + " in one and " + db + " in the other");
            }
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    /**
     * Strides that read a tensor of shape {@code shape} and strides {@code strides} as if it had
     * the larger shape {@code target}: broadcast dimensions get stride 0.
     */
    public static int[] broadcastStrides(String op, int[] shape, int[] strides, int[] target) {
        if (shape.length > target.length) {
            throw new IllegalArgumentException(op + ": cannot broadcast " + str(shape) + " to " + str(target));
        }
        int[] out = new int[target.length];
        int lead = target.length - shape.length;
        for (int i = 0; i < shape.length; i++) {
            int d = shape[i];
            int t = target[lead + i];
            if (d == t) {
                out[lead + i] = strides[i];
            } else if (d == 1) {
                out[lead + i] = 0;
            } else {
                throw new IllegalArgumentException(op + ": cannot broadcast " + str(shape) + " to "
                        + str(target) + ": size " + d + " at dimension " + i + " is neither " + t + " nor 1");
            }
        }
        return out;
    }

    /** Turns a possibly negative dimension (−1 is the last) into {@code [0, rank)}. */
    public static int dim(String op, int dim, int rank) {
        int d = dim < 0 ? dim + rank : dim;
        if (d < 0 || d >= rank) {
            throw new IllegalArgumentException(op + ": dimension " + dim + " is out of range for a tensor of rank "
                    + rank + " (valid: " + (rank == 0 ? "none" : -rank + " to " + (rank - 1)) + ")");
        }
        return d;
    }

    /** {@code [2, 3]} style text for error messages and {@code toString}. */
    public static String str(int[] shape) {
        return Arrays.toString(shape);
    }
}
