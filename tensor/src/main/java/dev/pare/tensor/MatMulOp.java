package dev.pare.tensor;

import dev.pare.tensor.kernels.Gemm;
import dev.pare.tensor.kernels.SmallProduct;
import dev.pare.tensor.parallel.Parallel;

/**
 * Matrix multiplication with NumPy's rules, forward beside backward.
 *
 * <p>For C = A·B the chain rule gives dA = dC·Bᵀ and dB = Aᵀ·dC. Both transposes are views, and
 * {@link Gemm} reads a transposed operand directly through its {@code trans} flags, so the
 * backward pass never copies a matrix to transpose it.
 *
 * <p>Shapes: the last two dims are the matrix dims, {@code [.., M, K] @ [.., K, N] -> [.., M, N]};
 * leading "batch" dims broadcast against each other. A 1-D left operand is a row vector and a 1-D
 * right operand a column vector; the added dim is removed from the result.
 */
final class MatMulOp {
    private MatMulOp() {}

    static Tensor matmul(Tensor a, Tensor b) {
        if (a.dim() == 0 || b.dim() == 0) {
            throw new IllegalArgumentException("matmul: " + Shape.str(a.shape) + " @ " + Shape.str(b.shape)
                    + ": both arguments need at least 1 dimension");
        }
        if (a.dim() == 1 && b.dim() == 1) {
            if (a.shape[0] != b.shape[0]) {
                throw new IllegalArgumentException("matmul: " + Shape.str(a.shape) + " @ " + Shape.str(b.shape)
                        + ": vectors of different lengths " + a.shape[0] + " and " + b.shape[0]);
            }
            return a.unsqueeze(0).matmul(b.unsqueeze(1)).reshape();
        }
        if (a.dim() == 1) {
            return matmul(a.unsqueeze(0), b).squeeze(-2);
        }
        if (b.dim() == 1) {
            return matmul(a, b.unsqueeze(1)).squeeze(-1);
        }
        if (b.dim() == 2 && a.dim() > 2 && a.isContiguous() && a.numel() > 0
                && a.shape[a.dim() - 1] == b.shape[0]) {
            return folded(a, b);
        }
        return batched(a, b);
    }

    /**
     * {@code [.., M, K] @ [K, N]} for a contiguous left operand, as one {@code [(..·M), K] @ [K, N]}
     * product: the rows of all the batch's matrices lie one after another in memory, so the
     * reshapes are views. This is every Linear layer and attention projection applied to a
     * {@code [B, T, E]} sequence. Batched instead, it would be B products that each pack the same
     * weight again, and the weight's gradient would be B products of full size, written to a
     * {@code [B, K, N]} tensor and then summed over B; folded, the gradient is one product
     * summing over all B·M rows at once.
     */
    private static Tensor folded(Tensor a, Tensor b) {
        int k = a.shape[a.dim() - 1];
        int[] outShape = a.shape.clone();
        outShape[outShape.length - 1] = b.shape[1];
        return batched(a.reshape(a.numel() / k, k), b).reshape(outShape);
    }

    private static Tensor batched(Tensor a, Tensor b) {
        int ra = a.dim();
        int rb = b.dim();
        int m = a.shape[ra - 2];
        int k = a.shape[ra - 1];
        int k2 = b.shape[rb - 2];
        int n = b.shape[rb - 1];
        if (k != k2) {
            throw new IllegalArgumentException("matmul: " + Shape.str(a.shape) + " @ " + Shape.str(b.shape)
                    + ": inner dimensions " + k + " and " + k2 + " differ");
        }
        int[] aBatch = java.util.Arrays.copyOf(a.shape, ra - 2);
        int[] bBatch = java.util.Arrays.copyOf(b.shape, rb - 2);
        int[] batch;
        try {
            batch = Shape.broadcast("matmul", aBatch, bBatch);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("matmul: " + Shape.str(a.shape) + " @ " + Shape.str(b.shape)
                    + ": batch dimensions " + Shape.str(aBatch) + " and " + Shape.str(bBatch) + " do not broadcast");
        }
        Tensor am = asMatrices(a);
        Tensor bm = asMatrices(b);
        int[] outShape = java.util.Arrays.copyOf(batch, batch.length + 2);
        outShape[batch.length] = m;
        outShape[batch.length + 1] = n;
        Tensor out = Tensor.empty(outShape);
        int[] aStr = Shape.broadcastStrides("matmul", aBatch, java.util.Arrays.copyOf(am.strides, ra - 2), batch);
        int[] bStr = Shape.broadcastStrides("matmul", bBatch, java.util.Arrays.copyOf(bm.strides, rb - 2), batch);
        int[] outStr = java.util.Arrays.copyOf(out.strides, batch.length);
        Layout la = Layout.of(am);
        Layout lb = Layout.of(bm);
        int count = Shape.numel(batch);
        long work = (long) m * n * k;
        if (count > 1 && work <= SmallProduct.MAX_WORK) {
            smallProducts(batch, count, m, n, k, am, la, aStr, bm, lb, bStr, out, outStr);
        } else if (count > 1 && work < SPLIT_BATCH_BELOW && Parallel.threads() > 1) {
            // Many small products: each is too small for Gemm to split, so split the batch
            // instead. Each product is still computed by one Gemm call in one thread, the same
            // way whichever thread it is: the bits do not depend on the thread count.
            int[][] offsets = batchOffsets(batch, count, outStr, aStr, bStr, am.offset, bm.offset);
            Parallel.forRange(count, Parallel.grainFor(work), (lo, hi) -> {
                for (int p = lo; p < hi; p++) {
                    Gemm.gemm(la.trans, lb.trans, m, n, k, am.data, offsets[1][p], la.ld, bm.data, offsets[2][p], lb.ld,
                            out.data, offsets[0][p], n, false);
                }
            });
        } else {
            Strided.forEachRun(batch, new int[][] {outStr, aStr, bStr}, new int[] {0, am.offset, bm.offset},
                    (len, off, st) -> {
                        for (int i = 0; i < len; i++) {
                            Gemm.gemm(la.trans, lb.trans, m, n, k,
                                    am.data, off[1] + i * st[1], la.ld, bm.data, off[2] + i * st[2], lb.ld,
                                    out.data, off[0] + i * st[0], n, false);
                        }
                    });
        }
        boolean bColumnMajor = lb.trans;
        return Autograd.record("matmul", out, g -> new Tensor[] {
            // An input that needs no gradient (a batch of data, say) gets none: for the first
            // layer of a network dA would be the largest product of the whole backward pass.
            a.requiresGrad() ? ReduceOps.sumTo(g.matmul(b.transpose(-1, -2)), a.shape) : null,   // dA = dC · Bᵀ
            b.requiresGrad() ? weightGradient(a, g, b, bColumnMajor) : null
        }, a, b);
    }

    /**
     * dB = Aᵀ · dC, summed over broadcast batch dimensions down to B's shape, and laid out like B.
     * When B is column-major, typically Wᵀ in {@code x.matmul(W.t())}, the gradient is computed as
     * (dCᵀ · A)ᵀ: GEMM then writes the rows of W's own layout, the batch sum runs over contiguous
     * rows, and the transpose's backward hands W a contiguous gradient. Computed as Aᵀ · dC
     * instead, it would reach W as a transposed view, to be added element by element with a
     * stride. With A and dC row-major (as in Linear) both forms sum the same products in the same
     * order over the batch and give the same bits; with other layouts a tiny product may take a
     * different path of {@code Gemm} and round differently, deterministically either way.
     */
    private static Tensor weightGradient(Tensor a, Tensor g, Tensor b, boolean bColumnMajor) {
        if (bColumnMajor) {
            int r = b.dim();
            int[] swapped = b.shape.clone();
            swapped[r - 2] = b.shape[r - 1];
            swapped[r - 1] = b.shape[r - 2];
            return ReduceOps.sumTo(g.transpose(-1, -2).matmul(a), swapped).transpose(-1, -2);
        }
        return ReduceOps.sumTo(a.transpose(-1, -2).matmul(g), b.shape);
    }

    /**
     * A batch of tiny products (attention's per-head ones) on {@link SmallProduct}, which reads
     * each operand in place through its strides and packs nothing; split over threads by product
     * when there are several threads, each product computed whole by one thread, so the bits do
     * not depend on the thread count.
     */
    private static void smallProducts(int[] batch, int count, int m, int n, int k, Tensor am, Layout la, int[] aStr,
                                      Tensor bm, Layout lb, int[] bStr, Tensor out, int[] outStr) {
        int[][] offsets = batchOffsets(batch, count, outStr, aStr, bStr, am.offset, bm.offset);
        // Row and column strides of each matrix: (ld, 1) row-major, (1, ld) column-major.
        int ars = la.trans ? 1 : la.ld;
        int acs = la.trans ? la.ld : 1;
        int brs = lb.trans ? 1 : lb.ld;
        int bcs = lb.trans ? lb.ld : 1;
        if (Parallel.threads() == 1) {
            for (int p = 0; p < count; p++) {
                SmallProduct.multiply(m, n, k, am.data, offsets[1][p], ars, acs, bm.data, offsets[2][p], brs, bcs,
                        out.data, offsets[0][p], n);
            }
            return;
        }
        Parallel.forRange(count, Parallel.grainFor((long) m * n * k), (lo, hi) -> {
            for (int p = lo; p < hi; p++) {
                SmallProduct.multiply(m, n, k, am.data, offsets[1][p], ars, acs, bm.data, offsets[2][p], brs, bcs,
                        out.data, offsets[0][p], n);
            }
        });
    }

    /**
     * Multiply-adds per product below which a batch of products is split over threads by product
     * (Gemm splits one product only from 2^22 on, GemmBlocking.PARALLEL_MIN_WORK; a
     * matrix-vector product from GemmBlocking.GEMV_PARALLEL_MIN_WORK).
     */
    private static final long SPLIT_BATCH_BELOW = 1L << 22;

    /** The start of every matrix of the batch in C, A and B, in batch order: {@code [3][count]}. */
    private static int[][] batchOffsets(int[] batch, int count, int[] outStr, int[] aStr, int[] bStr,
                                        int aOffset, int bOffset) {
        int[][] offsets = new int[3][count];
        int[] next = {0};
        Strided.forEachRun(batch, new int[][] {outStr, aStr, bStr}, new int[] {0, aOffset, bOffset},
                (len, off, st) -> {
                    for (int i = 0; i < len; i++, next[0]++) {
                        for (int o = 0; o < 3; o++) {
                            offsets[o][next[0]] = off[o] + i * st[o];
                        }
                    }
                });
        return offsets;
    }

    /** x itself when each of its matrices is row-major or column-major; otherwise a copy. */
    private static Tensor asMatrices(Tensor x) {
        return Layout.of(x) != null ? x : ViewOps.copy(x.detach(), "matmul");
    }

    /** How GEMM should read the matrices of a tensor: transposed or not, and the leading dim. */
    private static final class Layout {
        final boolean trans;
        final int ld;

        private Layout(boolean trans, int ld) {
            this.trans = trans;
            this.ld = ld;
        }

        static Layout of(Tensor x) {
            int r = x.dim();
            int rows = x.shape[r - 2];
            int cols = x.shape[r - 1];
            int sr = x.strides[r - 2];
            int sc = x.strides[r - 1];
            // A size-1 dim's stride is meaningless; choose the value that makes the test pass.
            if (sc == 1 || cols == 1) {
                return new Layout(false, rows == 1 ? Math.max(cols, 1) : sr);
            }
            if (sr == 1 || rows == 1) {
                return new Layout(true, cols == 1 ? Math.max(rows, 1) : sc);
            }
            return null;
        }
    }
}
