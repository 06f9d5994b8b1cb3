package dev.pare.tensor;

/**
 * The N-d loop behind every elementwise operation and copy.
 *
 * <p>Several operands (output and inputs) share one logical shape but each has its own strides
 * and offset. This class walks all of them together and hands the kernel one innermost run at a
 * time: "{@code n} elements, starting at these offsets, with these strides". The kernels in
 * {@code dev.pare.tensor.kernels} only ever see such 1-D runs.
 *
 * <p>Before walking, adjacent dimensions that are laid out back to back in every operand are
 * merged ("coalesced"): a contiguous tensor of shape [64, 128, 10] becomes one run of 81,920
 * elements, so the kernel's vector loop runs long and the N-d bookkeeping costs nothing.
 */
final class Strided {
    private Strided() {}

    /** Receives one innermost run; {@code offsets} and {@code strides} have one entry per operand. */
    @FunctionalInterface
    interface Run {
        void apply(int n, int[] offsets, int[] strides);
    }

    /**
     * {@link #forEachRun} for elementwise operations, whose result does not depend on the order
     * in which elements are visited. The dimensions are first sorted by operand 0's strides
     * (the output's), largest first, so that an output laid out like a transposed view is walked
     * in memory order: its dimensions then coalesce into one long run as a row-major tensor's
     * do, instead of short runs with a large stride. (Not for reductions: reordering there would
     * change the order of the additions, and so the rounding.)
     */
    static void forEachElementRun(int[] shape, int[][] strides, int[] offsets, Run run) {
        int rank = shape.length;
        int[] out = strides[0];
        int[] order = new int[rank];
        for (int d = 0; d < rank; d++) {
            order[d] = d;
        }
        // Insertion sort, stable: a row-major output keeps its order exactly.
        for (int i = 1; i < rank; i++) {
            for (int j = i; j > 0 && out[order[j - 1]] < out[order[j]]; j--) {
                int t = order[j];
                order[j] = order[j - 1];
                order[j - 1] = t;
            }
        }
        int[] sortedShape = new int[rank];
        int[][] sortedStrides = new int[strides.length][rank];
        for (int d = 0; d < rank; d++) {
            sortedShape[d] = shape[order[d]];
            for (int o = 0; o < strides.length; o++) {
                sortedStrides[o][d] = strides[o][order[d]];
            }
        }
        forEachRun(sortedShape, sortedStrides, offsets, run);
    }

    /**
     * Calls {@code run} once per innermost run of {@code shape}, for operands with the given
     * {@code strides} (one array per operand, each of the shape's rank) and base {@code offsets}.
     */
    static void forEachRun(int[] shape, int[][] strides, int[] offsets, Run run) {
        int ops = strides.length;
        int rank = shape.length;
        for (int d : shape) {
            if (d == 0) {
                return;
            }
        }
        // Coalesce: keep a list of (size, strides) dims, merging d into the previous kept one
        // when, for every operand, stride[prev] == stride[d] * size[d].
        int[] size = new int[Math.max(rank, 1)];
        int[][] st = new int[ops][Math.max(rank, 1)];
        int kept = 0;
        for (int d = 0; d < rank; d++) {
            if (shape[d] == 1) {
                continue;
            }
            boolean merge = kept > 0;
            for (int o = 0; o < ops && merge; o++) {
                merge = st[o][kept - 1] == strides[o][d] * shape[d];
            }
            if (merge) {
                size[kept - 1] *= shape[d];
                for (int o = 0; o < ops; o++) {
                    st[o][kept - 1] = strides[o][d];
                }
            } else {
                size[kept] = shape[d];
                for (int o = 0; o < ops; o++) {
                    st[o][kept] = strides[o][d];
                }
                kept++;
            }
        }
        if (kept == 0) {
            size[0] = 1;
            kept = 1;
        }
        int inner = kept - 1;
        int n = size[inner];
        int[] innerStrides = new int[ops];
        for (int o = 0; o < ops; o++) {
            innerStrides[o] = st[o][inner];
        }
        int[] off = offsets.clone();
        int[] base = offsets.clone();
        int[] idx = new int[kept];
        while (true) {
            System.arraycopy(base, 0, off, 0, ops);
            run.apply(n, off, innerStrides);
            // Odometer over the outer dims: bump the last outer index, carrying leftwards.
            int d = inner - 1;
            while (d >= 0) {
                idx[d]++;
                for (int o = 0; o < ops; o++) {
                    base[o] += st[o][d];
                }
                if (idx[d] < size[d]) {
                    break;
                }
                for (int o = 0; o < ops; o++) {
                    base[o] -= st[o][d] * size[d];
                }
                idx[d] = 0;
                d--;
            }
            if (d < 0) {
                return;
            }
        }
    }
}
