package dev.pare.compress.prune;

import dev.pare.tensor.Tensor;
import dev.pare.tensor.kernels.CsrKernels;
import dev.pare.tensor.kernels.CsrMatrix;
import dev.pare.tensor.kernels.SparseLayout;

/**
 * {@link SparseWeights} stored as CSR: one value and one column index per kept weight. Its
 * kernels prefer batch-minor operands: with n samples contiguous per feature, each stored weight
 * multiplies n activations with vector FMAs.
 *
 * @param matrix the kernels' matrix (shared, not copied)
 */
public record CsrWeights(CsrMatrix matrix) implements SparseWeights {

    @Override
    public SparseFormat format() {
        return SparseFormat.CSR;
    }

    @Override
    public int[] valuesShape() {
        return new int[] {matrix.values().length};
    }

    @Override
    public void timesVector(float[] x, int xo, float[] y, int yo) {
        CsrKernels.timesVector(matrix, x, xo, y, yo);
    }

    @Override
    public void timesRowMajor(float[] x, int xo, int n, float[] b, int bo, float[] y, int yo) {
        CsrKernels.timesRowMajor(matrix, x, xo, n, b, bo, y, yo);
    }

    @Override
    public void timesBatchMinor(float[] xT, int xo, int n, float[] yT, int yo) {
        CsrKernels.timesBatchMinor(matrix, xT, xo, n, yT, yo);
    }

    /** Scatters each entry's w·Gᵀ[r, :] into dXᵀ[c, :]; one sample takes the vector kernel. */
    @Override
    public Tensor transposedTimes(Tensor g, float[] gT, int gTo, int n, boolean batchMinor, int[] xShape) {
        int in = matrix.cols();
        if (n == 1) {
            float[] d = new float[in];
            CsrKernels.transposedTimesVectorScalar(matrix, gT, gTo, d, 0);
            return Tensor.wrap(d, 0, xShape);
        }
        float[] dT = new float[in * n];
        CsrKernels.transposedTimesBatchMinor(matrix, gT, gTo, n, dT, 0);
        if (batchMinor) {
            return Tensor.wrap(dT, 0, in, n).t();
        }
        float[] d = new float[n * in];
        SparseLayout.transpose(dT, 0, in, n, d, 0);
        return Tensor.wrap(d, 0, xShape);
    }

    @Override
    public void weightGrad(float[] gT, int gTo, float[] xT, int xTo, int n, float[] dv) {
        CsrKernels.weightGradBatchMinor(matrix, gT, gTo, xT, xTo, n, dv, 0);
    }
}
