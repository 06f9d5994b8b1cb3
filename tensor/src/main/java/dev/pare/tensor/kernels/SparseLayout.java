package dev.pare.tensor.kernels;

import static dev.pare.tensor.kernels.VectorConfig.FLOAT;

import jdk.incubator.vector.FloatVector;

/**
 * Moving activations between the usual batch-major layout X [batch, features] (one sample per
 * row) and the <em>batch-minor</em> layout Xᵀ [features, batch] that the batched sparse kernels
 * want (the batch contiguous, so one stored weight updates the whole batch with vector loads).
 *
 * <p>Both directions are the same operation, a transpose: X [batch, in] → Xᵀ [in, batch] before a
 * sparse layer, Yᵀ [out, batch] → Y [batch, out] after it. A stack of sparse layers can keep
 * activations batch-minor from one layer to the next and transpose only at its ends.
 */
public final class SparseLayout {
    private SparseLayout() {}

    /** Scalar twin of {@link #transpose}: dst[do + c·rows + r] = src[so + r·cols + c], row by row. */
    public static void transposeScalar(float[] src, int so, int rows, int cols, float[] dst, int dOff) {
        check(src, so, rows, cols, dst, dOff);
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                dst[dOff + c * rows + r] = src[so + r * cols + c];
            }
        }
    }

    /**
     * dst[do + c·rows + r] = src[so + r·cols + c]: the row-major [rows, cols] matrix at {@code src}
     * written as the row-major [cols, rows] matrix at {@code dst}. A pure copy, so the result
     * equals the twin's exactly. The two ranges must not overlap.
     *
     * <p>Vectorised with gathers: {@link #transposeStrided}.
     */
    public static void transpose(float[] src, int so, int rows, int cols, float[] dst, int dOff) {
        check(src, so, rows, cols, dst, dOff);
        transposeStrided(src, so, cols, rows, cols, dst, dOff, rows);
    }

    /**
     * dst[do + c·dstStride + r] = src[so + r·srcStride + c] for r &lt; rows, c &lt; cols: the same
     * transpose between matrices that sit inside wider ones (row strides at least their widths).
     * Unchecked: callers check the ranges.
     *
     * <p>How: strips of {@code lanes} source rows. For each column c, one gather loads
     * src[r0 + j][c] for the strip's rows j (lane j reads element j·srcStride, through the index
     * map) and one contiguous store writes them to row c of the result. The gather's lanes hit
     * {@code lanes} different cache lines, but the next 15 columns read the same lines, which
     * stay in L1. It measured faster than an 8×8-tiled scalar copy and than an in-register
     * shuffle transpose (16×16 tiles, four rounds of rearrange and blend), which spends more
     * instructions per element than the gather does (docs/sparse-kernels.md). Rows left over
     * after the strips are copied one by one.
     */
    static void transposeStrided(float[] src, int so, int srcStride, int rows, int cols,
                                 float[] dst, int dOff, int dstStride) {
        int lanes = FLOAT.length();
        int r0 = 0;
        if (rows >= lanes && cols > 0) {
            int[] map = SparseScratch.get().strideMap(srcStride);
            for (; r0 <= rows - lanes; r0 += lanes) {
                int s = so + r0 * srcStride;
                int d = dOff + r0;
                for (int c = 0; c < cols; c++) {
                    FloatVector.fromArray(FLOAT, src, s + c, map, 0).intoArray(dst, d + c * dstStride);
                }
            }
        }
        for (; r0 < rows; r0++) {
            int s = so + r0 * srcStride;
            for (int c = 0; c < cols; c++) {
                dst[dOff + c * dstStride + r0] = src[s + c];
            }
        }
    }

    private static void check(float[] src, int so, int rows, int cols, float[] dst, int dOff) {
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("SparseLayout.transpose: negative shape [" + rows + ", " + cols + "]");
        }
        // The operation name is a constant, so that a call that passes its checks allocates nothing.
        int n = Math.multiplyExact(rows, cols);
        CsrKernels.checkRun("SparseLayout.transpose", "src", src, so, n);
        CsrKernels.checkRun("SparseLayout.transpose", "dst", dst, dOff, n);
    }
}
