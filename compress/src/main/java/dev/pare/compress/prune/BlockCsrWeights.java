package dev.pare.compress.prune;

import dev.pare.tensor.Tensor;
import dev.pare.tensor.kernels.BlockCsrKernels;
import dev.pare.tensor.kernels.BlockCsrMatrix;
import dev.pare.tensor.kernels.ReduceKernels;

/**
 * {@link SparseWeights} stored as block-CSR: one column start and B contiguous values per kept
 * 1×B block (B = 8 or 16). A zero inside a kept block is stored, and trains like its
 * neighbours; the padding of a partial last block (columns past the matrix) stays 0.
 *
 * @param matrix the kernels' matrix (shared, not copied); {@code BlockCsrMatrix} itself allows
 *     only the block widths 8 and 16, the two {@link SparseFormat}s
 */
public record BlockCsrWeights(BlockCsrMatrix matrix) implements SparseWeights {

    @Override
    public SparseFormat format() {
        return matrix.blockWidth() == 8 ? SparseFormat.BLOCK_8 : SparseFormat.BLOCK_16;
    }

    @Override
    public int[] valuesShape() {
        return new int[] {matrix.blocks(), matrix.blockWidth()};
    }

    @Override
    public void timesVector(float[] x, int xo, float[] y, int yo) {
        BlockCsrKernels.timesVector(matrix, x, xo, y, yo);
    }

    @Override
    public void timesRowMajor(float[] x, int xo, int n, float[] b, int bo, float[] y, int yo) {
        BlockCsrKernels.timesRowMajor(matrix, x, xo, n, b, bo, y, yo);
    }

    @Override
    public void timesBatchMinor(float[] xT, int xo, int n, float[] yT, int yo) {
        BlockCsrKernels.timesBatchMinor(matrix, xT, xo, n, yT, yo);
    }

    /**
     * Sample by sample on the row-major gradient, adding g[r]·block to B contiguous entries of
     * dx: the block kernel has no batch-minor form, so dL/dX comes back row-major.
     */
    @Override
    public Tensor transposedTimes(Tensor g, float[] gT, int gTo, int n, boolean batchMinor, int[] xShape) {
        int in = matrix.cols();
        int out = matrix.rows();
        Tensor gc = g.contiguous();
        float[] gs = gc.storage();
        int go = gc.offset();
        float[] d = new float[n * in];
        for (int i = 0; i < n; i++) {
            BlockCsrKernels.transposedTimesVector(matrix, gs, go + i * out, d, i * in);
        }
        return Tensor.wrap(d, 0, xShape);
    }

    /** dv[b·B + j] = Gᵀ[r, :]·Xᵀ[start + j, :] for each in-matrix entry of each kept block. */
    @Override
    public void weightGrad(float[] gT, int gTo, float[] xT, int xTo, int n, float[] dv) {
        int bw = matrix.blockWidth();
        int in = matrix.cols();
        int[] ptr = matrix.blockPtr();
        int[] start = matrix.blockStart();
        for (int r = 0; r < matrix.rows(); r++) {
            for (int b = ptr[r]; b < ptr[r + 1]; b++) {
                int width = Math.min(bw, in - start[b]);
                for (int j = 0; j < width; j++) {
                    dv[b * bw + j] = ReduceKernels.dot(gT, gTo + r * n, 1, xT, xTo + (start[b] + j) * n, 1, n);
                }
            }
        }
    }
}
