package dev.pare.tensor.kernels;

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

    /**
     * Tile edge of {@link #transpose}: an 8×8 tile reads 8 cache lines and writes 8, which stay
     * in L1 while the tile is copied. A naive transpose walks the output with a stride of
     * {@code rows} floats and misses the cache on nearly every write for large matrices. Why not
     * 16: with a power-of-two stride such as 1024 floats (4 KiB), all the lines of a tile's
     * column fall in the same L1 set, and an L1 set holds 8 lines on many Intel cores (12 on
     * recent AMD cores), so a 16-line tile would evict itself.
     */
    private static final int TILE = 8;

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
     * written as the row-major [cols, rows] matrix at {@code dst}, tile by tile. A pure copy, so
     * the result equals the twin's exactly. The two ranges must not overlap.
     */
    public static void transpose(float[] src, int so, int rows, int cols, float[] dst, int dOff) {
        check(src, so, rows, cols, dst, dOff);
        for (int r0 = 0; r0 < rows; r0 += TILE) {
            int r1 = Math.min(rows, r0 + TILE);
            for (int c0 = 0; c0 < cols; c0 += TILE) {
                int c1 = Math.min(cols, c0 + TILE);
                // Column by column, so that the writes of a tile row are contiguous.
                for (int c = c0; c < c1; c++) {
                    int d = dOff + c * rows;
                    for (int r = r0; r < r1; r++) {
                        dst[d + r] = src[so + r * cols + c];
                    }
                }
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
